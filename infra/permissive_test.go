package infra_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kvguard/kvguard/infra/azuremock"
)

// TestPolicyRelevantChoicesAccepted pins the design decision in doc.go: config validation is
// structural, so insecure but well-formed choices reach the resources, where the policies (not
// the loader) judge them. The planner's non-compliant examples rely on this.
func TestPolicyRelevantChoicesAccepted(t *testing.T) {
	farExpiry := float64(time.Date(2099, 12, 31, 0, 0, 0, 0, time.UTC).Unix())
	tests := []struct {
		name  string
		set   map[string]string
		del   []string
		typ   string
		res   string
		props map[string]any
	}{
		{
			name: "public access without allow-list", set: map[string]string{"secret-store:publicNetworkAccess": "Enabled"},
			typ: tVault, res: "store-vault",
			props: map[string]any{"properties.publicNetworkAccess": "Enabled", "properties.networkAcls.defaultAction": "Deny", "properties.networkAcls.ipRules": []any{}},
		},
		{
			name: "firewall open by default",
			set:  map[string]string{"secret-store:publicNetworkAccess": "Enabled", "secret-store:networkDefaultAction": "Allow"},
			typ:  tVault, res: "store-vault",
			props: map[string]any{"properties.publicNetworkAccess": "Enabled", "properties.networkAcls.defaultAction": "Allow"},
		},
		{
			name: "expiry far away", set: map[string]string{"secret-store:secrets": `[{"name":"db","expires":"2099-12-31"},{"name":"api-key","expires":"2027-02-15"}]`},
			typ: tSecret, res: "store-secret-db",
			props: map[string]any{"properties.attributes.expires": farExpiry},
		},
		{
			name: "no owner", del: []string{"secret-store:owner"},
			typ: tVault, res: "store-vault",
			props: map[string]any{"tags.owner": nil, "tags.environment": "prod"},
		},
		{
			name: "no owner on identities", set: map[string]string{"secret-store:owner": ""},
			typ: tIdentity, res: "store-id-orders",
			props: map[string]any{"tags.owner": nil},
		},
		{
			name: "short retention in prod", set: map[string]string{"secret-store:logRetentionDays": "30"},
			typ: tWS, res: "store-logs",
			props: map[string]any{"retentionInDays": float64(30)},
		},
		{
			name: "grant of every secret", set: map[string]string{"secret-store:applications": `[{"name":"orders","secrets":"*"}]`},
			typ: tRA, res: "store-ra-orders-vault",
			props: map[string]any{"principalType": "ServicePrincipal", "roleDefinitionId": secretsUser},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sc := baseConfig("prod").clone()
			for k, v := range tc.set {
				sc.values[k] = v
			}
			for _, k := range tc.del {
				delete(sc.values, k)
			}
			m, err := run(t, "prod", sc, azuremock.Options{})
			require.NoError(t, err, "a structurally valid config must be accepted")
			r := find(t, m, tc.typ, tc.res)
			for path, want := range tc.props {
				got := prop(t, r, path)
				assert.Equal(t, want, got, "%s %s: got %v, want %v", tc.res, path, got, want)
			}
		})
	}
}
