package infra_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kvguard/kvguard/infra"
	"github.com/kvguard/kvguard/infra/azuremock"
)

// baseConfig is a small valid config without per-environment overrides, so the environment's
// own defaults show.
func baseConfig(env string) stackConfig {
	return stackConfig{
		values: map[string]string{
			"secret-store:environment":      env,
			"secret-store:owner":            "team-a",
			"secret-store:secrets":          `[{"name":"db","contentType":"text/plain","expires":"2027-02-15"},{"name":"api-key","expires":"2027-02-15"}]`,
			"secret-store:secret-db":        "db-plaintext-value",
			"secret-store:secret-api-key":   "api-plaintext-value",
			"secret-store:applications":     `[{"name":"orders","secrets":["db"]},{"name":"admin","secrets":"*"}]`,
			"secret-store:operatorGroupIds": `["` + opsGroup + `"]`,
		},
		secretKeys: []string{"secret-store:secret-db", "secret-store:secret-api-key"},
	}
}

func isSecret(v resource.PropertyValue) bool {
	for {
		switch {
		case v.IsSecret():
			return true
		case v.IsOutput():
			if v.OutputValue().Secret {
				return true
			}
			v = v.OutputValue().Element
		default:
			return false
		}
	}
}

func TestSecretValuesAreSecret(t *testing.T) {
	sc := baseConfig("dev")
	m, err := run(t, "dev", sc, azuremock.Options{})
	require.NoError(t, err)
	secrets := m.ByType(tSecret)
	require.Len(t, secrets, 2)
	for _, r := range secrets {
		t.Run(r.Name, func(t *testing.T) {
			v, ok := lookup(r.Inputs, "properties.value")
			require.True(t, ok, "properties.value missing")
			assert.True(t, isSecret(v), "properties.value is not a Pulumi secret")
			name := prop(t, r, "secretName").(string)
			assert.Equal(t, sc.values["secret-store:secret-"+name], plain(v), "value of %q: got a different plaintext", name)
		})
	}
	// Only the values are secret: a secret name or an expiry must stay readable for policies.
	v, ok := lookup(secrets[0].Inputs, "properties.attributes.expires")
	require.True(t, ok)
	assert.False(t, isSecret(v), "expires is secret, want plain")
}

func roleAssignmentNames(t *testing.T, stack string, sc stackConfig) map[string]string {
	t.Helper()
	m, err := run(t, stack, sc, azuremock.Options{})
	require.NoError(t, err)
	out := map[string]string{}
	for _, r := range m.ByType(tRA) {
		out[r.Name] = prop(t, r, "roleAssignmentName").(string)
	}
	return out
}

func TestRoleAssignmentNamesAreDeterministic(t *testing.T) {
	first := roleAssignmentNames(t, "dev", baseConfig("dev"))
	second := roleAssignmentNames(t, "dev", baseConfig("dev"))
	require.Len(t, first, 3, "orders on db, admin on the vault, one operator group")
	assert.Equal(t, first, second, "role assignment names changed between identical runs")

	seen := map[string]string{}
	for res, name := range first {
		assert.True(t, infra.IsGUID(name), "%s: got %q, want a GUID", res, name)
		assert.Empty(t, seen[name], "%s and %s share roleAssignmentName %s", res, seen[name], name)
		seen[name] = res
	}

	other := roleAssignmentNames(t, "dev2", baseConfig("dev"))
	for res, name := range first {
		assert.NotEqual(t, name, other[res], "%s: same roleAssignmentName in another stack", res)
	}
}

func TestGrantScopes(t *testing.T) {
	m, err := run(t, "dev", baseConfig("dev"), azuremock.Options{})
	require.NoError(t, err)
	vault := find(t, m, tVault, "store-vault")
	tests := []struct {
		name      string
		resource  string
		wantScope string
		dependsOn string
	}{
		{name: "one secret", resource: "store-ra-orders-db", wantScope: vault.ID + "/secrets/db", dependsOn: find(t, m, tSecret, "store-secret-db").URN},
		{name: "every secret", resource: "store-ra-admin-vault", wantScope: vault.ID, dependsOn: vault.URN},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := find(t, m, tRA, tc.resource)
			assert.Equal(t, tc.wantScope, prop(t, r, "scope"), "scope")
			assert.Contains(t, r.Dependencies, tc.dependsOn, "dependencies")
			principal := find(t, m, tIdentity, "store-id-"+strings.Split(strings.TrimPrefix(tc.resource, "store-ra-"), "-")[0])
			assert.Equal(t, plain(principal.Outputs["principalId"]), prop(t, r, "principalId"), "principalId")
		})
	}
	_, ok := m.Find(tRA, "store-ra-admin-db")
	assert.False(t, ok, "an application granted \"*\" also got a per-secret assignment")
}

