package source

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fixtureKind says what each shared fixture is. A new file in the folder must be listed here,
// so nobody adds a "Pulumi" fixture that skips the shape check.
var fixtureKind = map[string]string{
	"preview-clean-dev.json":         "preview",
	"preview-with-text.txt":          "preview",
	"preview-unknown-object.json":    "preview",
	"preview-unknown-tenant.json":    "preview",
	"preview-replace-vault.json":     "preview",
	"preview-delete-secret.json":     "preview",
	"preview-noncompliant-prod.json": "preview",
	"export-clean-dev.json":          "export",
	"export-plaintext-secret.json":   "export",
	"export-show-secrets.json":       "export",
	"export-noncompliant-prod.json":  "export",
	"preview-truncated.json":         "invalid",
	"not-json.txt":                   "invalid",
	"two-objects.txt":                "invalid",
}

// strictDecode decodes data into v refusing fields v's type does not have.
func strictDecode(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// assertPulumiShape checks obj decodes with the SDK's types (and our mirror of the preview
// digest, whose states are apitype.ResourceV3) with unknown fields disallowed.
func assertPulumiShape(t *testing.T, obj []byte) {
	t.Helper()
	var top map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(obj, &top))
	if _, ok := top["deployment"]; ok {
		var untyped apitype.UntypedDeployment
		require.NoError(t, strictDecode(obj, &untyped), "UntypedDeployment")
		assert.Equal(t, apitype.DeploymentSchemaVersionCurrent, untyped.Version, "version")
		var deployment apitype.DeploymentV3
		require.NoError(t, strictDecode(untyped.Deployment, &deployment), "DeploymentV3")
		assert.NotEmpty(t, deployment.Resources, "resources")
		return
	}
	var digest PreviewDigest
	require.NoError(t, strictDecode(obj, &digest), "PreviewDigest")
	assert.NotEmpty(t, digest.Steps, "steps")
	for i, s := range digest.Steps {
		assert.NotEmpty(t, s.Op, "steps[%d].op", i)
		assert.True(t, s.NewState != nil || s.OldState != nil, "steps[%d] has no state", i)
	}
}

func TestFixturesHavePulumiShapes(t *testing.T) {
	entries, err := os.ReadDir(fixtureDir)
	require.NoError(t, err)
	seen := map[string]bool{}
	for _, e := range entries {
		if e.IsDir() || strings.HasSuffix(e.Name(), ".md") {
			continue
		}
		name := e.Name()
		seen[name] = true
		t.Run(name, func(t *testing.T) {
			kind, ok := fixtureKind[name]
			require.True(t, ok, "fixture %q is not listed in fixtureKind", name)
			data := readFixture(t, name)
			obj, findErr := findObject(name, data)
			switch kind {
			case "invalid":
				require.Error(t, findErr, "got one JSON object, want the file to be rejected")
				if name == "two-objects.txt" {
					// Each of the two objects is real Pulumi output on its own.
					for _, part := range splitObjects(t, data) {
						assertPulumiShape(t, part)
					}
				}
			default:
				require.NoError(t, findErr)
				assertPulumiShape(t, obj)
				doc, err := Load(name, data)
				require.NoError(t, err)
				assert.Equal(t, kind, doc.Source)
			}
		})
	}
	for name := range fixtureKind {
		assert.True(t, seen[name], "fixture %q listed but missing", name)
	}
}

// splitObjects decodes consecutive JSON values from data.
func splitObjects(t *testing.T, data []byte) [][]byte {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	var out [][]byte
	for dec.More() {
		var raw json.RawMessage
		require.NoError(t, dec.Decode(&raw))
		out = append(out, raw)
	}
	require.Len(t, out, 2)
	return out
}

func TestPlantedSecretNeverLeaves(t *testing.T) {
	for _, name := range []string{"export-show-secrets.json", "export-plaintext-secret.json", "export-noncompliant-prod.json"} {
		require.Contains(t, string(readFixture(t, name)), planted, "precondition: %s holds the planted value", name)
	}
	show := string(readFixture(t, "export-show-secrets.json"))
	plain := string(readFixture(t, "export-plaintext-secret.json"))
	noncompliant := string(readFixture(t, "export-noncompliant-prod.json"))
	q := `"` + planted + `"`
	tests := []struct {
		name    string
		data    string
		wantErr bool
	}{
		{name: "show-secrets export", data: show},
		{name: "plaintext export", data: plain},
		{name: "noncompliant prod export: plaintext and show-secrets values", data: noncompliant},
		{name: "plaintext preview", data: `{"steps": [{"op": "create", "urn": "urn:pulumi:dev::secret-store::azure-native:keyvault:Secret::db", "newState": {"urn": "urn:pulumi:dev::secret-store::azure-native:keyvault:Secret::db", "type": "azure-native:keyvault:Secret", "custom": true, "inputs": {"properties": {"value": ` + q + `}}, "outputs": {"properties": {"value": ` + q + `}}}, "detailedDiff": null}], "changeSummary": {"create": 1}}`},
		{name: "truncated show-secrets export", data: show[:strings.Index(show, planted)+len(planted)], wantErr: true},
		{name: "secret where a URN belongs", data: `{"version": 3, "deployment": {"resources": [{"urn": ` + q + `, "type": "t"}]}}`, wantErr: true},
		{name: "secret where a boolean belongs", data: `{"version": 3, "deployment": {"resources": [{"urn": "u", "custom": ` + q + `}]}}`, wantErr: true},
		{name: "secret where the version belongs", data: `{"version": ` + q + `, "deployment": {}}`, wantErr: true},
		{name: "secret as a step", data: `{"steps": [` + q + `]}`, wantErr: true},
		{name: "secret as the steps", data: `{"steps": ` + q + `}`, wantErr: true},
		{name: "secret in malformed JSON", data: `{"steps": [` + planted + `]}`, wantErr: true},
		{name: "secret as the whole input", data: planted, wantErr: true},
		{name: "secret in a failed preview", data: `{"steps": [], "diagnostics": [{"message": ` + q + `, "severity": "error"}]}`, wantErr: true},
		{name: "secret as a map key", data: `{"version": 3, "deployment": {"resources": [{"urn": "u", "propertyDependencies": {` + q + `: "x"}}]}}`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Contains(t, tt.data, planted, "precondition: the input holds the planted value")
			doc, err := Load("input.json", []byte(tt.data))
			if tt.wantErr {
				require.Error(t, err)
				var ie *InputError
				require.True(t, errors.As(err, &ie), "got %T, want *InputError", err)
				assert.NotContains(t, err.Error(), planted, "error leaks the secret: %s", err)
				return
			}
			require.NoError(t, err)
			b, err := json.Marshal(doc)
			require.NoError(t, err)
			assert.NotContains(t, string(b), planted, "document leaks the secret")
		})
	}
}
