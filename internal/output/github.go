package output

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/kvguard/kvguard/internal/engine"
)

// GitHub writes GitHub Actions workflow commands, which the runner turns into annotations on
// the pull request: error for a mandatory failure, warning for an advisory failure and for an
// expired exception, notice for an unverifiable check. Excepted, passing and not-applicable
// results produce no annotation. The summary line ends the log.
type GitHub struct {
	// Artifact is the checked input file, used as the annotation's file when a result has no
	// source position.
	Artifact string
}

// Output writes r as workflow commands.
func (g *GitHub) Output(w io.Writer, r *engine.Report) error {
	bw := bufio.NewWriter(w)
	policies := policyIndex(r)
	for _, res := range sortedResults(r) {
		var cmd string
		switch {
		case res.Status == engine.StatusFail && res.Level == engine.LevelMandatory:
			cmd = "error"
		case res.Status == engine.StatusFail:
			cmd = "warning"
		case res.Status == engine.StatusUnverifiable:
			cmd = "notice"
		default:
			continue
		}
		file, line := sourceFile(res.SourcePosition)
		if file == "" {
			file, line = g.Artifact, 0
		}
		var props []string
		if file != "" {
			props = append(props, "file="+escapeProperty(visible(file)))
			if line > 0 {
				props = append(props, "line="+strconv.Itoa(line))
			}
		}
		props = append(props, "title="+escapeProperty(visible(res.PolicyID)))

		// The message's own lines are the ones written here; a line break or terminal escape
		// from the input is shown, so the annotation and the log line keep that shape.
		msg := visible(findingMessage(res)) + "\nResource: " + visible(res.URN)
		if p, ok := policies[res.PolicyID]; ok && p.RecommendedAction != "" {
			// METADATA wraps long lines; an annotation reads better as one paragraph.
			msg += "\nRemediation: " + visible(oneLine(p.RecommendedAction))
		}
		fmt.Fprintf(bw, "::%s %s::%s\n", cmd, strings.Join(props, ","), escapeData(msg))
	}
	for _, e := range r.ExpiredExceptions {
		fmt.Fprintf(bw, "::warning title=%s::%s\n", escapeProperty("expired exception "+visible(e.Policy)), escapeData(expiredMessage(e)))
	}
	for _, e := range r.UnusedExceptions {
		fmt.Fprintf(bw, "::notice title=%s::%s\n", escapeProperty("unused exception "+visible(e.Policy)), escapeData(unusedMessage(e)))
	}
	fmt.Fprintln(bw, summaryLine(r.Counts()))
	return bw.Flush()
}

// escapeData escapes a workflow command's message as the Actions toolkit does, so a newline in
// a message cannot start a command of its own.
func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// escapeProperty escapes a workflow command property value; ',' and ':' separate properties
// and the message.
func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}
