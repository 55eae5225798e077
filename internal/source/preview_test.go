package source

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kvguard/kvguard/internal/model"
)

func TestLoadPreviewFixtures(t *testing.T) {
	tests := []struct {
		name          string
		file          string
		resource      string
		index         int // among resources with that name
		wantOp        string
		wantID        string
		wantUnknown   []string
		wantSecret    []string
		wantPlaintext []string
		wantReasons   []string
		wantOld       bool
		wantValues    map[string]any // path in properties -> value
		wantAbsent    []string       // paths that must not be in properties
		wantOldValues map[string]any
		wantPropDeps  map[string][]string
	}{
		{
			name: "clean vault", file: "preview-clean-dev.json", resource: "vault",
			wantOp: model.OpCreate, wantUnknown: []string{},
			wantValues: map[string]any{
				"properties.networkAcls.defaultAction": "Deny",
				"properties.enablePurgeProtection":     true,
				"properties.softDeleteRetentionInDays": 90.0,
			},
		},
		{
			name: "diagnostic setting relates through property dependencies", file: "preview-clean-dev.json", resource: "vault-audit",
			wantOp: model.OpCreate, wantUnknown: []string{"resourceUri", "workspaceId"},
			wantValues: map[string]any{"logs.0.categoryGroup": "allLogs"},
			wantAbsent: []string{"resourceUri", "workspaceId"},
			wantPropDeps: map[string][]string{
				"resourceUri": {"urn:pulumi:dev::secret-store::azure-native:keyvault:Vault::vault"},
				"workspaceId": {"urn:pulumi:dev::secret-store::azure-native:operationalinsights:Workspace::logs"},
			},
		},
		{
			name: "secret value blinded by the preview", file: "preview-clean-dev.json", resource: "db-connection",
			wantOp: model.OpCreate, wantUnknown: []string{"vaultName"}, wantSecret: []string{"properties.value"},
			wantValues: map[string]any{"properties.attributes.expires": 1802649600.0, "properties.contentType": "text/plain"},
			wantAbsent: []string{"properties.value", "vaultName"},
		},
		{
			name: "text around the JSON", file: "preview-with-text.txt", resource: "vault",
			wantOp: model.OpCreate, wantUnknown: []string{},
			wantValues: map[string]any{"vaultName": "kv-store-dev-7f3a"},
		},
		{
			name: "whole networkAcls unknown", file: "preview-unknown-object.json", resource: "vault",
			wantOp: model.OpCreate, wantUnknown: []string{"properties.networkAcls"},
			wantAbsent: []string{"properties.networkAcls"},
			wantValues: map[string]any{"properties.publicNetworkAccess": "Disabled"},
		},
		{
			name: "tenantId unknown", file: "preview-unknown-tenant.json", resource: "vault",
			wantOp: model.OpCreate, wantUnknown: []string{"properties.tenantId"},
			wantAbsent: []string{"properties.tenantId"},
		},
		{
			name: "create-replacement", file: "preview-replace-vault.json", resource: "vault", index: 0,
			wantOp: model.OpCreateReplacement, wantUnknown: []string{}, wantReasons: []string{"vaultName"}, wantOld: true,
			wantValues:    map[string]any{"vaultName": "kv-store-dev-8c2b"},
			wantOldValues: map[string]any{"vaultName": "kv-store-dev-7f3a"},
		},
		{
			name: "replace", file: "preview-replace-vault.json", resource: "vault", index: 1,
			wantOp: model.OpReplace, wantUnknown: []string{}, wantReasons: []string{"vaultName"}, wantOld: true,
			wantValues:    map[string]any{"vaultName": "kv-store-dev-8c2b"},
			wantOldValues: map[string]any{"vaultName": "kv-store-dev-7f3a"},
		},
		{
			name: "delete-replaced is judged on the old state", file: "preview-replace-vault.json", resource: "vault", index: 2,
			wantOp: model.OpDeleteReplaced, wantUnknown: []string{}, wantOld: true,
			wantID: "/subscriptions/3f2b6c1e-7a9d-4c1b-9e7f-2a5d8c0b4e61/resourceGroups/rg-secret-store-dev/providers/Microsoft.KeyVault/vaults/kv-store-dev-7f3a",
			wantValues: map[string]any{
				"vaultName":           "kv-store-dev-7f3a",
				"properties.vaultUri": "https://kv-store-dev-7f3a.vault.azure.net/",
			},
		},
		{
			name: "deleted secret", file: "preview-delete-secret.json", resource: "db-connection",
			wantOp: model.OpDelete, wantUnknown: []string{}, wantSecret: []string{"properties.value"}, wantOld: true,
			wantID:     "/subscriptions/3f2b6c1e-7a9d-4c1b-9e7f-2a5d8c0b4e61/resourceGroups/rg-secret-store-dev/providers/azure-native:keyvault:Secret/db-connection",
			wantValues: map[string]any{"secretName": "db-connection"},
			wantAbsent: []string{"properties.value"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := loadFixture(t, tt.file)
			assert.Equal(t, model.SourcePreview, doc.Source)
			assert.Equal(t, "dev", doc.Stack)
			assert.Equal(t, "secret-store", doc.Project)
			rs := find(doc, tt.resource)
			require.Greater(t, len(rs), tt.index, "resources named %q", tt.resource)
			r := rs[tt.index]
			assert.Equal(t, tt.wantOp, r.Op, "op")
			assert.Equal(t, tt.wantID, r.ID, "id")
			assert.Equal(t, tt.wantUnknown, r.Unknown, "unknown")
			assert.Equal(t, orEmpty(tt.wantSecret), r.Secret, "secret")
			assert.Equal(t, tt.wantPlaintext, r.Plaintext, "plaintext")
			assert.Equal(t, tt.wantReasons, r.ReplaceReasons, "replaceReasons")
			assert.Equal(t, tt.wantOld, r.OldProperties != nil, "oldProperties present")
			require.NotNil(t, r.Properties)
			require.NotNil(t, r.Dependencies)
			require.NotNil(t, r.PropertyDependencies)
			for path, want := range tt.wantValues {
				got, ok := lookup(r.Properties, path)
				if assert.True(t, ok, "path %q missing", path) {
					assert.Equal(t, want, got, "properties.%s", path)
				}
			}
			for _, path := range tt.wantAbsent {
				_, ok := lookup(r.Properties, path)
				assert.False(t, ok, "path %q present, want removed", path)
			}
			for path, want := range tt.wantOldValues {
				got, ok := lookup(r.OldProperties, path)
				if assert.True(t, ok, "old path %q missing", path) {
					assert.Equal(t, want, got, "oldProperties.%s", path)
				}
			}
			if tt.wantPropDeps != nil {
				assert.Equal(t, tt.wantPropDeps, r.PropertyDependencies)
			}
		})
	}
}

