package source

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kvguard/kvguard/internal/model"
)

func TestLoadExportFixtures(t *testing.T) {
	tests := []struct {
		name          string
		file          string
		resource      string
		wantOp        string
		wantID        string
		wantProtect   bool
		wantPosition  string
		wantSecret    []string
		wantPlaintext []string
		wantValues    map[string]any
		wantAbsent    []string
	}{
		{
			name: "vault with id, protect and source position", file: "export-clean-dev.json", resource: "vault",
			wantOp: model.OpSame, wantProtect: true, wantPosition: "infra/secretstore.go:472",
			wantID: "/subscriptions/3f2b6c1e-7a9d-4c1b-9e7f-2a5d8c0b4e61/resourceGroups/rg-secret-store-dev/providers/Microsoft.KeyVault/vaults/kv-store-dev-7f3a",
			wantValues: map[string]any{
				"properties.sku.name":            "premium",
				"properties.vaultUri":            "https://kv-store-dev-7f3a.vault.azure.net/",
				"properties.tenantId":            "9c1d2e3f-4a5b-4c6d-8e7f-0a1b2c3d4e5f",
				"properties.networkAcls.ipRules": []any{},
			},
		},
		{
			name: "encrypted secret", file: "export-clean-dev.json", resource: "db-connection",
			wantOp:     model.OpSame,
			wantID:     "/subscriptions/3f2b6c1e-7a9d-4c1b-9e7f-2a5d8c0b4e61/resourceGroups/rg-secret-store-dev/providers/azure-native:keyvault:Secret/db-connection",
			wantSecret: []string{"properties.value"},
			wantValues: map[string]any{"properties.attributes.expires": 1802649600.0},
			wantAbsent: []string{"properties.value"},
		},
		{
			name: "plain secret value", file: "export-plaintext-secret.json", resource: "db-connection",
			wantOp:        model.OpSame,
			wantID:        "/subscriptions/3f2b6c1e-7a9d-4c1b-9e7f-2a5d8c0b4e61/resourceGroups/rg-secret-store-dev/providers/azure-native:keyvault:Secret/db-connection",
			wantPlaintext: []string{"properties.value"},
			wantAbsent:    []string{"properties.value"},
		},
		{
			name: "show-secrets plaintext is still a secret", file: "export-show-secrets.json", resource: "db-connection",
			wantOp:     model.OpSame,
			wantID:     "/subscriptions/3f2b6c1e-7a9d-4c1b-9e7f-2a5d8c0b4e61/resourceGroups/rg-secret-store-dev/providers/azure-native:keyvault:Secret/db-connection",
			wantSecret: []string{"properties.value"},
			wantAbsent: []string{"properties.value"},
		},
		{
			name: "ciphertext next to a shown secret", file: "export-show-secrets.json", resource: "api-key",
			wantOp:     model.OpSame,
			wantID:     "/subscriptions/3f2b6c1e-7a9d-4c1b-9e7f-2a5d8c0b4e61/resourceGroups/rg-secret-store-dev/providers/azure-native:keyvault:Secret/api-key",
			wantSecret: []string{"properties.value"},
			wantAbsent: []string{"properties.value"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := loadFixture(t, tt.file)
			assert.Equal(t, model.SourceExport, doc.Source)
			assert.Equal(t, "dev", doc.Stack)
			assert.Equal(t, "secret-store", doc.Project)
			r := one(t, doc, tt.resource)
			assert.Equal(t, tt.wantOp, r.Op, "op")
			assert.Equal(t, tt.wantID, r.ID, "id")
			assert.Equal(t, tt.wantProtect, r.Protect, "protect")
			assert.Equal(t, tt.wantPosition, r.SourcePosition, "sourcePosition")
			assert.Equal(t, []string{}, r.Unknown, "unknown")
			assert.Equal(t, orEmpty(tt.wantSecret), r.Secret, "secret")
			assert.Equal(t, tt.wantPlaintext, r.Plaintext, "plaintext")
			assert.Nil(t, r.OldProperties, "an export has no old properties")
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
		})
	}
}

func TestExportEveryResourceIsCurrentState(t *testing.T) {
	doc := loadFixture(t, "export-clean-dev.json")
	require.Len(t, doc.Resources, 11)
	for _, r := range doc.Resources {
		assert.Equal(t, model.OpSame, r.Op, "op of %s", r.URN)
		assert.NotNil(t, r.Properties, "properties of %s", r.URN)
	}
	vault := one(t, doc, "vault")
	assert.Equal(t, []string{"urn:pulumi:dev::secret-store::azure-native:resources:ResourceGroup::rg"}, vault.Dependencies)
	lock := one(t, doc, "vault-lock")
	assert.Equal(t, map[string][]string{"resourceName": {vaultURN}}, lock.PropertyDependencies)
	stack := one(t, doc, "secret-store-dev")
	assert.False(t, stack.Custom, "the stack is a component")
	assert.Equal(t, "pulumi:pulumi:Stack", stack.Type)
}

func TestExportPendingDelete(t *testing.T) {
	data := `{"version": 3, "deployment": {"resources": [
		{"urn": "` + vaultURN + `", "custom": true, "delete": true, "id": "/old", "type": "azure-native:keyvault:Vault", "inputs": {"vaultName": "old"}},
		{"urn": "` + vaultURN + `", "custom": true, "id": "/new", "type": "azure-native:keyvault:Vault", "inputs": {"vaultName": "new"}}
	], "pending_operations": [{"resource": {"urn": "` + vaultURN + `", "type": "azure-native:keyvault:Vault"}, "type": "updating"}]}}`
	doc, err := Load("export.json", []byte(data))
	require.NoError(t, err)
	require.Len(t, doc.Resources, 2)
	assert.Equal(t, model.OpDeleteReplaced, doc.Resources[0].Op, "resource marked delete")
	assert.Equal(t, model.OpSame, doc.Resources[1].Op, "current resource")
}

// A resource marked pendingReplacement was already deleted by an interrupted
// delete-before-replace: it is the stale copy the next update removes, not current state.
func TestExportPendingReplacement(t *testing.T) {
	data := `{"version": 3, "deployment": {"resources": [
		{"urn": "` + vaultURN + `", "custom": true, "pendingReplacement": true, "id": "/old", "type": "azure-native:keyvault:Vault", "inputs": {"vaultName": "old"}}
	]}}`
	doc, err := Load("export.json", []byte(data))
	require.NoError(t, err)
	require.Len(t, doc.Resources, 1)
	assert.Equal(t, model.OpRemovePendingReplace, doc.Resources[0].Op)
	assert.True(t, model.IsRemoval(doc.Resources[0].Op), "judged as going away")
}
