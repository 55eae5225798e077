package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/kvguard/kvguard/internal/model"
	"github.com/kvguard/kvguard/policies"
)

// syntheticDoc builds n resources shaped like azure-native's: per group of 10, one vault,
// five secrets, two role assignments, one diagnostic setting and one identity.
func syntheticDoc(n int) *model.Document {
	const tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47"
	rs := make([]model.Resource, 0, n)
	for i := 0; len(rs) < n; i++ {
		vaultName := fmt.Sprintf("kv-bench-%05d", i)
		vaultURN := urn(typeVault, vaultName)
		vaultID := "/subscriptions/0000/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/" + vaultName
		rs = append(rs, model.Resource{
			URN: vaultURN, Type: typeVault, Name: vaultName, ID: vaultID, Op: model.OpSame, Custom: true,
			Properties: map[string]any{
				"vaultName": vaultName, "resourceGroupName": "rg", "location": "westeurope",
				"properties": map[string]any{
					"tenantId": tenant, "enableSoftDelete": true, "softDeleteRetentionInDays": float64(7 + i%90),
					"enablePurgeProtection": true, "enableRbacAuthorization": true, "publicNetworkAccess": "Disabled",
					"sku": map[string]any{"family": "A", "name": "standard"},
				},
				"tags": map[string]any{"environment": "dev", "owner": "team"},
			},
			Unknown: []string{}, Secret: []string{}, Dependencies: []string{},
		})
		for j := 0; j < 5 && len(rs) < n; j++ {
			name := fmt.Sprintf("%s-secret-%d", vaultName, j)
			props := map[string]any{
				"vaultName": vaultName, "resourceGroupName": "rg", "secretName": name,
				"properties": map[string]any{"attributes": map[string]any{"enabled": true, "expires": 1.8e9}},
			}
			if j%2 == 0 {
				props["properties"].(map[string]any)["contentType"] = "text/plain"
			}
			rs = append(rs, model.Resource{
				URN: urn(typeSecret, name), Type: typeSecret, Name: name, Op: model.OpCreate, Custom: true,
				Properties: props, Secret: []string{"properties.value"}, Unknown: []string{},
				Dependencies: []string{vaultURN}, PropertyDependencies: map[string][]string{"vaultName": {vaultURN}},
			})
		}
		for j := 0; j < 2 && len(rs) < n; j++ {
			name := fmt.Sprintf("%s-ra-%d", vaultName, j)
			rs = append(rs, model.Resource{
				URN: urn("azure-native:authorization:RoleAssignment", name), Type: "azure-native:authorization:RoleAssignment",
				Name: name, Op: model.OpCreate, Custom: true,
				Properties: map[string]any{
					"principalId":        fmt.Sprintf("00000000-0000-0000-0000-%012d", i),
					"principalType":      "ServicePrincipal",
					"roleDefinitionId":   "/providers/Microsoft.Authorization/roleDefinitions/4633458b-17de-408a-b874-0445c86b69e6",
					"scope":              vaultID,
					"roleAssignmentName": fmt.Sprintf("%08d-0000-4000-8000-%012d", j, i),
				},
				Unknown: []string{}, Secret: []string{}, Dependencies: []string{vaultURN},
			})
		}
		if len(rs) < n {
			name := vaultName + "-diag"
			rs = append(rs, model.Resource{
				URN: urn("azure-native:insights:DiagnosticSetting", name), Type: "azure-native:insights:DiagnosticSetting",
				Name: name, Op: model.OpCreate, Custom: true,
				Properties: map[string]any{
					"resourceUri": vaultID, "workspaceId": "/subscriptions/0000/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/w",
					"logs": []any{map[string]any{"categoryGroup": "audit", "enabled": true}},
				},
				Unknown: []string{}, Secret: []string{}, Dependencies: []string{vaultURN},
			})
		}
		if len(rs) < n {
			name := vaultName + "-id"
			rs = append(rs, model.Resource{
				URN: urn("azure-native:managedidentity:UserAssignedIdentity", name), Type: "azure-native:managedidentity:UserAssignedIdentity",
				Name: name, Op: model.OpCreate, Custom: true,
				Properties: map[string]any{"resourceName": name, "tags": map[string]any{"environment": "dev"}},
				Unknown:    []string{"principalId"}, Secret: []string{}, Dependencies: []string{},
			})
		}
	}
	return doc("dev", rs...)
}

// BenchmarkEvaluate measures one whole-document evaluation. The "fixture" engine isolates
// the engine's own cost; "real" runs the shipped policies (skipped while they do not load).
func BenchmarkEvaluate(b *testing.B) {
	engines := []struct {
		name string
		load func() (*Engine, error)
	}{
		{"fixture", func() (*Engine, error) { return fixtureEngine(b), nil }},
		{"real", func() (*Engine, error) { return New(policies.FS) }},
	}
	for _, eng := range engines {
		e, err := eng.load()
		if err != nil {
			b.Logf("skip %s policies: %v", eng.name, err)
			continue
		}
		for _, n := range []int{1000, 10000} {
			b.Run(fmt.Sprintf("%s/n=%d", eng.name, n), func(b *testing.B) {
				d := syntheticDoc(n)
				ctx := context.Background()
				var before, after runtime.MemStats
				runtime.ReadMemStats(&before)
				b.ResetTimer()
				for b.Loop() {
					if _, err := e.Evaluate(ctx, d, Settings{Stack: "dev", Now: testNow}); err != nil {
						b.Fatal(err)
					}
				}
				b.StopTimer()
				runtime.ReadMemStats(&after)
				total := float64(n) * float64(b.N)
				b.ReportMetric(total/b.Elapsed().Seconds(), "resources/s")
				b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/total, "B/resource")
			})
		}
	}
}

// BenchmarkInputConversion compares the direct ast.Value build Evaluate uses with a JSON
// round trip, the obvious alternative.
func BenchmarkInputConversion(b *testing.B) {
	d := syntheticDoc(10000)
	b.Run("direct", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := documentValue(d, false); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			raw, err := json.Marshal(d)
			if err != nil {
				b.Fatal(err)
			}
			var v any
			if err := json.Unmarshal(raw, &v); err != nil {
				b.Fatal(err)
			}
			if _, err := ast.InterfaceToValue(v); err != nil {
				b.Fatal(err)
			}
		}
	})
}
