// Package output renders an engine.Report in the formats people and CI systems read: text for a
// terminal, json for scripts, sarif for code scanning, junit for Azure DevOps test results,
// github for workflow annotations and markdown for a pull-request comment.
//
// Every format reads only the Report, which holds no property values, so no format can leak a
// secret. Every format lists results in the same stable order (URN, then policy id), whatever
// order the report arrived in, so two runs over the same input give byte-identical output.
package output

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/kvguard/kvguard/internal/engine"
)

// Outputter writes one report in one format.
type Outputter interface {
	Output(w io.Writer, r *engine.Report) error
}

// Format names accepted by Get and the CLI's --format flag.
const (
	FormatText     = "text"
	FormatJSON     = "json"
	FormatSARIF    = "sarif"
	FormatJUnit    = "junit"
	FormatGitHub   = "github"
	FormatMarkdown = "markdown"
)

// Formats lists every format Get accepts, in the order help texts show them.
func Formats() []string {
	return []string{FormatText, FormatJSON, FormatSARIF, FormatJUnit, FormatGitHub, FormatMarkdown}
}

// Option tunes an Outputter; formats ignore options that mean nothing to them.
type Option func(*options)

type options struct {
	version  string
	artifact string
}

// WithVersion sets the tool version that SARIF writes into its driver.
func WithVersion(v string) Option {
	return func(o *options) { o.version = v }
}

// WithArtifact names the input file that was checked. SARIF and the GitHub annotations fall
// back to it for results without a source position, because code scanning and annotations
// need a file to attach a finding to; a logical location alone is not shown.
func WithArtifact(path string) Option {
	return func(o *options) { o.artifact = path }
}

// Get returns the Outputter for a format name.
func Get(format string, opts ...Option) (Outputter, error) {
	o := options{version: "dev"}
	for _, opt := range opts {
		opt(&o)
	}
	switch format {
	case FormatText:
		return &Text{}, nil
	case FormatJSON:
		return &JSON{}, nil
	case FormatSARIF:
		return &SARIF{Version: o.version, Artifact: o.artifact}, nil
	case FormatJUnit:
		return &JUnit{}, nil
	case FormatGitHub:
		return &GitHub{Artifact: o.artifact}, nil
	case FormatMarkdown:
		return &Markdown{}, nil
	default:
		return nil, fmt.Errorf("unknown output format %q: want one of %s", format, strings.Join(Formats(), ", "))
	}
}

// sortedResults returns the report's results ordered by URN, then policy id, never nil (the
// JSON report lists none as []); callers only read them.
func sortedResults(r *engine.Report) []engine.Result {
	less := func(a, b engine.Result) bool {
		if a.URN != b.URN {
			return a.URN < b.URN
		}
		return a.PolicyID < b.PolicyID
	}
	// The engine returns results in this order already; a report built elsewhere may not.
	// Checking costs one pass, where sorting a large estate's results again costs seconds.
	if r.Results != nil && sort.SliceIsSorted(r.Results, func(i, j int) bool { return less(r.Results[i], r.Results[j]) }) {
		return r.Results
	}
	out := make([]engine.Result, len(r.Results))
	copy(out, r.Results)
	sort.SliceStable(out, func(i, j int) bool { return less(out[i], out[j]) })
	return out
}

