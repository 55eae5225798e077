package azuremock_test

import (
	"testing"

	"github.com/google/uuid"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kvguard/kvguard/infra/azuremock"
)

const rgID = "/subscriptions/" + azuremock.DefaultSubscriptionID + "/resourceGroups/rg1"

func TestNewResourceAnswers(t *testing.T) {
	tests := []struct {
		name    string
		typ     string
		inputs  map[string]any
		wantID  string
		wantOut map[string]string // dotted path -> value; "<guid>" means any GUID
	}{
		{name: "resource group", typ: "azure-native:resources:ResourceGroup", inputs: map[string]any{"resourceGroupName": "rg1"},
			wantID: rgID, wantOut: map[string]string{"name": "rg1"}},
		{name: "vault", typ: "azure-native:keyvault:Vault", inputs: map[string]any{"resourceGroupName": "rg1", "vaultName": "kv-a", "properties": map[string]any{"tenantId": "t"}},
			wantID: rgID + "/providers/Microsoft.KeyVault/vaults/kv-a", wantOut: map[string]string{"name": "kv-a", "properties.vaultUri": "https://kv-a.vault.azure.net/", "properties.tenantId": "t"}},
		{name: "secret", typ: "azure-native:keyvault:Secret", inputs: map[string]any{"resourceGroupName": "rg1", "vaultName": "kv-a", "secretName": "db"},
			wantID: rgID + "/providers/Microsoft.KeyVault/vaults/kv-a/secrets/db", wantOut: map[string]string{"properties.secretUri": "https://kv-a.vault.azure.net/secrets/db"}},
		{name: "identity", typ: "azure-native:managedidentity:UserAssignedIdentity", inputs: map[string]any{"resourceGroupName": "rg1", "resourceName": "id-a"},
			wantID: rgID + "/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-a", wantOut: map[string]string{"principalId": "<guid>", "clientId": "<guid>", "tenantId": azuremock.DefaultTenantID}},
		{name: "role assignment", typ: "azure-native:authorization:RoleAssignment", inputs: map[string]any{"scope": rgID, "roleAssignmentName": "0b5f3c1e-0000-5000-8000-000000000001"},
			wantID: rgID + "/providers/Microsoft.Authorization/roleAssignments/0b5f3c1e-0000-5000-8000-000000000001"},
		{name: "diagnostic setting", typ: "azure-native:insights:DiagnosticSetting", inputs: map[string]any{"resourceUri": rgID + "/providers/Microsoft.KeyVault/vaults/kv-a", "name": "audit"},
			wantID: rgID + "/providers/Microsoft.KeyVault/vaults/kv-a/providers/Microsoft.Insights/diagnosticSettings/audit"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := azuremock.New(azuremock.Options{})
			m.Bind("p", "s")
			id, out, err := m.NewResource(pulumi.MockResourceArgs{TypeToken: tc.typ, Name: "r", Custom: true, Inputs: resource.NewPropertyMapFromMap(tc.inputs)})
			require.NoError(t, err)
			assert.Equal(t, tc.wantID, id)
			for path, want := range tc.wantOut {
				v, ok := resource.PropertyPath(splitPath(path)).Get(resource.NewObjectProperty(out))
				require.True(t, ok, "output %s missing", path)
				got := azuremock.Unwrap(v)
				if want == "<guid>" {
					_, err := uuid.Parse(got)
					assert.NoError(t, err, "%s: got %q, want a GUID", path, got)
					continue
				}
				assert.Equal(t, want, got, path)
			}
			regs := m.Registrations()
			require.Len(t, regs, 1)
			assert.Equal(t, "urn:pulumi:s::p::"+tc.typ+"::r", regs[0].URN)
			assert.Equal(t, id, regs[0].ID)

			_, again, err := azuremock.New(azuremock.Options{}).NewResource(pulumi.MockResourceArgs{TypeToken: tc.typ, Name: "r", Custom: true, Inputs: resource.NewPropertyMapFromMap(tc.inputs)})
			require.NoError(t, err)
			assert.Equal(t, out, again, "answers differ between monitors")
		})
	}
}

func splitPath(p string) []any {
	var out []any
	start := 0
	for i := 0; i <= len(p); i++ {
		if i == len(p) || p[i] == '.' {
			out = append(out, p[start:i])
			start = i + 1
		}
	}
	return out
}

func TestCall(t *testing.T) {
	m := azuremock.New(azuremock.Options{TenantID: "-"})
	out, err := m.Call(pulumi.MockCallArgs{Token: azuremock.GetClientConfigToken})
	require.NoError(t, err)
	assert.Equal(t, "", out["tenantId"].StringValue(), "\"-\" gives an empty tenant")
	assert.Equal(t, azuremock.DefaultSubscriptionID, out["subscriptionId"].StringValue())

	_, err = m.Call(pulumi.MockCallArgs{Token: "azure-native:keyvault:getVault"})
	assert.ErrorContains(t, err, "unsupported invoke")
	assert.Len(t, m.Calls(), 2)
}
