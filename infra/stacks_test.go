package infra_test

import (
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kvguard/kvguard/infra"
	"github.com/kvguard/kvguard/infra/azuremock"
)

const (
	sub          = "/subscriptions/" + azuremock.DefaultSubscriptionID
	secretsUser  = sub + "/providers/Microsoft.Authorization/roleDefinitions/4633458b-17de-408a-b874-0445c86b69e6"
	secretsOffic = sub + "/providers/Microsoft.Authorization/roleDefinitions/b86a8fe4-44ce-4948-aee5-eccb2c155cd7"
	opsGroup     = "0f9e8d7c-6b5a-4c3d-8e1f-a2b3c4d5e6f7"
	opsGroup2    = "7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d"

	tVault    = "azure-native:keyvault:Vault"
	tSecret   = "azure-native:keyvault:Secret"
	tRA       = "azure-native:authorization:RoleAssignment"
	tLock     = "azure-native:authorization:ManagementLockAtResourceLevel"
	tDiag     = "azure-native:insights:DiagnosticSetting"
	tWS       = "azure-native:operationalinsights:Workspace"
	tRG       = "azure-native:resources:ResourceGroup"
	tIdentity = "azure-native:managedidentity:UserAssignedIdentity"
	tStore    = infra.SecretStoreType
)

// want is one expected registration and the properties that matter for it.
type want struct {
	typ, name string
	protect   bool
	props     map[string]any
}

// Expiry dates from the stack files, as epoch seconds.
const (
	exp20270930 = float64(1822262400) // 2027-09-30T00:00:00Z
	exp20270215 = float64(1802649600) // 2027-02-15T00:00:00Z
)

func vaultID(env, vault string) string {
	return sub + "/resourceGroups/rg-secret-store-" + env + "/providers/Microsoft.KeyVault/vaults/" + vault
}

func vaultProps(sku, public string, ipRules []any) map[string]any {
	return map[string]any{
		"properties.tenantId":                     azuremock.DefaultTenantID,
		"properties.sku.family":                   "A",
		"properties.sku.name":                     sku,
		"properties.enableRbacAuthorization":      true,
		"properties.enableSoftDelete":             true,
		"properties.softDeleteRetentionInDays":    float64(90),
		"properties.enablePurgeProtection":        true,
		"properties.enabledForDeployment":         false,
		"properties.enabledForTemplateDeployment": false,
		"properties.enabledForDiskEncryption":     false,
		"properties.publicNetworkAccess":          public,
		"properties.networkAcls.defaultAction":    "Deny",
		"properties.networkAcls.bypass":           "None",
		"properties.networkAcls.ipRules":          ipRules,
		"properties.createMode":                   nil,
		"properties.accessPolicies":               nil,
		"tags.owner":                              "platform-team",
	}
}

func secretProps(name, vault string, expires float64) map[string]any {
	return map[string]any{
		"secretName":                      name,
		"vaultName":                       vault,
		"properties.contentType":          "text/plain",
		"properties.attributes.expires":   expires,
		"properties.attributes.enabled":   true,
		"properties.value":                testSecretValue(project + ":secret-" + name),
		"properties.attributes.notBefore": nil,
	}
}

func readerProps(env, vault, secret string) map[string]any {
	return map[string]any{
		"principalType":    "ServicePrincipal",
		"roleDefinitionId": secretsUser,
		"scope":            vaultID(env, vault) + "/secrets/" + secret,
	}
}

func operatorProps(env, vault, group string) map[string]any {
	return map[string]any{
		"principalId":      group,
		"principalType":    "Group",
		"roleDefinitionId": secretsOffic,
		"scope":            vaultID(env, vault),
	}
}

func diagProps(env, vault, group string) map[string]any {
	return map[string]any{
		"resourceUri":                 vaultID(env, vault),
		"workspaceId":                 sub + "/resourceGroups/rg-secret-store-" + env + "/providers/Microsoft.OperationalInsights/workspaces/log-secret-store-" + env,
		"logs":                        []any{map[string]any{"categoryGroup": group, "enabled": true}},
		"metrics":                     []any{map[string]any{"category": "AllMetrics", "enabled": true}},
		"logAnalyticsDestinationType": nil,
	}
}

