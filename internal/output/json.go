package output

import (
	"encoding/json"
	"io"

	"github.com/kvguard/kvguard/internal/engine"
)

// JSON is the machine format: the whole report, its counts and exit code, with results and
// policies in stable order and empty result lists written as [] rather than null.
type JSON struct{}

// jsonReport is the document JSON writes.
type jsonReport struct {
	engine.Report
	Summary  engine.Counts `json:"counts"`
	ExitCode int           `json:"exitCode"`
}

// Output writes r as indented JSON.
func (j *JSON) Output(w io.Writer, r *engine.Report) error {
	doc := jsonReport{Report: *r, Summary: r.Counts(), ExitCode: r.ExitCode()}
	doc.Policies = sortedPolicies(r)
	doc.Results = sortedResults(r)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	// Messages quote resource names with '; keep them readable instead of \u0027.
	enc.SetEscapeHTML(false)
	return enc.Encode(doc)
}
