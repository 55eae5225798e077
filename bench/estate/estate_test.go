package estate

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kvguard/kvguard/internal/model"
	"github.com/kvguard/kvguard/internal/source"
)

func strictDecode(t *testing.T, data []byte, v any) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	require.NoError(t, dec.Decode(v))
}

// TestGeneratedPreviewHasPulumiShape decodes small generated estates with the types
// `pulumi preview --json` is written from (display.PreviewDigest, mirrored by
// source.PreviewDigest, whose states are the SDK's apitype.ResourceV3), unknown fields
// disallowed, and checks they use no field the shared sample preview does not use, in the
// sample's order.
func TestGeneratedPreviewHasPulumiShape(t *testing.T) {
	for _, stack := range []string{"prod", "dev"} {
		t.Run(stack, func(t *testing.T) {
			data, st, err := Generate(Options{Resources: 1500, Seed: 1, Stack: stack})
			require.NoError(t, err)
			require.Equal(t, 1500, st.Resources)

			var digest source.PreviewDigest
			strictDecode(t, data, &digest)
			require.Len(t, digest.Steps, 1500)
			for i, s := range digest.Steps {
				require.NotEmpty(t, s.Op, "steps[%d].op", i)
				require.True(t, s.NewState != nil || s.OldState != nil, "steps[%d] has no state", i)
				for _, state := range []*apitype.ResourceV3{s.OldState, s.NewState} {
					if state == nil {
						continue
					}
					// Each state also decodes on its own as the SDK's ResourceV3.
					raw, err := json.Marshal(state)
					require.NoError(t, err)
					var r apitype.ResourceV3
					strictDecode(t, raw, &r)
					assert.Equal(t, s.URN, string(r.URN), "steps[%d] state urn", i)
				}
			}
			for op, n := range digest.ChangeSummary {
				assert.Equal(t, n, st.ByOp[op], "changeSummary[%s]", op)
			}

			var top map[string]json.RawMessage
			require.NoError(t, json.Unmarshal(data, &top))
			assert.Equal(t, []string{"config", "steps", "duration", "changeSummary"}, keyOrder(t, data))

			// A freshly created step carries the unknown sentinel and property dependencies,
			// exactly as the sample's create steps do.
			assert.True(t, bytes.Contains(data, []byte(model.UnknownSentinel)), "no unknown value")
			assert.Greater(t, st.ByOp["create"], 0)
			assert.Greater(t, st.ByOp["same"], st.ByOp["create"])
		})
	}
}

// TestGeneratedStepsUseSampleFields compares the keys of generated steps and states with
// those of tests/testdata/samples/preview-dev.json: a generated key must appear in the sample, or
// be one Pulumi writes only for steps the sample has none of (oldState, diffReasons,
// replaceReasons for updates and replacements; id, protect for resources that exist).
func TestGeneratedStepsUseSampleFields(t *testing.T) {
	sample, err := os.ReadFile(filepath.Join("..", "..", "tests", "testdata", "samples", "preview-dev.json"))
	require.NoError(t, err)
	stepKeys, stateKeys := fieldSets(t, sample)
	for _, k := range []string{"oldState", "diffReasons", "replaceReasons"} {
		stepKeys[k] = true
	}
	for _, k := range []string{"id", "protect", "delete"} {
		stateKeys[k] = true
	}
	data, _, err := Generate(Options{Resources: 1500, Seed: 1, Stack: "prod"})
	require.NoError(t, err)
	gotSteps, gotStates := fieldSets(t, data)
	for k := range gotSteps {
		assert.True(t, stepKeys[k], "step key %q is not in the sample", k)
	}
	for k := range gotStates {
		assert.True(t, stateKeys[k], "state key %q is not in the sample", k)
	}
}

func TestGenerateIsDeterministic(t *testing.T) {
	a, _, err := Generate(Options{Resources: 800, Seed: 9, Stack: "prod"})
	require.NoError(t, err)
	b, _, err := Generate(Options{Resources: 800, Seed: 9, Stack: "prod"})
	require.NoError(t, err)
	assert.Equal(t, a, b)
}

func fieldSets(t *testing.T, data []byte) (steps, states map[string]bool) {
	t.Helper()
	var doc struct {
		Steps []map[string]json.RawMessage `json:"steps"`
	}
	require.NoError(t, json.Unmarshal(data, &doc))
	steps, states = map[string]bool{}, map[string]bool{}
	for _, s := range doc.Steps {
		for k, v := range s {
			steps[k] = true
			if k == "oldState" || k == "newState" {
				var st map[string]json.RawMessage
				require.NoError(t, json.Unmarshal(v, &st))
				for sk := range st {
					states[sk] = true
				}
			}
		}
	}
	return steps, states
}

// keyOrder lists the top-level keys of a JSON object in document order.
func keyOrder(t *testing.T, data []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	require.NoError(t, err)
	require.Equal(t, json.Delim('{'), tok)
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		require.NoError(t, err)
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		require.NoError(t, dec.Decode(&skip))
	}
	return keys
}
