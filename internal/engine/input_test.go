package engine

import (
	"encoding/json"
	"testing"

	"github.com/kvguard/kvguard/internal/model"
)

// TestDocumentValueSharesEqualTerms checks the input OPA sees is the JSON round trip of the
// document even where the converter shares terms: repeated strings and numbers, and
// oldProperties subtrees equal to the properties' (same, nested, and differing values).
func TestDocumentValueSharesEqualTerms(t *testing.T) {
	tags := func() map[string]any { return map[string]any{"environment": "prod", "owner": "team"} }
	props := map[string]any{
		"location": "westeurope", "tags": tags(), "n": 3.0, "neg": -0.0,
		"properties": map[string]any{"sku": map[string]any{"name": "standard"}, "enableSoftDelete": true,
			"vaultUri": "https://kv.vault.azure.net/", "list": []any{"a", 1.0, nil, map[string]any{"x": "y"}}},
	}
	old := map[string]any{
		"location": "westeurope", "tags": tags(), "n": 3.0, "neg": 0.0,
		"properties": map[string]any{"sku": map[string]any{"name": "standard"}, "enableSoftDelete": false,
			"list": []any{"a", 1.0, nil, map[string]any{"x": "z"}}},
		"onlyOld": map[string]any{"k": json.Number("7")},
	}
	var rs []model.Resource
	for _, name := range []string{"a", "b"} {
		rs = append(rs, model.Resource{
			URN: urn(typeVault, name), Type: typeVault, Name: name, Op: model.OpUpdate, Custom: true,
			Properties: props, OldProperties: old, Unknown: []string{}, Secret: []string{},
			Dependencies: []string{}, PropertyDependencies: map[string][]string{"vaultName": {urn(typeVault, "x")}},
		})
	}
	d := doc("prod", rs...)
	d.Now, d.Profile = "2026-12-03T00:00:00Z", "prod"
	d.Config = map[string]map[string]any{"TST-001": {"minRetentionDays": 3.0}}
	assertInputIsJSONRoundTrip(t, d)
}
