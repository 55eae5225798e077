package output

import (
	"encoding/xml"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/kvguard/kvguard/internal/engine"
)

// JUnit is JUnit XML as Azure DevOps' Publish Test Results task reads it: one testsuite per
// policy, one testcase per resource the policy applies to.
//
//   - pass: a plain testcase.
//   - fail at mandatory level: <failure type="mandatory">.
//   - fail at advisory level: <failure type="advisory">. Advisory findings are shown as failed
//     tests so reviewers see them in the Tests tab; what gates a pipeline is kvguard's exit code
//     (1 only for mandatory failures), so leave the task's failTaskOnFailedTests off.
//   - unverifiable, excepted, not-applicable: <skipped> with the reason (unknown path,
//     exception reason, policy disabled for this stack).
//
// Expired and unused exceptions are skipped testcases of one more suite, "kvguard exceptions",
// so they show in the Tests tab without failing anything.
type JUnit struct{}

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	ClassName string        `xml:"classname,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	Skipped   *junitSkipped `xml:"skipped,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Body    string `xml:",chardata"`
}

type junitSkipped struct {
	Message string `xml:"message,attr"`
}

// Output writes r as JUnit XML.
func (j *JUnit) Output(w io.Writer, r *engine.Report) error {
	policies := policyIndex(r)
	byPolicy := map[string][]engine.Result{}
	for _, res := range sortedResults(r) {
		byPolicy[res.PolicyID] = append(byPolicy[res.PolicyID], res)
	}
	ids := make([]string, 0, len(byPolicy))
	for id := range byPolicy {
		ids = append(ids, id)
	}
	sort.Strings(ids)

	doc := junitSuites{Name: "kvguard"}
	for _, id := range ids {
		p := policies[id]
		suite := junitSuite{Name: id}
		if p.Title != "" {
			suite.Name = id + ": " + p.Title
		}
		for _, res := range byPolicy[id] {
			c := junitCase{
				Name:      visible(fmt.Sprintf("%s '%s'", res.ResourceType, res.ResourceName)),
				ClassName: "kvguard." + id,
			}
			switch res.Status {
			case engine.StatusFail:
				c.Failure = &junitFailure{
					Message: visible(findingMessage(res)),
					Type:    string(res.Level),
					Body:    junitBody(res, p),
				}
				suite.Failures++
			case engine.StatusUnverifiable:
				c.Skipped = &junitSkipped{Message: "unverifiable: " + visible(findingMessage(res))}
				suite.Skipped++
			case engine.StatusExcepted:
				c.Skipped = &junitSkipped{Message: "excepted: " + visible(oneLine(res.Exception))}
				suite.Skipped++
			case engine.StatusNotApplicable:
				c.Skipped = &junitSkipped{Message: "not applicable: policy " + id + " is disabled for this stack"}
				suite.Skipped++
			}
			suite.Cases = append(suite.Cases, c)
			suite.Tests++
		}
		doc.Tests += suite.Tests
		doc.Failures += suite.Failures
		doc.Skipped += suite.Skipped
		doc.Suites = append(doc.Suites, suite)
	}

	if len(r.ExpiredExceptions)+len(r.UnusedExceptions) > 0 {
		suite := junitSuite{Name: "kvguard exceptions"}
		add := func(e engine.Exception, state, msg string) {
			suite.Cases = append(suite.Cases, junitCase{
				Name:      visible(fmt.Sprintf("%s exception: %s", state, oneLine(e.Reason))),
				ClassName: "kvguard.exceptions." + visible(e.Policy),
				Skipped:   &junitSkipped{Message: msg},
			})
		}
		for _, e := range r.ExpiredExceptions {
			add(e, "expired", expiredMessage(e))
		}
		for _, e := range r.UnusedExceptions {
			add(e, "unused", unusedMessage(e))
		}
		suite.Tests, suite.Skipped = len(suite.Cases), len(suite.Cases)
		doc.Tests += suite.Tests
		doc.Skipped += suite.Skipped
		doc.Suites = append(doc.Suites, suite)
	}

	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("write junit: %w", err)
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// Input-derived text goes through visible, as in the text report: Azure DevOps shows these
// strings to people, and XML escaping alone leaves bidi controls and terminal escapes live.
//
// junitBody is the failure's detail text: where the resource is and how to fix it.
func junitBody(res engine.Result, p engine.PolicyLevel) string {
	var b strings.Builder
	fmt.Fprintf(&b, "urn: %s\n", visible(res.URN))
	if res.SourcePosition != "" {
		fmt.Fprintf(&b, "at: %s\n", visible(res.SourcePosition))
	}
	if p.RecommendedAction != "" {
		fmt.Fprintf(&b, "remediation: %s\n", strings.TrimSpace(p.RecommendedAction))
	}
	return b.String()
}
