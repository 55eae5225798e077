package output

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/kvguard/kvguard/internal/engine"
)

// Markdown is a pull-request comment: a verdict and the summary line, a table of failures,
// remediation per failing policy in a collapsed section, then unverifiable checks, exceptions
// that applied and expired exceptions.
type Markdown struct{}

// Output writes r as GitHub-flavoured Markdown.
func (m *Markdown) Output(w io.Writer, r *engine.Report) error {
	bw := bufio.NewWriter(w)
	policies := policyIndex(r)
	results := sortedResults(r)
	counts := r.Counts()

	fmt.Fprintf(bw, "## kvguard: stack `%s` (profile %s)\n\n", mdCode(r.Stack), mdCell(r.Profile))
	switch {
	case counts.Mandatory > 0:
		fmt.Fprintf(bw, "**Blocked:** %s at mandatory level must be fixed before this change is applied.\n\n",
			plural(counts.Mandatory, "failure", "failures"))
	case counts.Fail > 0 || counts.Unverifiable > 0:
		fmt.Fprintf(bw, "**Not blocked:** no mandatory failures; review the advisory and unverifiable findings below.\n\n")
	default:
		fmt.Fprintf(bw, "**Clean:** no failures and nothing left unverified.\n\n")
	}
	fmt.Fprintf(bw, "%s\n", summaryLine(counts))
	fmt.Fprintf(bw, "\nProject `%s`, source %s, evaluated at %s.\n", mdCode(r.Project), mdCell(r.Source), mdCell(r.Now))

	var fails, unverifiable, excepted []engine.Result
	for _, res := range results {
		switch res.Status {
		case engine.StatusFail:
			fails = append(fails, res)
		case engine.StatusUnverifiable:
			unverifiable = append(unverifiable, res)
		case engine.StatusExcepted:
			excepted = append(excepted, res)
		}
	}
	// Mandatory failures first: they are what a reviewer must act on.
	sort.SliceStable(fails, func(i, j int) bool {
		return fails[i].Level == engine.LevelMandatory && fails[j].Level != engine.LevelMandatory
	})

	if len(fails) > 0 {
		fmt.Fprintf(bw, "\n### Failures\n\n| Policy | Level | Resource | Message |\n|---|---|---|---|\n")
		for _, res := range fails {
			fmt.Fprintf(bw, "| %s | %s | %s | %s |\n", mdCell(res.PolicyID), mdCell(string(res.Level)), mdResource(res), mdText(findingMessage(res)))
		}
		var ids []string
		seen := map[string]bool{}
		for _, res := range fails {
			if !seen[res.PolicyID] {
				seen[res.PolicyID] = true
				ids = append(ids, res.PolicyID)
			}
		}
		sort.Strings(ids)
		fmt.Fprintf(bw, "\n<details>\n<summary>Remediation</summary>\n\n")
		for _, id := range ids {
			p := policies[id]
			action := strings.TrimSpace(p.RecommendedAction)
			if action == "" {
				action = "See the policy reference."
			}
			fmt.Fprintf(bw, "- **%s** %s: %s\n", mdCell(id), mdCell(p.Title), mdCell(action))
		}
		fmt.Fprintf(bw, "\n</details>\n")
	}

	if len(unverifiable) > 0 {
		fmt.Fprintf(bw, "\n### Unverifiable until apply\n\nThese values are unknown at preview; the policy pack checks them again during `pulumi up`.\n\n")
		fmt.Fprintf(bw, "| Policy | Resource | Unknown path | Message |\n|---|---|---|---|\n")
		for _, res := range unverifiable {
			fmt.Fprintf(bw, "| %s | %s | %s | %s |\n", mdCell(res.PolicyID), mdResource(res), mdPath(res.Path), mdText(findingMessage(res)))
		}
	}

	if len(excepted) > 0 {
		fmt.Fprintf(bw, "\n### Excepted\n\n| Policy | Resource | Reason |\n|---|---|---|\n")
		for _, res := range excepted {
			fmt.Fprintf(bw, "| %s | %s | %s |\n", mdCell(res.PolicyID), mdResource(res), mdText(res.Exception))
		}
	}

	exceptionTable(bw, "Expired exceptions", "These no longer apply; renew or remove them.", "Expired", r.ExpiredExceptions)
	exceptionTable(bw, "Unused exceptions", "These matched no failing resource; remove them or fix their URN patterns.", "Expires", r.UnusedExceptions)
	return bw.Flush()
}

func mdResource(res engine.Result) string {
	return fmt.Sprintf("`%s` (%s)", mdCode(res.ResourceName), mdText(res.ResourceType))
}

func mdPath(p string) string {
	if p == "" {
		return ""
	}
	return "`" + mdCode(p) + "`"
}

// mdCell makes text kvguard controls (policy ids, levels, the catalogue's titles and
// remediation) safe inside a table cell: no line breaks, no column separators, no raw HTML.
// Other Markdown stays live, because the catalogue writes `code` on purpose; text from the
// input goes through mdText instead.
func mdCell(s string) string {
	s = visible(oneLine(s))
	return strings.NewReplacer("|", `\|`, "<", "&lt;", ">", "&gt;").Replace(s)
}

// mdCode makes text safe inside a `code span` in a table cell; a backtick would end the span.
// Markdown, links and mentions are not live inside a code span, so nothing else needs escaping.
func mdCode(s string) string {
	s = visible(oneLine(s))
	return strings.NewReplacer("`", "'", "|", `\|`).Replace(s)
}

// exceptionTable writes a section listing exceptions, nothing when there are none.
func exceptionTable(w io.Writer, title, intro, dateHeader string, list []engine.Exception) {
	if len(list) == 0 {
		return
	}
	fmt.Fprintf(w, "\n### %s\n\n%s\n\n| Policy | %s | Reason | URNs |\n|---|---|---|---|\n", title, intro, dateHeader)
	for _, e := range list {
		urns := make([]string, len(e.URNs))
		for i, u := range e.URNs {
			urns[i] = "`" + mdCode(u) + "`"
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s |\n", mdText(e.Policy), mdText(e.Expires), mdText(e.Reason), strings.Join(urns, "<br>"))
	}
}
