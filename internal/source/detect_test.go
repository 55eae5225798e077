package source

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kvguard/kvguard/internal/model"
)

const (
	vaultURN = "urn:pulumi:dev::secret-store::azure-native:keyvault:Vault::vault"
	stateOK  = `{"urn": "` + vaultURN + `", "custom": true, "type": "azure-native:keyvault:Vault", "inputs": {}}`
)

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name         string
		file         string
		data         string
		wantPath     string
		wantExpected string
		wantGot      string
		wantMessage  string // whole Error() when set
	}{
		{name: "empty input", data: "", wantExpected: "a JSON object", wantGot: "empty input"},
		{name: "blank input", data: " \n\t", wantExpected: "a JSON object", wantGot: "empty input"},
		{name: "not JSON", data: "error: no stack named 'dev' found\n", wantExpected: "a JSON object", wantGot: "not JSON"},
		{name: "JSON array", data: `[1, 2]`, wantExpected: "a JSON object", wantGot: "a JSON array"},
		{name: "preview inside an array", data: "[\n  {\n    \"steps\": []\n  }\n]\n", wantExpected: "a JSON object", wantGot: "a JSON array"},
		{name: "steps lost, changes counted", data: `{"changeSummary": {"create": 9, "same": 2}}`, wantPath: "steps", wantExpected: `the 9 "create" steps`, wantGot: "no steps"},
		{name: "change summary of the wrong type", data: `{"steps": [], "changeSummary": "x"}`, wantPath: "changeSummary", wantExpected: "an object of step counts", wantGot: "a string"},
		{name: "truncated", data: "{\n  \"steps\": [\n    {\"op\": \"create\"", wantExpected: "a complete JSON object", wantGot: "truncated"},
		{name: "malformed", data: "log line\n{\"steps\": [}\n", wantExpected: "a well-formed JSON object", wantGot: "line 2"},
		{name: "nested too deep", data: `{"steps": ` + strings.Repeat("[", 10001) + strings.Repeat("]", 10001) + `}`, wantExpected: "at most 10000 levels", wantGot: "line 1"},
		{name: "two objects on two lines", data: "{\"steps\": []}\n{\"steps\": []}\n", wantExpected: "exactly one JSON object", wantGot: "2 objects"},
		{name: "text glued to the object", data: "progress...{\n  \"steps\": [\n    {\n      \"op\": \"same\"\n    },\n    {\n      \"op\": \"same\"\n    }\n  ]\n}\n", wantExpected: "the JSON object to start on a line of its own", wantGot: "line 1"},
		{name: "two objects back to back", data: `{"steps": []}{"steps": []}`, wantExpected: "exactly one JSON object", wantGot: "2 objects"},
		{name: "neither preview nor export", data: `{"foo": 1}`, wantExpected: `"pulumi preview --json" output`, wantGot: "neither"},
		{name: "bare deployment", data: `{"manifest": {}, "resources": []}`, wantExpected: "a whole", wantGot: "bare deployment"},
		{name: "stdin is named", file: "-", data: `x`, wantMessage: "<stdin>: expected a JSON object, got none (the input is not JSON)"},
		{name: "steps not an array", data: `{"steps": "x"}`, wantPath: "steps", wantExpected: "an array", wantGot: "a string"},
		{name: "steps null", data: `{"steps": null}`, wantPath: "steps", wantExpected: "an array", wantGot: "null"},
		{name: "steps without a change summary", data: `{"steps": [{"op": "create", "urn": "` + vaultURN + `", "newState": ` + stateOK + `}]}`, wantPath: "changeSummary", wantExpected: "the step counts Pulumi writes", wantGot: "nothing"},
		{name: "no steps and no change summary", data: `{"steps": []}`, wantPath: "changeSummary", wantExpected: "the step counts Pulumi writes", wantGot: "nothing"},
		// encoding/json reads keys in another letter case as one struct field and keeps the last.
		{name: "a step's state twice, in another case", data: `{"steps": [{"op": "create", "urn": "` + vaultURN + `", "newState": ` + stateOK + `, "NEWSTATE": ` + stateOK + `}], "changeSummary": {"create": 1}}`, wantPath: "steps[0].NEWSTATE", wantExpected: "each key once, in the case Pulumi writes it", wantGot: "different letter case"},
		{name: "an export resource's inputs twice, in another case", data: `{"version": 3, "deployment": {"manifest": {"time": "2026-12-03T00:00:00Z", "magic": "", "version": ""}, "resources": [{"urn": "` + vaultURN + `", "custom": true, "type": "azure-native:keyvault:Vault", "inputs": {}, "Inputs": {}}]}}`, wantPath: "deployment.resources[0].Inputs", wantExpected: "each key once, in the case Pulumi writes it", wantGot: "different letter case"},
		{name: "a diagnostic's severity twice, in another case", data: `{"steps": [], "diagnostics": [{"Severity": "error", "severity": "info", "message": "m"}], "changeSummary": {}}`, wantPath: "diagnostics[0].severity", wantExpected: "each key once, in the case Pulumi writes it", wantGot: "different letter case"},
		{name: "a key that is not UTF-8", data: "{\"steps\": [{\"op\": \"create\", \"urn\": \"" + vaultURN + "\", \"newState\": {\"urn\": \"" + vaultURN + "\", \"custom\": true, \"type\": \"azure-native:keyvault:Vault\", \"inputs\": {\"tags\": {\"owner\xff\": \"a\", \"owner\xfe\": \"b\"}}}}], \"changeSummary\": {\"create\": 1}}", wantPath: "steps[0].newState.inputs.tags.owner\uFFFD", wantExpected: "UTF-8 text", wantGot: "not UTF-8"},
		{name: "a value that is not UTF-8", data: "{\"steps\": [{\"op\": \"create\", \"urn\": \"" + vaultURN + "\", \"newState\": {\"urn\": \"" + vaultURN + "\", \"custom\": true, \"type\": \"azure-native:keyvault:Vault\", \"inputs\": {\"note\": \"a\xffb\"}}}], \"changeSummary\": {\"create\": 1}}", wantPath: "steps[0].newState.inputs.note", wantExpected: "UTF-8 text", wantGot: "not UTF-8"},
		{name: "more steps listed than counted", data: `{"steps": [{"op": "create", "urn": "` + vaultURN + `", "newState": ` + stateOK + `}], "changeSummary": {"same": 3}}`, wantPath: "changeSummary.create", wantExpected: `at least the 1 "create" steps listed`, wantGot: "a count of 0"},
		{name: "step not an object", data: `{"steps": [1]}`, wantPath: "steps[0]", wantExpected: "an object", wantGot: "a number"},
		{
			name:        "new state is a string",
			file:        "preview.json",
			data:        `{"steps": [{"op": "same", "urn": "` + vaultURN + `", "newState": ` + stateOK + `}, {"op": "same", "urn": "` + vaultURN + `", "newState": ` + stateOK + `}, {"op": "same", "urn": "` + vaultURN + `", "newState": ` + stateOK + `}, {"op": "create", "urn": "u", "newState": "oops"}]}`,
			wantMessage: "preview.json: steps[3].newState: expected an object, got a string",
		},
		{
			name:         "nested field of the wrong type",
			data:         `{"steps": [{"op": "create", "urn": "u", "newState": {"urn": "u", "custom": "yes"}}]}`,
			wantPath:     "steps[0].newState.custom",
			wantExpected: "a boolean",
			wantGot:      "a string",
		},
		{
			name:         "number literal never echoed",
			data:         `{"steps": [{"op": "create", "urn": "u", "newState": {"urn": 12345}}]}`,
			wantPath:     "steps[0].newState.urn",
			wantExpected: "a string",
			wantGot:      "a number",
		},
		{name: "number out of range", data: `{"steps": [{"op": "create", "urn": "` + vaultURN + `", "newState": {"urn": "` + vaultURN + `", "custom": true, "type": "azure-native:keyvault:Vault", "inputs": {"x": 1e400}}}]}`,
			wantPath: "steps[0].newState.inputs.x", wantExpected: "fits in 64 bits", wantGot: "out of range"},
		{name: "number out of range deep inside", data: `{"steps": [{"op": "create", "urn": "` + vaultURN + `", "newState": {"urn": "` + vaultURN + `", "custom": true, "type": "azure-native:keyvault:Vault", "inputs": {"a": [1, {"b": "[1e400]", "c": 2}], "properties": {"rules": [{"v": 1e5}, {"v": -1e999}]}}}}]}`,
			wantPath: "steps[0].newState.inputs.properties.rules[1].v", wantExpected: "fits in 64 bits", wantGot: "out of range"},
		{name: "number out of range in an export", data: `{"version": 3, "deployment": {"resources": [{"urn": "` + vaultURN + `", "custom": true, "type": "azure-native:keyvault:Vault", "outputs": {"properties": {"softDeleteRetentionInDays": 9e999}}}]}}`,
			wantPath: "deployment.resources[0].outputs.properties.softDeleteRetentionInDays", wantExpected: "fits in 64 bits", wantGot: "out of range"},
		{name: "step without op", data: `{"steps": [{"urn": "u", "newState": ` + stateOK + `}]}`, wantPath: "steps[0].op", wantExpected: "a step op"},
		{name: "create without new state", data: `{"steps": [{"op": "create", "urn": "` + vaultURN + `"}]}`, wantPath: "steps[0].newState", wantExpected: `"create" step`, wantGot: "nothing"},
		{name: "delete without old state", data: `{"steps": [{"op": "delete", "urn": "` + vaultURN + `", "newState": ` + stateOK + `}]}`, wantPath: "steps[0].oldState", wantExpected: `"delete" step`},
		{name: "bad URN", data: `{"steps": [{"op": "create", "urn": "vault", "newState": {"urn": "vault", "type": "t"}}]}`, wantPath: "steps[0].newState.urn", wantExpected: "a Pulumi URN"},
		{name: "failed preview", data: `{"steps": [], "diagnostics": [{"message": "warn", "severity": "warning"}, {"message": "boom", "severity": "error"}]}`, wantPath: "diagnostics[1]", wantExpected: "a preview that succeeded"},
		{name: "diagnostics wrong type", data: `{"steps": [], "diagnostics": {}}`, wantPath: "diagnostics", wantExpected: "an array", wantGot: "an object"},
		{name: "export version too old", data: `{"version": 2, "deployment": {}}`, wantPath: "version", wantExpected: "deployment version 3 or 4", wantGot: "version 2"},
		{name: "export version too new", data: `{"version": 5, "deployment": {}}`, wantPath: "version", wantGot: "version 5"},
		{name: "export version a string", data: `{"version": "3", "deployment": {}}`, wantPath: "version", wantExpected: "a deployment version number", wantGot: "a string"},
		{name: "export without version", data: `{"deployment": {}}`, wantPath: "version", wantGot: "nothing"},
		{name: "export without deployment", data: `{"version": 3}`, wantPath: "deployment", wantExpected: "an object", wantGot: "nothing"},
		{name: "export deployment an array", data: `{"version": 3, "deployment": []}`, wantPath: "deployment", wantExpected: "an object", wantGot: "an array"},
		{name: "export resources not an array", data: `{"version": 3, "deployment": {"resources": {}}}`, wantPath: "deployment.resources", wantExpected: "an array", wantGot: "an object"},
		{
			name:         "export resource field of the wrong type",
			data:         `{"version": 3, "deployment": {"resources": [` + stateOK + `, {"urn": "` + vaultURN + `", "inputs": []}]}}`,
			wantPath:     "deployment.resources[1].inputs",
			wantExpected: "an object",
			wantGot:      "an array",
		},
		{name: "export resource not an object", data: `{"version": 3, "deployment": {"resources": ["x"]}}`, wantPath: "deployment.resources[0]", wantExpected: "an object", wantGot: "a string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := tt.file
			if file == "" {
				file = "input.json"
			}
			doc, err := Load(file, []byte(tt.data))
			require.Error(t, err)
			assert.Nil(t, doc, "got a document, want none on bad input")
			var ie *InputError
			require.True(t, errors.As(err, &ie), "got %T, want *InputError", err)
			if tt.wantMessage != "" {
				assert.Equal(t, tt.wantMessage, err.Error())
				return
			}
			assert.Equal(t, file, ie.File)
			assert.Equal(t, tt.wantPath, ie.Path, "path")
			assert.Contains(t, ie.Expected, tt.wantExpected, "expected")
			assert.Contains(t, ie.Got, tt.wantGot, "got")
			assert.True(t, strings.HasPrefix(err.Error(), file+": "), "got %q, want it to start with the file name", err.Error())
		})
	}
}