func TestStackFiles(t *testing.T) {
	const devVault, stgVault, prodVault = "kv-secret-dev-dd77e4", "kv-secret-staging-a72dc9", "kv-secret-prod-60a892"
	tests := []struct {
		name  string
		stack string
		want  []want
	}{
		{
			name:  "dev",
			stack: "dev",
			want: []want{
				{typ: tStore, name: "store"},
				{typ: tRG, name: "store-rg", props: map[string]any{"resourceGroupName": "rg-secret-store-dev", "location": "westeurope", "tags.environment": "dev"}},
				{typ: tWS, name: "store-logs", props: map[string]any{"retentionInDays": float64(90), "sku.name": "PerGB2018"}},
				{typ: tVault, name: "store-vault", props: merge(vaultProps("standard", "Disabled", []any{}), map[string]any{"vaultName": devVault, "tags.environment": "dev", "tags.costCenter": "cc-1001"})},
				{typ: tDiag, name: "store-vault-diag", props: diagProps("dev", devVault, "audit")},
				{typ: tSecret, name: "store-secret-db-connection", props: secretProps("db-connection", devVault, exp20270930)},
				{typ: tSecret, name: "store-secret-payments-api-key", props: secretProps("payments-api-key", devVault, exp20270930)},
				{typ: tIdentity, name: "store-id-orders-api", props: map[string]any{"resourceName": "id-orders-api-dev", "tags.environment": "dev", "tags.owner": "platform-team"}},
				{typ: tIdentity, name: "store-id-payments-worker", props: map[string]any{"resourceName": "id-payments-worker-dev"}},
				{typ: tRA, name: "store-ra-orders-api-db-connection", props: readerProps("dev", devVault, "db-connection")},
				{typ: tRA, name: "store-ra-payments-worker-db-connection", props: readerProps("dev", devVault, "db-connection")},
				{typ: tRA, name: "store-ra-payments-worker-payments-api-key", props: readerProps("dev", devVault, "payments-api-key")},
				{typ: tRA, name: "store-ra-operators-" + opsGroup, props: operatorProps("dev", devVault, opsGroup)},
			},
		},
		{
			name:  "staging",
			stack: "staging",
			want: []want{
				{typ: tStore, name: "store"},
				{typ: tRG, name: "store-rg", props: map[string]any{"resourceGroupName": "rg-secret-store-staging"}},
				{typ: tWS, name: "store-logs", props: map[string]any{"retentionInDays": float64(90)}},
				{typ: tVault, name: "store-vault", props: merge(vaultProps("standard", "Enabled", []any{map[string]any{"value": "203.0.113.0/24"}}), map[string]any{"vaultName": stgVault, "tags.environment": "staging"})},
				{typ: tDiag, name: "store-vault-diag", props: diagProps("staging", stgVault, "audit")},
				{typ: tSecret, name: "store-secret-db-connection", props: secretProps("db-connection", stgVault, exp20270930)},
				{typ: tSecret, name: "store-secret-payments-api-key", props: secretProps("payments-api-key", stgVault, exp20270930)},
				{typ: tIdentity, name: "store-id-orders-api", props: map[string]any{"resourceName": "id-orders-api-staging"}},
				{typ: tIdentity, name: "store-id-payments-worker", props: map[string]any{"resourceName": "id-payments-worker-staging"}},
				{typ: tRA, name: "store-ra-orders-api-db-connection", props: readerProps("staging", stgVault, "db-connection")},
				{typ: tRA, name: "store-ra-payments-worker-payments-api-key", props: readerProps("staging", stgVault, "payments-api-key")},
				{typ: tRA, name: "store-ra-operators-" + opsGroup, props: operatorProps("staging", stgVault, opsGroup)},
			},
		},
		{
			name:  "prod",
			stack: "prod",
			want: []want{
				{typ: tStore, name: "store"},
				{typ: tRG, name: "store-rg", props: map[string]any{"resourceGroupName": "rg-secret-store-prod"}},
				{typ: tWS, name: "store-logs", props: map[string]any{"retentionInDays": float64(365)}},
				{typ: tVault, name: "store-vault", protect: true, props: merge(vaultProps("premium", "Disabled", []any{}), map[string]any{"vaultName": prodVault, "tags.environment": "prod", "tags.dataClassification": "confidential"})},
				{typ: tLock, name: "store-vault-lock", props: map[string]any{
					"level": "CanNotDelete", "resourceName": prodVault, "resourceType": "vaults",
					"resourceProviderNamespace": "Microsoft.KeyVault", "resourceGroupName": "rg-secret-store-prod",
				}},
				{typ: tDiag, name: "store-vault-diag", props: diagProps("prod", prodVault, "allLogs")},
				{typ: tSecret, name: "store-secret-db-connection", props: secretProps("db-connection", prodVault, exp20270215)},
				{typ: tSecret, name: "store-secret-payments-api-key", props: secretProps("payments-api-key", prodVault, exp20270215)},
				{typ: tIdentity, name: "store-id-orders-api", props: map[string]any{"resourceName": "id-orders-api-prod"}},
				{typ: tIdentity, name: "store-id-payments-worker", props: map[string]any{"resourceName": "id-payments-worker-prod"}},
				{typ: tRA, name: "store-ra-orders-api-db-connection", props: readerProps("prod", prodVault, "db-connection")},
				{typ: tRA, name: "store-ra-payments-worker-payments-api-key", props: readerProps("prod", prodVault, "payments-api-key")},
				{typ: tRA, name: "store-ra-operators-" + opsGroup, props: operatorProps("prod", prodVault, opsGroup)},
				{typ: tRA, name: "store-ra-operators-" + opsGroup2, props: operatorProps("prod", prodVault, opsGroup2)},
			},
		},
	}

	files, err := filepath.Glob(filepath.Join("..", "stacks", "Pulumi.*.yaml"))
	require.NoError(t, err)
	var covered []string
	for _, tc := range tests {
		covered = append(covered, filepath.Join("..", "stacks", "Pulumi."+tc.stack+".yaml"))
	}
	sort.Strings(files)
	sort.Strings(covered)
	require.Equal(t, files, covered, "every stack file needs a table here")

	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := run(t, tc.stack, loadStack(t, filepath.Join("..", "stacks", "Pulumi."+tc.stack+".yaml")), azuremock.Options{})
			require.NoError(t, err)

			var gotNames, wantNames []string
			for _, r := range m.Registrations() {
				gotNames = append(gotNames, r.Type+"::"+r.Name)
			}
			for _, w := range tc.want {
				wantNames = append(wantNames, w.typ+"::"+w.name)
			}
			sort.Strings(gotNames)
			sort.Strings(wantNames)
			require.Equal(t, wantNames, gotNames, "registered resources")

			storeURN := find(t, m, tStore, "store").URN
			for _, w := range tc.want {
				r := find(t, m, w.typ, w.name)
				assert.Equal(t, w.protect, r.Protect, "%s protect: got %v, want %v", w.name, r.Protect, w.protect)
				assert.False(t, r.DeleteBeforeReplace, "%s: deleteBeforeReplace set", w.name)
				if w.typ != tStore {
					assert.Equal(t, storeURN, r.Parent, "%s parent: got %q, want the component", w.name, r.Parent)
					assert.True(t, strings.HasPrefix(r.Name, "store-"), "%s: child name not derived from the component name", w.name)
				}
				for path, v := range w.props {
					assert.Equal(t, v, prop(t, r, path), "%s %s: got %v, want %v", w.name, path, prop(t, r, path), v)
				}
			}
			// Properties that must never be sent, whatever the stack.
			for _, r := range m.ByType(tRA) {
				assert.True(t, infra.IsGUID(prop(t, r, "roleAssignmentName").(string)), "%s roleAssignmentName is not a GUID", r.Name)
			}
			for _, r := range m.ByType(tDiag) {
				for _, path := range []string{"logs.0.retentionPolicy", "metrics.0.retentionPolicy", "logs.0.category", "logs.1"} {
					assert.Nil(t, prop(t, r, path), "%s %s: got %v, want absent", r.Name, path, prop(t, r, path))
				}
			}
		})
	}
}

func merge(a, b map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}