func TestPreviewWithTextMatchesClean(t *testing.T) {
	clean := loadFixture(t, "preview-clean-dev.json")
	withText := loadFixture(t, "preview-with-text.txt")
	assert.Equal(t, clean, withText)
}

func TestPreviewSteps(t *testing.T) {
	const secretURN = "urn:pulumi:dev::secret-store::azure-native:keyvault:Secret::db"
	tests := []struct {
		name          string
		step          string
		wantOp        string
		wantID        string
		wantProvider  string
		wantParent    string
		wantProtect   bool
		wantCustom    bool
		wantDeps      []string
		wantPosition  string
		wantReasons   []string
		wantUnknown   []string
		wantPlaintext []string
		wantValues    map[string]any
		wantOldAbsent []string
	}{
		{
			name: "same step counts as current state with outputs overlaid",
			step: `{"op": "same", "urn": "` + vaultURN + `", "provider": "prov::id",
				"oldState": {"urn": "` + vaultURN + `", "custom": true, "id": "/v/id", "type": "azure-native:keyvault:Vault", "inputs": {"vaultName": "kv"}},
				"newState": {"urn": "` + vaultURN + `", "custom": true, "id": "/v/id", "type": "azure-native:keyvault:Vault",
					"inputs": {"vaultName": "kv", "properties": {"tenantId": "t"}},
					"outputs": {"vaultName": "kv", "properties": {"tenantId": "04da6b54-80e4-46f7-96ec-b56ff0331ba9", "vaultUri": "https://kv.vault.azure.net/"}},
					"parent": "urn:pulumi:dev::secret-store::pulumi:pulumi:Stack::s", "protect": true,
					"dependencies": ["urn:pulumi:dev::secret-store::azure-native:resources:ResourceGroup::rg"],
					"sourcePosition": "project:///main.go#12,3"},
				"detailedDiff": null}`,
			wantOp: model.OpSame, wantID: "/v/id", wantProvider: "prov::id", wantProtect: true, wantCustom: true,
			wantParent:   "urn:pulumi:dev::secret-store::pulumi:pulumi:Stack::s",
			wantDeps:     []string{"urn:pulumi:dev::secret-store::azure-native:resources:ResourceGroup::rg"},
			wantPosition: "main.go:12",
			wantUnknown:  []string{},
			wantValues:   map[string]any{"properties.tenantId": "t", "properties.vaultUri": "https://kv.vault.azure.net/"},
		},
		{
			name:   "unknown id is not an id",
			step:   `{"op": "create", "urn": "` + vaultURN + `", "newState": {"urn": "` + vaultURN + `", "id": "04da6b54-80e4-46f7-96ec-b56ff0331ba9", "type": "azure-native:keyvault:Vault", "custom": true}, "detailedDiff": null}`,
			wantOp: model.OpCreate, wantCustom: true, wantDeps: []string{}, wantUnknown: []string{},
		},
		{
			name:   "step provider used when the state has none",
			step:   `{"op": "create", "urn": "` + vaultURN + `", "provider": "p::1", "newState": {"urn": "` + vaultURN + `", "type": "azure-native:keyvault:Vault", "custom": true}, "detailedDiff": null}`,
			wantOp: model.OpCreate, wantProvider: "p::1", wantCustom: true, wantDeps: []string{}, wantUnknown: []string{},
		},
		{
			name: "replace reasons fall back to the detailed diff",
			step: `{"op": "replace", "urn": "` + vaultURN + `", "newState": {"urn": "` + vaultURN + `", "type": "azure-native:keyvault:Vault", "custom": true},
				"detailedDiff": {"properties.tenantId": {"kind": "update-replace", "inputDiff": true}, "vaultName": {"kind": "update-replace", "inputDiff": true}, "tags.a": {"kind": "update", "inputDiff": true}}}`,
			wantOp: model.OpReplace, wantCustom: true, wantDeps: []string{}, wantUnknown: []string{}, wantReasons: []string{"properties", "vaultName"},
		},
		{
			name:   "update carries no replace reasons",
			step:   `{"op": "update", "urn": "` + vaultURN + `", "newState": {"urn": "` + vaultURN + `", "type": "azure-native:keyvault:Vault", "custom": true}, "diffReasons": ["tags"], "detailedDiff": null}`,
			wantOp: model.OpUpdate, wantCustom: true, wantDeps: []string{}, wantUnknown: []string{},
		},
		{
			name: "plain secret value in a preview and in its old inputs",
			step: `{"op": "update", "urn": "` + secretURN + `",
				"oldState": {"urn": "` + secretURN + `", "type": "azure-native:keyvault:Secret", "custom": true, "inputs": {"properties": {"value": "old-plain"}}},
				"newState": {"urn": "` + secretURN + `", "type": "azure-native:keyvault:Secret", "custom": true, "inputs": {"properties": {"value": "new-plain", "contentType": "text/plain"}}},
				"detailedDiff": null}`,
			wantOp: model.OpUpdate, wantCustom: true, wantDeps: []string{}, wantUnknown: []string{}, wantPlaintext: []string{"properties.value"},
			wantValues:    map[string]any{"properties.contentType": "text/plain"},
			wantOldAbsent: []string{"properties.value"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var step struct{ Op string }
			require.NoError(t, json.Unmarshal([]byte(tt.step), &step))
			doc, err := Load("preview.json", []byte(`{"steps": [`+tt.step+`], "changeSummary": {"`+step.Op+`": 1}}`))
			require.NoError(t, err)
			require.Len(t, doc.Resources, 1)
			r := doc.Resources[0]
			assert.Equal(t, tt.wantOp, r.Op, "op")
			assert.Equal(t, tt.wantID, r.ID, "id")
			assert.Equal(t, tt.wantProvider, r.Provider, "provider")
			assert.Equal(t, tt.wantParent, r.Parent, "parent")
			assert.Equal(t, tt.wantProtect, r.Protect, "protect")
			assert.Equal(t, tt.wantCustom, r.Custom, "custom")
			assert.Equal(t, tt.wantDeps, r.Dependencies, "dependencies")
			assert.Equal(t, tt.wantPosition, r.SourcePosition, "sourcePosition")
			assert.Equal(t, tt.wantReasons, r.ReplaceReasons, "replaceReasons")
			assert.Equal(t, tt.wantUnknown, r.Unknown, "unknown")
			assert.Equal(t, tt.wantPlaintext, r.Plaintext, "plaintext")
			for path, want := range tt.wantValues {
				got, ok := lookup(r.Properties, path)
				if assert.True(t, ok, "path %q missing", path) {
					assert.Equal(t, want, got, "properties.%s", path)
				}
			}
			for _, path := range tt.wantOldAbsent {
				_, ok := lookup(r.OldProperties, path)
				assert.False(t, ok, "old path %q present, want removed", path)
			}
		})
	}
}

