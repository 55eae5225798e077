package engine

import (
	"encoding/json"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"

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

// resourceMembers sizes each resource's object: it must count the members the document's JSON
// has, with every optional member set and with none.
func TestResourceMembersCountsTheMembers(t *testing.T) {
	bare := model.Resource{URN: urn(typeVault, "a"), Type: typeVault, Name: "a", Op: model.OpSame}
	full := bare
	full.ID, full.Parent, full.Provider, full.SourcePosition = "/subscriptions/s", "urn:p", "urn:prov", "file:///main.go:3"
	full.OldProperties = map[string]any{"k": "v"}
	full.OldUnreadable, full.Plaintext, full.ReplaceReasons = []string{"a"}, []string{"b"}, []string{"c"}
	for _, r := range []model.Resource{bare, full} {
		raw, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		var members map[string]any
		if err := json.Unmarshal(raw, &members); err != nil {
			t.Fatal(err)
		}
		if got := resourceMembers(&r); got != len(members) {
			t.Errorf("resourceMembers = %d, the JSON of %s has %d members", got, r.URN, len(members))
		}
		v, err := newConverter().resourceValue(&r)
		if err != nil {
			t.Fatal(err)
		}
		if got := v.(ast.Object).Len(); got != len(members) {
			t.Errorf("resourceValue gives %d members, the JSON has %d", got, len(members))
		}
	}
}
