package output

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sarifSchema is the OASIS SARIF 2.1.0 schema (errata01), see testdata/README.md.
const sarifSchema = "sarif-schema-2.1.0.json"

func TestSARIFGolden(t *testing.T) {
	goldenTest(t, FormatSARIF, ".sarif", WithVersion("0.0.0-test"), WithArtifact("preview.json"))
}

func compileSARIFSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	sch, err := c.Compile(filepath.Join("testdata", sarifSchema))
	require.NoError(t, err, "compile %q", sarifSchema)
	return sch
}

func TestSARIFValidatesAgainstSchema(t *testing.T) {
	sch := compileSARIFSchema(t)
	for _, tc := range reports {
		for _, artifact := range []string{"", "preview.json"} {
			t.Run(tc.name+"/artifact="+artifact, func(t *testing.T) {
				out := render(t, FormatSARIF, tc.report(), WithVersion("1.0.0"), WithArtifact(artifact))
				inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(out))
				require.NoError(t, err)
				assert.NoError(t, sch.Validate(inst))
			})
		}
	}
}

// TestSARIFSchemaRejectsInvalid shows the schema check can fail: a log without a version and
// a result with a bad level do not validate.
func TestSARIFSchemaRejectsInvalid(t *testing.T) {
	sch := compileSARIFSchema(t)
	tests := []struct {
		name string
		doc  string
	}{
		{name: "missing version", doc: `{"runs": []}`},
		{name: "bad level", doc: `{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [{"message": {"text": "m"}, "level": "fatal"}]}]}`},
		{name: "unknown top-level property", doc: `{"version": "2.1.0", "runs": [], "extra": 1}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			inst, err := jsonschema.UnmarshalJSON(bytes.NewReader([]byte(tc.doc)))
			require.NoError(t, err)
			assert.Error(t, sch.Validate(inst))
		})
	}
}

type sarifLog struct {
	Version string `json:"version"`
	Runs    []struct {
		Tool struct {
			Driver struct {
				Name    string `json:"name"`
				Version string `json:"version"`
				Rules   []struct {
					ID               string                `json:"id"`
					Name             string                `json:"name"`
					ShortDescription struct{ Text string } `json:"shortDescription"`
					FullDescription  struct{ Text string } `json:"fullDescription"`
					Help             struct{ Text string } `json:"help"`
					HelpURI          string                `json:"helpUri"`
					Properties       map[string]any        `json:"properties"`
				} `json:"rules"`
			} `json:"driver"`
		} `json:"tool"`
		Invocations []struct {
			ExecutionSuccessful            bool `json:"executionSuccessful"`
			ToolConfigurationNotifications []struct {
				Level          string                `json:"level"`
				Message        struct{ Text string } `json:"message"`
				AssociatedRule struct{ ID string }   `json:"associatedRule"`
			} `json:"toolConfigurationNotifications"`
		} `json:"invocations"`
		Results []struct {
			RuleID    string                `json:"ruleId"`
			RuleIndex int                   `json:"ruleIndex"`
			Level     string                `json:"level"`
			Message   struct{ Text string } `json:"message"`
			Locations []struct {
				PhysicalLocation *struct {
					ArtifactLocation struct{ URI string } `json:"artifactLocation"`
					Region           *struct {
						StartLine int `json:"startLine"`
					} `json:"region"`
				} `json:"physicalLocation"`
				LogicalLocations []struct {
					FullyQualifiedName string `json:"fullyQualifiedName"`
				} `json:"logicalLocations"`
			} `json:"locations"`
		} `json:"results"`
	} `json:"runs"`
}

func TestSARIFContent(t *testing.T) {
	var log sarifLog
	require.NoError(t, json.Unmarshal(render(t, FormatSARIF, findingsReport(), WithVersion("1.2.3")), &log))
	require.Len(t, log.Runs, 1)
	run := log.Runs[0]
	assert.Equal(t, "2.1.0", log.Version)
	assert.Equal(t, "kvguard", run.Tool.Driver.Name)
	assert.Equal(t, "1.2.3", run.Tool.Driver.Version)

	require.Len(t, run.Tool.Driver.Rules, len(catalogue()), "want one rule per policy")
	rule := run.Tool.Driver.Rules[0]
	assert.Equal(t, "GEN-001", rule.ID)
	assert.Equal(t, "RequiredTags", rule.Name)
	assert.Equal(t, "Vaults and identities should carry the required tags", rule.ShortDescription.Text)
	assert.Equal(t, "Add the tags environment and owner.", rule.Help.Text)
	assert.Equal(t, PolicyDocURI+"#gen-001", rule.HelpURI)
	assert.Equal(t, "LOW", rule.Properties["severity"])
	assert.Equal(t, "disabled", rule.Properties["level"])
	assert.Equal(t, []any{"security", "general"}, rule.Properties["tags"])

	type want struct {
		rule, level, uri string
		line             int
		urn              string
	}
	wants := []want{
		{rule: "KV-004", level: "warning", urn: urnVault2},
		{rule: "SEC-001", level: "error", uri: "infra/secrets.go", line: 57, urn: urnSecret},
		{rule: "KV-002", level: "error", uri: "infra/vault.go", line: 42, urn: urnVault},
		{rule: "KV-004", level: "note", urn: urnVault},
	}
	require.Len(t, run.Results, len(wants), "want results for fail and unverifiable only")
	for i, w := range wants {
		res := run.Results[i]
		assert.Equal(t, w.rule, res.RuleID, "result %d", i)
		assert.Equal(t, w.rule, run.Tool.Driver.Rules[res.RuleIndex].ID, "result %d: ruleIndex points at the wrong rule", i)
		assert.Equal(t, w.level, res.Level, "result %d (%s)", i, w.rule)
		require.Len(t, res.Locations, 1)
		loc := res.Locations[0]
		require.Len(t, loc.LogicalLocations, 1)
		assert.Equal(t, w.urn, loc.LogicalLocations[0].FullyQualifiedName)
		if w.uri == "" {
			assert.Nil(t, loc.PhysicalLocation, "result %d: got a physical location without a source position or artifact", i)
			continue
		}
		require.NotNil(t, loc.PhysicalLocation, "result %d", i)
		assert.Equal(t, w.uri, loc.PhysicalLocation.ArtifactLocation.URI)
		require.NotNil(t, loc.PhysicalLocation.Region)
		assert.Equal(t, w.line, loc.PhysicalLocation.Region.StartLine)
	}
	assert.Contains(t, run.Results[3].Message.Text, "networkAcls", "unverifiable result should name the unknown path")

	// Expired and unused exceptions are the invocation's configuration notifications.
	require.Len(t, run.Invocations, 1)
	inv := run.Invocations[0]
	assert.True(t, inv.ExecutionSuccessful)
	require.Len(t, inv.ToolConfigurationNotifications, 2)
	assert.Equal(t, "warning", inv.ToolConfigurationNotifications[0].Level)
	assert.Equal(t, "KV-004", inv.ToolConfigurationNotifications[0].AssociatedRule.ID)
	assert.Contains(t, inv.ToolConfigurationNotifications[0].Message.Text, "expired on 2026-11-30")
	assert.Equal(t, "note", inv.ToolConfigurationNotifications[1].Level)
	assert.Contains(t, inv.ToolConfigurationNotifications[1].Message.Text, "matched no failing resource")
}

func TestSARIFArtifactFallback(t *testing.T) {
	var log sarifLog
	require.NoError(t, json.Unmarshal(render(t, FormatSARIF, findingsReport(), WithArtifact("plan/preview.json")), &log))
	res := log.Runs[0].Results[3] // KV-004 unverifiable, no source position
	require.NotNil(t, res.Locations[0].PhysicalLocation)
	assert.Equal(t, "plan/preview.json", res.Locations[0].PhysicalLocation.ArtifactLocation.URI)
	assert.Nil(t, res.Locations[0].PhysicalLocation.Region, "got a region for a whole-file location")
}

func TestArtifactURI(t *testing.T) {
	tests := []struct{ in, want string }{
		{in: "infra/secretstore.go", want: "infra/secretstore.go"},
		{in: "my dir/main.go", want: "my%20dir/main.go"},
		{in: "x.go:abc", want: "./x.go:abc"},
		{in: "100%.go", want: "100%25.go"},
		{in: "/abs/main.go", want: "/abs/main.go"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, artifactURI(tt.in), tt.in)
	}
}
