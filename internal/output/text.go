package output

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/kvguard/kvguard/internal/engine"
)

// Text is the terminal format: findings grouped by resource, each with its remediation, then
// expired exceptions and one summary line. Passing results are only counted. Every value from
// the input goes through visible (or %q, which escapes as much), so it cannot add lines or
// terminal control sequences to the report.
type Text struct{}

// Output writes r as text.
func (t *Text) Output(w io.Writer, r *engine.Report) error {
	bw := bufio.NewWriter(w)
	policies := policyIndex(r)

	fmt.Fprintf(bw, "kvguard: stack %q (profile %s), project %q, source %s, now %s\n",
		r.Stack, visible(r.Profile), r.Project, visible(r.Source), visible(r.Now))

	for _, g := range groupFindings(sortedResults(r)) {
		fmt.Fprintf(bw, "\n%s %q\n", visible(g.Type), g.Name)
		fmt.Fprintf(bw, "  urn: %s\n", visible(g.URN))
		for _, res := range g.Findings {
			msg := res.Message
			if msg == "" {
				msg = findingMessage(res)
			}
			// The unknown path gets a line of its own below, so the policy's sentence stays as written.
			fmt.Fprintf(bw, "  %s %s [%s] %s\n", strings.ToUpper(string(res.Status)), visible(res.PolicyID), res.Level, visible(msg))
			if res.SourcePosition != "" {
				fmt.Fprintf(bw, "      at: %s\n", visible(res.SourcePosition))
			}
			if res.Path != "" {
				fmt.Fprintf(bw, "      unknown: %s\n", visible(res.Path))
			}
			if res.Status == engine.StatusExcepted {
				fmt.Fprintf(bw, "      exception: %s\n", visible(oneLine(res.Exception)))
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

// indentLines keeps a multi-line remediation readable under its label; its line breaks are
// the catalogue's own, anything else is made visible.
func indentLines(s, indent string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i, l := range lines {
		lines[i] = visible(l)
	}
	return strings.Join(lines, "\n"+indent)
}

// oneLine folds line breaks and runs of spaces, so a reason written over several lines reads
// as one sentence.
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
		fmt.Fprintf(w, "  %s %s %s: %s\n", visible(e.Policy), dateWord, visible(e.Expires), visible(oneLine(e.Reason)))
		for _, u := range e.URNs {
			fmt.Fprintf(w, "      urn: %s\n", visible(u))
		}
	}
}