func TestEnvironmentProfiles(t *testing.T) {
	tests := []struct {
		name          string
		env           string
		wantSKU       string
		wantRetention float64
		wantGroup     string
		wantProtect   bool
		wantLock      bool
	}{
		{name: "dev", env: "dev", wantSKU: "standard", wantRetention: 30, wantGroup: "audit"},
		{name: "staging", env: "staging", wantSKU: "standard", wantRetention: 90, wantGroup: "audit"},
		{name: "prod", env: "prod", wantSKU: "premium", wantRetention: 365, wantGroup: "allLogs", wantProtect: true, wantLock: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := run(t, tc.env, baseConfig(tc.env), azuremock.Options{})
			require.NoError(t, err)
			vault := find(t, m, tVault, "store-vault")
			assert.Equal(t, tc.wantSKU, prop(t, vault, "properties.sku.name"), "sku")
			assert.Equal(t, tc.wantProtect, vault.Protect, "vault protect")
			assert.Equal(t, tc.wantRetention, prop(t, find(t, m, tWS, "store-logs"), "retentionInDays"), "retention")
			assert.Equal(t, tc.wantGroup, prop(t, find(t, m, tDiag, "store-vault-diag"), "logs.0.categoryGroup"), "log category group")
			lock, ok := m.Find(tLock, "store-vault-lock")
			assert.Equal(t, tc.wantLock, ok, "lock present")
			if ok {
				assert.Equal(t, "CanNotDelete", prop(t, lock, "level"))
				assert.Contains(t, lock.Dependencies, vault.URN, "lock must wait for the vault")
			}
		})
	}
}

func TestConfigOptions(t *testing.T) {
	const wsID = "/subscriptions/" + azuremock.DefaultSubscriptionID + "/resourceGroups/shared/providers/Microsoft.OperationalInsights/workspaces/central"
	tests := []struct {
		name   string
		set    map[string]string
		check  func(t *testing.T, m *azuremock.Monitor)
		absent []string
	}{
		{
			name: "createMode recover",
			set:  map[string]string{"secret-store:createMode": "recover"},
			check: func(t *testing.T, m *azuremock.Monitor) {
				assert.Equal(t, "recover", prop(t, find(t, m, tVault, "store-vault"), "properties.createMode"))
			},
		},
		{
			name:   "existing resource group and workspace",
			set:    map[string]string{"secret-store:resourceGroupName": "rg-existing", "secret-store:workspaceId": wsID},
			absent: []string{tRG + "::store-rg", tWS + "::store-logs"},
			check: func(t *testing.T, m *azuremock.Monitor) {
				assert.Equal(t, "rg-existing", prop(t, find(t, m, tVault, "store-vault"), "resourceGroupName"))
				assert.Equal(t, wsID, prop(t, find(t, m, tDiag, "store-vault-diag"), "workspaceId"))
			},
		},
		{
			name: "explicit vault name, sku and retention",
			set:  map[string]string{"secret-store:vaultName": "kv-orders-dev-01", "secret-store:sku": "premium", "secret-store:logRetentionDays": "120"},
			check: func(t *testing.T, m *azuremock.Monitor) {
				v := find(t, m, tVault, "store-vault")
				assert.Equal(t, "kv-orders-dev-01", prop(t, v, "vaultName"))
				assert.Equal(t, "premium", prop(t, v, "properties.sku.name"))
				assert.Equal(t, float64(120), prop(t, find(t, m, tWS, "store-logs"), "retentionInDays"))
			},
		},
		{
			name: "tenant and subscription overrides",
			set:  map[string]string{"secret-store:tenantId": "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee", "secret-store:subscriptionId": "11111111-2222-4333-8444-555555555555"},
			check: func(t *testing.T, m *azuremock.Monitor) {
				assert.Equal(t, "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee", prop(t, find(t, m, tVault, "store-vault"), "properties.tenantId"))
				assert.Equal(t, "/subscriptions/11111111-2222-4333-8444-555555555555/providers/Microsoft.Authorization/roleDefinitions/4633458b-17de-408a-b874-0445c86b69e6",
					prop(t, find(t, m, tRA, "store-ra-orders-db"), "roleDefinitionId"))
				assert.Empty(t, m.Calls(), "getClientConfig called although config names tenant and subscription")
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sc := baseConfig("dev").clone()
			for k, v := range tc.set {
				sc.values[k] = v
			}
			m, err := run(t, "dev", sc, azuremock.Options{})
			require.NoError(t, err)
			for _, a := range tc.absent {
				assert.NotContains(t, names(m), a)
			}
			tc.check(t, m)
		})
	}
}

