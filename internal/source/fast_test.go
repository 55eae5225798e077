package source

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFastPathMatchesCarefulPath checks that the fast path of Load builds exactly the
// document the careful path builds, on every preview fixture and the shared sample
// (TestFastPathMatchesCarefulPathOnEstates does generated estates).
func TestFastPathMatchesCarefulPath(t *testing.T) {
	inputs := map[string][]byte{}
	for name, kind := range fixtureKind {
		if kind == "preview" {
			inputs[name] = readFixture(t, name)
		}
	}
	sample, err := os.ReadFile(filepath.Join("..", "..", "tests", "testdata", "samples", "preview-dev.json"))
	require.NoError(t, err)
	inputs["samples/preview-dev.json"] = sample
	inputs["empty preview"] = []byte(`{"changeSummary": {}}`)
	inputs["empty steps"] = []byte("{\"steps\" : [ ] ,\r\n\t\"changeSummary\":{}}")
	inputs["compact, text around"] = []byte("Updating plugins\n{\"steps\":[{\"op\":\"create\",\"urn\":\"urn:pulumi:dev::p::azure-native:keyvault:Vault::v\",\"newState\":{\"urn\":\"urn:pulumi:dev::p::azure-native:keyvault:Vault::v\",\"type\":\"azure-native:keyvault:Vault\",\"custom\":true,\"inputs\":{\"a\\\"]}\":\"}]\"},\"outputs\":{}},\"detailedDiff\":null}],\"duration\":1,\"changeSummary\":{\"create\":1}}\nUpdate plan written to x\n")
	for name, data := range inputs {
		t.Run(name, func(t *testing.T) {
			fast, ok := loadPreviewFast(name, data)
			require.True(t, ok, "the fast path gave up on a plain preview")
			careful, err := loadCareful(name, data)
			require.NoError(t, err)
			assert.Equal(t, careful, fast)
		})
	}
}

func TestFastPathGivesWay(t *testing.T) {
	step := `{"op": "create", "urn": "urn:pulumi:dev::p::azure-native:keyvault:Vault::v", "newState": {"urn": "urn:pulumi:dev::p::azure-native:keyvault:Vault::v", "custom": true, "type": "azure-native:keyvault:Vault", "inputs": {}, "outputs": {}}, "detailedDiff": null}`
	cases := map[string]string{
		"export":              readFixtureString(t, "export-clean-dev.json"),
		"two objects":         `{"steps": [` + step + `]}` + "\n" + `{"steps": []}`,
		"duplicate steps":     `{"steps": [` + step + `], "steps": []}`,
		"null steps":          `{"steps": null}`,
		"null step":           `{"steps": [null]}`,
		"step not an object":  `{"steps": [1]}`,
		"wrong type":          `{"steps": [{"op": 1, "urn": "x"}]}`,
		"failed preview":      `{"steps": [` + step + `], "diagnostics": [{"severity": "error", "message": "boom"}]}`,
		"unexpected key":      `{"steps": [` + step + `], "extra": true}`,
		"truncated":           `{"steps": [` + step,
		"no steps or summary": `{"config": {}}`,
		"bad urn":             strings.ReplaceAll(`{"steps": [`+step+`]}`, "urn:pulumi:dev::p::", "nope:"),
		"not json":            "hello",
		"trailing comma":      `{"steps": [` + step + `],}`,
		"missing comma":       `{"steps": [` + step + `] "config": {}}`,
		"step comma":          `{"steps": [` + step + `,]}`,
		"bad value":           `{"steps": [` + step + `], "config": {"a": nope}}`,
		"mismatched brackets": `{"steps": [` + step + `], "config": {"a": 1]}`,
		"broken step":         `{"steps": [{"op": "create",}]}`,
		"bad key":             `{"steps": [` + step + `], "con\qfig": {}}`,
		"empty object":        `{}`,
	}
	for name, in := range cases {
		t.Run(name, func(t *testing.T) {
			_, ok := loadPreviewFast(name, []byte(in))
			assert.False(t, ok)
		})
	}
}

func readFixtureString(t *testing.T, name string) string {
	t.Helper()
	return string(readFixture(t, name))
}