// sortedPolicies returns a copy of the report's catalogue ordered by id.
func sortedPolicies(r *engine.Report) []engine.PolicyLevel {
	out := make([]engine.PolicyLevel, len(r.Policies))
	copy(out, r.Policies)
	sort.SliceStable(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// policyIndex maps policy id to its catalogue entry.
func policyIndex(r *engine.Report) map[string]engine.PolicyLevel {
	m := make(map[string]engine.PolicyLevel, len(r.Policies))
	for _, p := range r.Policies {
		m[p.ID] = p
	}
	return m
}

// isFinding reports whether a result is shown one by one; passing and not-applicable results
// are only counted.
func isFinding(res engine.Result) bool {
	switch res.Status {
	case engine.StatusFail, engine.StatusUnverifiable, engine.StatusExcepted:
		return true
	}
	return false
}

// resourceGroup is one resource with the findings it has, in policy order.
type resourceGroup struct {
	URN      string
	Type     string
	Name     string
	Findings []engine.Result
}

// groupFindings groups the findings by resource, resources ordered by URN.
func groupFindings(results []engine.Result) []resourceGroup {
	var groups []resourceGroup
	idx := map[string]int{}
	for _, res := range results {
		if !isFinding(res) {
			continue
		}
		i, ok := idx[res.URN]
		if !ok {
			i = len(groups)
			idx[res.URN] = i
			groups = append(groups, resourceGroup{URN: res.URN, Type: res.ResourceType, Name: res.ResourceName})
		}
		groups[i].Findings = append(groups[i].Findings, res)
	}
	return groups
}

// summaryLine is the one-line tally every human-facing format ends with. It deliberately
// avoids the "N passed, N failed" form, which CI log parsers read as test results.
func summaryLine(c engine.Counts) string {
	return fmt.Sprintf("%s, %s (%d mandatory, %d advisory), %d unverifiable, %d excepted, %d passing, %d not applicable.",
		plural(c.Resources, "resource checked", "resources checked"),
		plural(c.Fail, "failure", "failures"),
		c.Mandatory, c.Advisory, c.Unverifiable, c.Excepted, c.Pass, c.NotApplicable)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// expiredMessage and unusedMessage are the one-line sentences the formats without an
// exceptions section of their own (GitHub, SARIF, JUnit) give an expired or unused exception.
func expiredMessage(e engine.Exception) string {
	return fmt.Sprintf("Exception for %s expired on %s and no longer applies: %s", visible(e.Policy), visible(e.Expires), visible(oneLine(e.Reason)))
}

func unusedMessage(e engine.Exception) string {
	return fmt.Sprintf("Exception for %s matched no failing resource; remove it or fix its URN patterns: %s", visible(e.Policy), visible(oneLine(e.Reason)))
}

// findingMessage is the sentence shown for a finding. Unverifiable results name the unknown
// path even when the policy wrote no sentence of its own.
func findingMessage(res engine.Result) string {
	msg := res.Message
	if res.Status == engine.StatusUnverifiable && res.Path != "" {
		if msg == "" {
			return fmt.Sprintf("Value %q of %s '%s' is unknown until the update runs; it is checked again during pulumi up.", res.Path, res.ResourceType, res.ResourceName)
		}
		if !mentionsAll(msg, res.Path) {
			return fmt.Sprintf("%s (unknown: %s)", msg, res.Path)
		}
	}
	if msg == "" {
		return fmt.Sprintf("%s '%s' %s policy %s.", res.ResourceType, res.ResourceName, statusVerb(res.Status), res.PolicyID)
	}
	return msg
}

// mentionsAll reports whether msg names every path of a ", "-joined path list already.
func mentionsAll(msg, paths string) bool {
	for _, p := range strings.Split(paths, ", ") {
		if !strings.Contains(msg, p) {
			return false
		}
	}
	return true
}

func statusVerb(s engine.Status) string {
	switch s {
	case engine.StatusFail:
		return "fails"
	case engine.StatusExcepted:
		return "is excepted from"
	case engine.StatusUnverifiable:
		return "cannot be verified against"
	}
	return "is " + string(s) + " for"
}

// sourceFile splits a "file:line" source position. A position without a numeric line is
// returned whole as the file, line 0.
func sourceFile(pos string) (file string, line int) {
	i := strings.LastIndex(pos, ":")
	if i <= 0 {
		return pos, 0
	}
	n, err := strconv.Atoi(pos[i+1:])
	if err != nil || n < 0 {
		return pos, 0
	}
	return pos[:i], n
}