func TestTenantFromClientConfigIsValidated(t *testing.T) {
	tests := []struct {
		name   string
		tenant string
		// set holds extra stack config; wantKey is the key the error tells the user to set.
		set     map[string]string
		wantKey string
		notKey  string
	}{
		{name: "empty", tenant: "-", wantKey: "secret-store:tenantId"},
		{name: "all zero", tenant: "00000000-0000-0000-0000-000000000000", wantKey: "secret-store:tenantId"},
		{name: "not a guid", tenant: "contoso.onmicrosoft.com", wantKey: "secret-store:tenantId"},
		// getClientConfig answers with the provider's setting: that is the key to fix.
		{name: "provider tenant set", tenant: "bad", set: map[string]string{"azure-native:tenantId": "bad"},
			wantKey: `set "azure-native:tenantId"`, notKey: "secret-store:tenantId"},
		{name: "own override all zero", tenant: azuremock.DefaultTenantID,
			set:     map[string]string{"secret-store:tenantId": "00000000-0000-0000-0000-000000000000", "azure-native:tenantId": "bad"},
			wantKey: `from "secret-store:tenantId" is not a non-empty GUID; set "secret-store:tenantId"`, notKey: "azure-native"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sc := baseConfig("dev").clone()
			for k, v := range tc.set {
				sc.values[k] = v
			}
			m, err := run(t, "dev", sc, azuremock.Options{TenantID: tc.tenant})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.wantKey)
			if tc.notKey != "" {
				assert.NotContains(t, err.Error(), tc.notKey)
			}
			assert.Empty(t, m.Registrations(), "resources registered despite a bad tenant")
		})
	}
}

