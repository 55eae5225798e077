package source

import (
	"encoding/json"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kvguard/kvguard/internal/model"
)

func TestFromPropertyMap(t *testing.T) {
	tests := []struct {
		name        string
		props       resource.PropertyMap
		want        map[string]any
		wantUnknown []string
		wantSecret  []string
	}{
		{
			name: "plain values",
			props: resource.PropertyMap{
				"name":    resource.NewProperty("kv"),
				"enabled": resource.NewProperty(true),
				"days":    resource.NewProperty(90.0),
				"nothing": resource.NewNullProperty(),
				"tags":    resource.NewProperty(resource.PropertyMap{"env": resource.NewProperty("dev")}),
				"rules":   resource.NewProperty([]resource.PropertyValue{resource.NewProperty("a")}),
			},
			want: map[string]any{"name": "kv", "enabled": true, "days": 90.0, "nothing": nil,
				"tags": map[string]any{"env": "dev"}, "rules": []any{"a"}},
		},
		{
			name:       "secret",
			props:      resource.PropertyMap{"value": resource.MakeSecret(resource.NewProperty(planted))},
			want:       map[string]any{},
			wantSecret: []string{"value"},
		},
		{
			name: "computed",
			props: resource.PropertyMap{"properties": resource.NewProperty(resource.PropertyMap{
				"networkAcls": resource.MakeComputed(resource.NewProperty("")),
			})},
			want:        map[string]any{"properties": map[string]any{}},
			wantUnknown: []string{"properties.networkAcls"},
		},
		{
			name:        "output not known",
			props:       resource.PropertyMap{"principalId": resource.NewProperty(resource.Output{Known: false})},
			want:        map[string]any{},
			wantUnknown: []string{"principalId"},
		},
		{
			name:       "output known and secret",
			props:      resource.PropertyMap{"value": resource.NewProperty(resource.Output{Element: resource.NewProperty(planted), Known: true, Secret: true})},
			want:       map[string]any{},
			wantSecret: []string{"value"},
		},
		{
			name:       "output unknown and secret counts as secret",
			props:      resource.PropertyMap{"value": resource.NewProperty(resource.Output{Known: false, Secret: true})},
			want:       map[string]any{},
			wantSecret: []string{"value"},
		},
		{
			name:  "output known and plain",
			props: resource.PropertyMap{"scope": resource.NewProperty(resource.Output{Element: resource.NewProperty("/s"), Known: true})},
			want:  map[string]any{"scope": "/s"},
		},
		{
			name: "secret inside an array",
			props: resource.PropertyMap{"items": resource.NewProperty([]resource.PropertyValue{
				resource.NewProperty("a"), resource.MakeSecret(resource.NewProperty(planted)),
			})},
			want:       map[string]any{"items": []any{"a", nil}},
			wantSecret: []string{"items.1"},
		},
		{
			name:        "sentinel string from a mock",
			props:       resource.PropertyMap{"tenantId": resource.NewProperty(model.UnknownSentinel)},
			want:        map[string]any{},
			wantUnknown: []string{"tenantId"},
		},
		{
			name: "resource reference",
			props: resource.PropertyMap{"vault": resource.MakeCustomResourceReference(
				resource.URN(vaultURN), resource.ID("/v"), "")},
			want: map[string]any{"vault": map[string]any{"urn": vaultURN, "id": "/v"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, unknown, secret := FromPropertyMap(tt.props)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, orEmpty(tt.wantUnknown), unknown, "unknown")
			assert.Equal(t, orEmpty(tt.wantSecret), secret, "secret")
			b, err := json.Marshal(got)
			require.NoError(t, err)
			assert.NotContains(t, string(b), planted, "secret value leaked")
		})
	}
}

func TestFromEngineResource(t *testing.T) {
	const secretURN = "urn:pulumi:dev::secret-store::azure-native:keyvault:Secret::db"
	tests := []struct {
		name          string
		in            EngineResource
		wantType      string
		wantName      string
		wantOp        string
		wantSecret    []string
		wantPlaintext []string
	}{
		{
			name:     "defaults from the URN",
			in:       EngineResource{URN: vaultURN, Properties: resource.PropertyMap{"vaultName": resource.NewProperty("kv")}},
			wantType: "azure-native:keyvault:Vault", wantName: "vault", wantOp: model.OpCreate,
		},
		{
			name: "secret value from ToSecret",
			in: EngineResource{URN: secretURN, Op: model.OpSame, Properties: resource.PropertyMap{"properties": resource.NewProperty(resource.PropertyMap{
				"value": resource.MakeSecret(resource.NewProperty(planted)),
			})}},
			wantType: "azure-native:keyvault:Secret", wantName: "db", wantOp: model.OpSame, wantSecret: []string{"properties.value"},
		},
		{
			name: "plain value is plaintext",
			in: EngineResource{URN: secretURN, Properties: resource.PropertyMap{"properties": resource.NewProperty(resource.PropertyMap{
				"value": resource.NewProperty(planted),
			})}},
			wantType: "azure-native:keyvault:Secret", wantName: "db", wantOp: model.OpCreate, wantPlaintext: []string{"properties.value"},
		},
		{
			name: "plain value of a pinned API version is plaintext",
			in: EngineResource{URN: versioned(secretURN), Properties: resource.PropertyMap{"properties": resource.NewProperty(resource.PropertyMap{
				"value": resource.NewProperty(planted),
			})}},
			wantType: "azure-native:keyvault:Secret", wantName: "db", wantOp: model.OpCreate, wantPlaintext: []string{"properties.value"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := FromEngineResource(tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.wantType, got.Type)
			assert.Equal(t, tt.wantName, got.Name)
			assert.Equal(t, tt.wantOp, got.Op)
			assert.Equal(t, orEmpty(tt.wantSecret), got.Secret, "secret")
			assert.Equal(t, tt.wantPlaintext, got.Plaintext, "plaintext")
			assert.NotNil(t, got.Dependencies)
			assert.NotNil(t, got.PropertyDependencies)
			b, err := json.Marshal(got)
			require.NoError(t, err)
			assert.NotContains(t, string(b), planted, "secret value leaked")
		})
	}
}

// A type the URN does not name is refused, as in a file: either type could hide the resource.
func TestFromEngineResourceRefusesAnotherType(t *testing.T) {
	_, err := FromEngineResource(EngineResource{URN: vaultURN, Type: "azure-native:keyvault:Secret"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "is not the type its URN names")
	_, err = FromEngineResource(EngineResource{URN: vaultURN, Type: "azure-native:keyvault:Vault"})
	assert.NoError(t, err)
}

func TestFromEngine(t *testing.T) {
	doc, err := FromEngine(model.SourcePlan, []EngineResource{
		{URN: vaultURN, Custom: true, SourcePosition: "project:///main.go#3,1",
			PropertyDependencies: map[string][]string{"a": {"b"}},
			OldProperties:        resource.PropertyMap{"vaultName": resource.NewProperty("old")}},
	})
	require.NoError(t, err)
	assert.Equal(t, "dev", doc.Stack)
	assert.Equal(t, "secret-store", doc.Project)
	assert.Equal(t, model.SourcePlan, doc.Source)
	require.Len(t, doc.Resources, 1)
	assert.Equal(t, "main.go:3", doc.Resources[0].SourcePosition)
	assert.Equal(t, map[string][]string{"a": {"b"}}, doc.Resources[0].PropertyDependencies)
	assert.Equal(t, map[string]any{"vaultName": "old"}, doc.Resources[0].OldProperties)

	_, err = FromEngine(model.SourceEngine, []EngineResource{{URN: "not-a-urn"}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `"not-a-urn"`)
}
