package output

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kvguard/kvguard/internal/engine"
)

func TestJSONGolden(t *testing.T) {
	goldenTest(t, FormatJSON, ".json")
}

func TestJSONRoundTrip(t *testing.T) {
	for _, tc := range reports {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.report()
			var got struct {
				engine.Report
				Counts   engine.Counts `json:"counts"`
				ExitCode int           `json:"exitCode"`
			}
			require.NoError(t, json.Unmarshal(render(t, FormatJSON, reversed(r)), &got))
			assert.Equal(t, r.Counts(), got.Counts)
			assert.Equal(t, r.ExitCode(), got.ExitCode)
			assert.Equal(t, sortedResults(r), got.Results, "results should be sorted by URN then policy")
			assert.Equal(t, r.ExpiredExceptions, got.ExpiredExceptions)
			assert.Equal(t, r.Stack, got.Stack)
			assert.Len(t, got.Policies, len(r.Policies))
		})
	}
}

func TestJSONEmptyListsAreArrays(t *testing.T) {
	var raw map[string]any
	require.NoError(t, json.Unmarshal(render(t, FormatJSON, emptyReport()), &raw))
	for _, key := range []string{"results", "policies"} {
		v, ok := raw[key]
		require.True(t, ok, "key %q missing", key)
		assert.Equal(t, []any{}, v, "got %s = %v, want []", key, v)
	}
}

// The results are written by hand, one at a time; the document must be byte for byte what
// encoding/json writes for the whole report, whatever the strings hold and whichever
// optional members are set. Every string field of engine.Result is set through reflection,
// so a field added to Result and not to the writer fails here.
func TestJSONResultsAreWhatEncodingJSONWrites(t *testing.T) {
	values := []string{
		"plain", "", `quote " and backslash \`, "tab\tnewline\ncr\r", "bell\x07 del\x7f esc\x1b",
		"<html> & 'quotes'", "café ☕", "bad utf8 \xff\xfe", "separators \u2028\u2029", "bidi \u202e",
	}
	var results []engine.Result
	typ := reflect.TypeFor[engine.Result]()
	for i, v := range values {
		for f := range typ.NumField() {
			r := engine.Result{PolicyID: "KV-001", URN: fmt.Sprintf("urn:%03d:%02d", i, f), Status: engine.StatusFail, Level: engine.LevelMandatory}
			field := reflect.ValueOf(&r).Elem().Field(f)
			require.Equal(t, reflect.String, field.Kind(), "field %s: the JSON writer handles strings only", typ.Field(f).Name)
			if typ.Field(f).Name != "URN" {
				field.SetString(v)
			}
			results = append(results, r)
		}
	}
	for _, rs := range [][]engine.Result{results, nil, results[:1]} {
		r := findingsReport()
		r.Results = rs
		doc := jsonReport{Report: *r, Summary: r.Counts(), ExitCode: r.ExitCode()}
		doc.Policies = sortedPolicies(r)
		doc.Results = sortedResults(r)
		if doc.Results == nil {
			doc.Results = []engine.Result{}
		}
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		require.NoError(t, enc.Encode(doc))
		assert.Equal(t, want.String(), string(render(t, FormatJSON, r)), "%d results", len(rs))
	}
}