func TestSubscriptionFromClientConfigIsValidated(t *testing.T) {
	tests := []struct {
		name    string
		set     map[string]string
		wantKey string
	}{
		{name: "from the credentials", wantKey: `from getClientConfig is not a GUID; set "secret-store:subscriptionId"`},
		// getClientConfig answers with the provider's setting: that is the key to fix.
		{name: "provider subscription set", set: map[string]string{"azure-native:subscriptionId": "my-sub"},
			wantKey: `from getClientConfig is not a GUID; set "azure-native:subscriptionId"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sc := baseConfig("dev").clone()
			for k, v := range tc.set {
				sc.values[k] = v
			}
			m, err := run(t, "dev", sc, azuremock.Options{SubscriptionID: "my-sub"})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.wantKey)
			assert.Empty(t, m.Registrations(), "resources registered despite a bad subscription")
		})
	}
}

func TestInvalidConfigRegistersNothing(t *testing.T) {
	sc := baseConfig("dev").clone()
	sc.values["secret-store:vaultName"] = "1-bad--name-"
	delete(sc.values, "secret-store:secret-db")
	m, err := run(t, "dev", sc, azuremock.Options{})
	var ce *infra.ConfigError
	require.True(t, errors.As(err, &ce), "got %v, want a *infra.ConfigError", err)
	assert.True(t, ce.Has("secret-store:vaultName", "start with a letter"), "problems: %v", ce.Problems)
	assert.True(t, ce.Has("secret-store:secret-db", "no value"), "problems: %v", ce.Problems)
	assert.Empty(t, m.Registrations())
	assert.NotContains(t, err.Error(), "api-plaintext-value")
}

func TestComponentOutputs(t *testing.T) {
	m := azuremock.New(azuremock.Options{})
	var mu sync.Mutex
	got := map[string]any{}
	record := func(k string) func(v any) any {
		return func(v any) any {
			mu.Lock()
			defer mu.Unlock()
			got[k] = v
			return v
		}
	}
	err := azuremock.Run(project, "dev", nil, nil, m, func(ctx *pulumi.Context) error {
		s, err := infra.NewSecretStore(ctx, "kv", &infra.SecretStoreArgs{
			Environment: "dev", Owner: "o", Location: "westeurope", TenantID: azuremock.DefaultTenantID,
			SubscriptionID: azuremock.DefaultSubscriptionID, VaultName: "kv-out-test",
			Applications: []infra.Application{{Name: "web", Secrets: []string{"*"}}},
		})
		if err != nil {
			return err
		}
		s.VaultURI.ApplyT(record("uri"))
		s.VaultID.ApplyT(record("id"))
		s.IdentityClientIDs.ApplyT(func(v map[string]string) map[string]string { record("clients")(v); return v })
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, "https://kv-out-test.vault.azure.net/", got["uri"])
	assert.Equal(t, sub+"/resourceGroups/rg-secret-store-dev/providers/Microsoft.KeyVault/vaults/kv-out-test", got["id"])
	clients, _ := got["clients"].(map[string]string)
	require.Contains(t, clients, "web")
	assert.Equal(t, plain(find(t, m, tIdentity, "kv-id-web").Outputs["clientId"]), clients["web"])
	assert.Equal(t, "kv-vault", find(t, m, tVault, "kv-vault").Name, "children named from the component")
}

func TestComponentArgsErrors(t *testing.T) {
	valid := func() *infra.SecretStoreArgs {
		return &infra.SecretStoreArgs{
			Environment: "dev", Owner: "o", Location: "westeurope", TenantID: azuremock.DefaultTenantID,
			SubscriptionID: azuremock.DefaultSubscriptionID, VaultName: "kv-args-test",
		}
	}
	tests := []struct {
		name    string
		args    *infra.SecretStoreArgs
		wantErr []string
	}{
		{name: "nil args", args: nil, wantErr: []string{"args: required"}},
		{name: "missing fields", args: &infra.SecretStoreArgs{}, wantErr: []string{"args.Environment: required", "args.Location: required", "args.TenantID: required", "args.SubscriptionID: required", "args.VaultName: required"}},
		{name: "bad vault name", args: func() *infra.SecretStoreArgs { a := valid(); a.VaultName = "kv_bad"; return a }(), wantErr: []string{"args.VaultName: must contain only letters"}},
		{name: "grant of unknown secret", args: func() *infra.SecretStoreArgs {
			a := valid()
			a.Applications = []infra.Application{{Name: "web", Secrets: []string{"nope"}}}
			return a
		}(), wantErr: []string{`args.Applications[0].Secrets[0]: grants unknown secret "nope"`}},
		{name: "secret without expiry or value", args: func() *infra.SecretStoreArgs {
			a := valid()
			a.Secrets = []infra.SecretArgs{{Name: "db"}}
			return a
		}(), wantErr: []string{"args.Secrets[0].Expires: required", "args.Secrets[0].Value: required"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := azuremock.New(azuremock.Options{})
			err := azuremock.Run(project, "dev", nil, nil, m, func(ctx *pulumi.Context) error {
				_, err := infra.NewSecretStore(ctx, "kv", tc.args)
				return err
			})
			require.Error(t, err)
			for _, w := range tc.wantErr {
				assert.Contains(t, err.Error(), w)
			}
			assert.Contains(t, err.Error(), `secret store "kv"`, "error names the instance")
			assert.Empty(t, m.Registrations(), "resources registered despite invalid args")
		})
	}
}

func TestSecretExpiryIsFromConfigNotClock(t *testing.T) {
	m, err := run(t, "dev", baseConfig("dev"), azuremock.Options{})
	require.NoError(t, err)
	want := float64(time.Date(2027, 2, 15, 0, 0, 0, 0, time.UTC).Unix())
	for _, r := range m.ByType(tSecret) {
		assert.Equal(t, want, prop(t, r, "properties.attributes.expires"), fmt.Sprintf("%s expires", r.Name))
	}
}

// TestOrdering checks the explicit dependencies that replace output-derived names: children
// that name the resource group or vault by a known string must still wait for it.
func TestOrdering(t *testing.T) {
	m, err := run(t, "prod", baseConfig("prod"), azuremock.Options{})
	require.NoError(t, err)
	tests := []struct {
		name          string
		typ, resource string
		dependsOnTyp  string
		dependsOnName string
	}{
		{name: "workspace after group", typ: tWS, resource: "store-logs", dependsOnTyp: tRG, dependsOnName: "store-rg"},
		{name: "vault after group", typ: tVault, resource: "store-vault", dependsOnTyp: tRG, dependsOnName: "store-rg"},
		{name: "identity after group", typ: tIdentity, resource: "store-id-orders", dependsOnTyp: tRG, dependsOnName: "store-rg"},
		{name: "secret after vault", typ: tSecret, resource: "store-secret-db", dependsOnTyp: tVault, dependsOnName: "store-vault"},
		{name: "lock after vault", typ: tLock, resource: "store-vault-lock", dependsOnTyp: tVault, dependsOnName: "store-vault"},
		{name: "operator grant after vault", typ: tRA, resource: "store-ra-operators-" + opsGroup, dependsOnTyp: tVault, dependsOnName: "store-vault"},
		{name: "diagnostic setting after vault", typ: tDiag, resource: "store-vault-diag", dependsOnTyp: tVault, dependsOnName: "store-vault"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := find(t, m, tc.typ, tc.resource)
			dep := find(t, m, tc.dependsOnTyp, tc.dependsOnName)
			assert.Contains(t, r.Dependencies, dep.URN, "%s dependencies: got %v", tc.resource, r.Dependencies)
		})
	}
}