func TestLoadDetects(t *testing.T) {
	tests := []struct {
		name          string
		data          string
		wantSource    string
		wantResources int
	}{
		{name: "preview without steps", data: `{"config": {}, "changeSummary": {}}`, wantSource: model.SourcePreview},
		{name: "preview with steps", data: `{"steps": [{"op": "create", "urn": "` + vaultURN + `", "newState": ` + stateOK + `}], "changeSummary": {"create": 1}}`, wantSource: model.SourcePreview, wantResources: 1},
		{name: "empty export", data: `{"version": 3, "deployment": {"manifest": {"time": "2026-11-30T10:00:00Z", "magic": "", "version": "v3.276.0"}}}`, wantSource: model.SourceExport},
		{name: "export version 4", data: `{"version": 4, "features": ["refreshBeforeUpdate"], "deployment": {"resources": [` + stateOK + `]}}`, wantSource: model.SourceExport, wantResources: 1},
		{name: "byte order mark", data: "\xEF\xBB\xBF{\"steps\": [], \"changeSummary\": {}}", wantSource: model.SourcePreview},
		{name: "brace in surrounding text is ignored", data: "installing {plugin}\n{\"steps\": [], \"changeSummary\": {}}\nUpdate plan written to '{plan}.json'\n", wantSource: model.SourcePreview},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := Load("input.json", []byte(tt.data))
			require.NoError(t, err)
			assert.Equal(t, tt.wantSource, doc.Source)
			require.NotNil(t, doc.Resources, "resources must be [] not null")
			assert.Len(t, doc.Resources, tt.wantResources)
			assert.Empty(t, doc.Now, "now is the caller's")
		})
	}
}

func TestRead(t *testing.T) {
	doc, err := Read("preview-clean-dev.json", strings.NewReader(string(readFixture(t, "preview-clean-dev.json"))))
	require.NoError(t, err)
	assert.Len(t, doc.Resources, 9)

	_, err = Read("-", failingReader{})
	require.Error(t, err)
	var ie *InputError
	require.True(t, errors.As(err, &ie), "got %T, want *InputError", err)
	assert.Equal(t, "<stdin>", ie.File)
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("read failed") }

// Property bags keep their keys as written, so names differing only in letter case are the
// data's own (two tags) and load; only struct fields are matched regardless of case.
func TestCaseVariantsInPropertiesLoad(t *testing.T) {
	data := `{"steps": [{"op": "create", "urn": "` + vaultURN + `", "newState": {"urn": "` + vaultURN + `", "custom": true, "type": "azure-native:keyvault:Vault", "inputs": {"tags": {"Owner": "a", "owner": "b"}}}}], "changeSummary": {"create": 1}}`
	doc, err := Load("p.json", []byte(data))
	require.NoError(t, err)
	require.Len(t, doc.Resources, 1)
	assert.Equal(t, map[string]any{"Owner": "a", "owner": "b"}, doc.Resources[0].Properties["tags"])
}