func TestSourcePosition(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{name: "project file with column", in: "project:///main.go#12,3", want: "main.go:12"},
		{name: "nested project file", in: "project:///infra/secretstore.go#87,16", want: "infra/secretstore.go:87"},
		{name: "line only", in: "project:///main.go#12", want: "main.go:12"},
		{name: "file outside the project", in: "file:///home/u/lib/x.go#4,1", want: "/home/u/lib/x.go:4"},
		{name: "no fragment", in: "project:///main.go", want: "main.go"},
		{name: "empty", in: "", want: ""},
		{name: "already converted", in: "main.go:12", want: "main.go:12"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, SourcePosition(tt.in))
		})
	}
}

// TestPartialPreview covers `pulumi preview --json` without --show-sames: the change summary
// counts unchanged resources the steps leave out, and the document says so.
func TestPartialPreview(t *testing.T) {
	full := readFixture(t, "preview-noncompliant-prod.json")
	var digest map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(full, &digest))
	var steps []map[string]any
	require.NoError(t, json.Unmarshal(digest["steps"], &steps))
	var changed []map[string]any
	for _, s := range steps {
		if s["op"] != "same" {
			changed = append(changed, s)
		}
	}
	require.Less(t, len(changed), len(steps), "the fixture needs same steps for this test")
	raw, err := json.Marshal(changed)
	require.NoError(t, err)
	digest["steps"] = raw
	withoutSames, err := json.Marshal(digest)
	require.NoError(t, err)

	tests := []struct {
		name        string
		data        []byte
		wantPartial bool
	}{
		{name: "with --show-sames", data: full, wantPartial: false},
		{name: "without --show-sames", data: withoutSames, wantPartial: true},
		{name: "first deploy, nothing unchanged", data: readFixture(t, "preview-clean-dev.json"), wantPartial: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := Load("p.json", tc.data)
			require.NoError(t, err)
			assert.Equal(t, tc.wantPartial, doc.Partial, "got partial %v, want %v", doc.Partial, tc.wantPartial)
			careful, err := loadCareful("p.json", tc.data)
			require.NoError(t, err)
			assert.Equal(t, careful.Partial, doc.Partial, "fast and careful paths disagree")
		})
	}
}
