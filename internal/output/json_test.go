package output

import (
	"encoding/json"
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
