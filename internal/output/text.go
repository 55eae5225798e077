package output

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/kvguard/kvguard/internal/engine"
)

// Text is the terminal format: findings grouped by resource, each with its remediation, then
// expired exceptions and one summary line. Passing results are only counted.
type Text struct{}

// Output writes r as text.
func (t *Text) Output(w io.Writer, r *engine.Report) error {
	bw := bufio.NewWriter(w)
	policies := policyIndex(r)

	fmt.Fprintf(bw, "kvguard: stack %q (profile %s), project %q, source %s, now %s\n",
		r.Stack, r.Profile, r.Project, r.Source, r.Now)

	for _, g := range groupFindings(sortedResults(r)) {
		fmt.Fprintf(bw, "\n%s %q\n", g.Type, g.Name)
		fmt.Fprintf(bw, "  urn: %s\n", g.URN)
		for _, res := range g.Findings {
			msg := res.Message
			if msg == "" {
				msg = findingMessage(res)
			}
			// The unknown path gets a line of its own below, so the policy's sentence stays as written.
			fmt.Fprintf(bw, "  %s %s [%s] %s\n", strings.ToUpper(string(res.Status)), res.PolicyID, res.Level, msg)
			if res.SourcePosition != "" {
				fmt.Fprintf(bw, "      at: %s\n", res.SourcePosition)
			}
			if res.Path != "" {
				fmt.Fprintf(bw, "      unknown: %s\n", res.Path)
			}
			if res.Status == engine.StatusExcepted {
				fmt.Fprintf(bw, "      exception: %s\n", oneLine(res.Exception))
				continue
			}
			if p, ok := policies[res.PolicyID]; ok && p.RecommendedAction != "" {
				fmt.Fprintf(bw, "      remediation: %s\n", indentLines(p.RecommendedAction, "        "))
			}
		}
	}

	exceptionList(bw, "Expired exceptions (no longer applied):", "expired", r.ExpiredExceptions)
	exceptionList(bw, "Unused exceptions (they matched no failing resource; remove them or fix their URN patterns):", "until", r.UnusedExceptions)

	fmt.Fprintf(bw, "\n%s\n", summaryLine(r.Counts()))
	return bw.Flush()
}

// indentLines keeps a multi-line remediation readable under its label.
func indentLines(s, indent string) string {
	s = strings.TrimSpace(s)
	return strings.ReplaceAll(s, "\n", "\n"+indent)
}

// oneLine folds line breaks so a reason cannot forge extra report lines.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// exceptionList writes a heading and one entry per exception, nothing when there are none.
func exceptionList(w io.Writer, heading, dateWord string, list []engine.Exception) {
	if len(list) == 0 {
		return
	}
	fmt.Fprintf(w, "\n%s\n", heading)
	for _, e := range list {
		fmt.Fprintf(w, "  %s %s %s: %s\n", e.Policy, dateWord, e.Expires, oneLine(e.Reason))
		for _, u := range e.URNs {
			fmt.Fprintf(w, "      urn: %s\n", u)
		}
	}
}
