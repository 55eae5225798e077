package source

import (
	"encoding/json"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kvguard/kvguard/internal/model"
)

func TestNormalize(t *testing.T) {
	tests := []struct {
		name          string
		typ           string
		props         string
		wantProps     string
		wantUnknown   []string
		wantSecret    []string
		wantPlaintext []string
	}{
		{
			name:        "unknown string at top level",
			typ:         "azure-native:insights:DiagnosticSetting",
			props:       `{"name": "kv-audit", "resourceUri": "04da6b54-80e4-46f7-96ec-b56ff0331ba9"}`,
			wantProps:   `{"name": "kv-audit"}`,
			wantUnknown: []string{"resourceUri"},
		},
		{
			name:        "whole object unknown",
			typ:         "azure-native:keyvault:Vault",
			props:       `{"properties": {"networkAcls": "04da6b54-80e4-46f7-96ec-b56ff0331ba9", "tenantId": "t"}}`,
			wantProps:   `{"properties": {"tenantId": "t"}}`,
			wantUnknown: []string{"properties.networkAcls"},
		},
		{
			name:        "unknown at depth inside an array",
			typ:         "azure-native:insights:DiagnosticSetting",
			props:       `{"logs": [{"categoryGroup": "allLogs"}, {"categoryGroup": "04da6b54-80e4-46f7-96ec-b56ff0331ba9", "enabled": true}]}`,
			wantProps:   `{"logs": [{"categoryGroup": "allLogs"}, {"enabled": true}]}`,
			wantUnknown: []string{"logs.1.categoryGroup"},
		},
		{
			name:        "unknown array element keeps its slot as null",
			typ:         "azure-native:keyvault:Vault",
			props:       `{"properties": {"networkAcls": {"ipRules": [{"value": "10.0.0.1"}, "04da6b54-80e4-46f7-96ec-b56ff0331ba9", {"value": "10.0.0.3"}]}}}`,
			wantProps:   `{"properties": {"networkAcls": {"ipRules": [{"value": "10.0.0.1"}, null, {"value": "10.0.0.3"}]}}}`,
			wantUnknown: []string{"properties.networkAcls.ipRules.1"},
		},
		{
			name:       "secret placeholder inside an array",
			typ:        "azure-native:resources:Deployment",
			props:      `{"parameters": [{"name": "a", "value": "[secret]"}, "[secret]"]}`,
			wantProps:  `{"parameters": [{"name": "a"}, null]}`,
			wantSecret: []string{"parameters.0.value", "parameters.1"},
		},
		{
			name:       "secret signature with ciphertext",
			typ:        "azure-native:keyvault:Secret",
			props:      `{"properties": {"value": {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "ciphertext": "v1:abc"}, "contentType": "text/plain"}}`,
			wantProps:  `{"properties": {"contentType": "text/plain"}}`,
			wantSecret: []string{"properties.value"},
		},
		{
			name:       "secret signature with show-secrets plaintext",
			typ:        "azure-native:keyvault:Secret",
			props:      `{"properties": {"value": {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "plaintext": "\"p\""}}}`,
			wantProps:  `{"properties": {}}`,
			wantSecret: []string{"properties.value"},
		},
		{
			name:       "output value marked secret",
			typ:        "t:m:R",
			props:      `{"a": {"4dabf18193072939515e22adb298388d": "d0e6a833031e9bbcd3f4e8bde6ca49a4", "value": "v", "secret": true}}`,
			wantProps:  `{}`,
			wantSecret: []string{"a"},
		},
		{
			name:        "output value without a value is unknown",
			typ:         "t:m:R",
			props:       `{"a": {"4dabf18193072939515e22adb298388d": "d0e6a833031e9bbcd3f4e8bde6ca49a4", "dependencies": []}}`,
			wantProps:   `{}`,
			wantUnknown: []string{"a"},
		},
		{
			name:        "known output value is unwrapped and cleaned",
			typ:         "t:m:R",
			props:       `{"a": {"4dabf18193072939515e22adb298388d": "d0e6a833031e9bbcd3f4e8bde6ca49a4", "value": {"x": "04da6b54-80e4-46f7-96ec-b56ff0331ba9", "y": 1}}}`,
			wantProps:   `{"a": {"y": 1}}`,
			wantUnknown: []string{"a.x"},
		},
		{
			name:          "plain Key Vault secret value",
			typ:           "azure-native:keyvault:Secret",
			props:         `{"secretName": "db", "properties": {"value": "not-a-secret", "contentType": "text/plain"}}`,
			wantProps:     `{"secretName": "db", "properties": {"contentType": "text/plain"}}`,
			wantPlaintext: []string{"properties.value"},
		},
		{
			name:      "value on another type stays",
			typ:       "azure-native:keyvault:Key",
			props:     `{"properties": {"value": "kept"}}`,
			wantProps: `{"properties": {"value": "kept"}}`,
		},
		{
			name:      "null Key Vault secret value is not plaintext",
			typ:       "azure-native:keyvault:Secret",
			props:     `{"properties": {"value": null}}`,
			wantProps: `{"properties": {"value": null}}`,
		},
		{
			name:       "a signature Pulumi does not write is a secret",
			typ:        "azure-native:keyvault:Vault",
			props:      `{"vaultName": {"4dabf18193072939515e22adb298388d": "wrong", "plaintext": "\"p\""}, "tags": {"4dabf18193072939515e22adb298388d": 7}}`,
			wantProps:  `{}`,
			wantSecret: []string{"tags", "vaultName"},
		},
		{
			name:      "asset signature object is an ordinary object",
			typ:       "t:m:R",
			props:     `{"code": {"4dabf18193072939515e22adb298388d": "c44067f5952c0a294b673a41bacd8c17", "path": "a.zip"}}`,
			wantProps: `{"code": {"4dabf18193072939515e22adb298388d": "c44067f5952c0a294b673a41bacd8c17", "path": "a.zip"}}`,
		},
		{
			name:        "paths come out sorted",
			typ:         "t:m:R",
			props:       `{"z": "04da6b54-80e4-46f7-96ec-b56ff0331ba9", "a": "04da6b54-80e4-46f7-96ec-b56ff0331ba9", "m": {"b": "[secret]", "a": "[secret]"}}`,
			wantProps:   `{"m": {}}`,
			wantUnknown: []string{"a", "z"},
			wantSecret:  []string{"m.a", "m.b"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Normalize(tt.typ, mustJSON(t, tt.props))
			assert.Equal(t, mustJSON(t, tt.wantProps), got.Properties, "properties")
			assert.Equal(t, orEmpty(tt.wantUnknown), got.Unknown, "unknown")
			assert.Equal(t, orEmpty(tt.wantSecret), got.Secret, "secret")
			assert.Equal(t, tt.wantPlaintext, got.Plaintext, "plaintext")
		})
	}
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func TestNormalizeNilPropertiesGiveEmptyMap(t *testing.T) {
	got := Normalize("t:m:R", nil)
	require.NotNil(t, got.Properties)
	assert.Empty(t, got.Properties)
	b, err := json.Marshal(got.Properties)
	require.NoError(t, err)
	assert.Equal(t, "{}", string(b), "got %s, want {}", b)
}

func TestNormalizeLeavesInputAlone(t *testing.T) {
	in := mustJSON(t, `{"properties": {"value": "plain", "networkAcls": "04da6b54-80e4-46f7-96ec-b56ff0331ba9"}}`)
	before, err := json.Marshal(in)
	require.NoError(t, err)
	Normalize("azure-native:keyvault:Secret", in)
	after, err := json.Marshal(in)
	require.NoError(t, err)
	assert.JSONEq(t, string(before), string(after))
}

func TestOverlay(t *testing.T) {
	tests := []struct {
		name    string
		inputs  string
		outputs string
		want    string
	}{
		{
			name:    "known output adds and overrides",
			inputs:  `{"properties": {"sku": {"name": "standard"}}}`,
			outputs: `{"properties": {"sku": {"name": "premium"}, "vaultUri": "https://kv.vault.azure.net/"}}`,
			want:    `{"properties": {"sku": {"name": "premium"}, "vaultUri": "https://kv.vault.azure.net/"}}`,
		},
		{
			name:    "unknown output keeps the known input",
			inputs:  `{"tenantId": "t"}`,
			outputs: `{"tenantId": "04da6b54-80e4-46f7-96ec-b56ff0331ba9"}`,
			want:    `{"tenantId": "t"}`,
		},
		{
			name:    "unknown output with no input stays unknown",
			inputs:  `{}`,
			outputs: `{"id": "04da6b54-80e4-46f7-96ec-b56ff0331ba9"}`,
			want:    `{"id": "04da6b54-80e4-46f7-96ec-b56ff0331ba9"}`,
		},
		{
			name:    "null output keeps the input",
			inputs:  `{"a": 1}`,
			outputs: `{"a": null}`,
			want:    `{"a": 1}`,
		},
		{
			name:    "secret output wins over a plain input",
			inputs:  `{"v": "plain"}`,
			outputs: `{"v": "[secret]"}`,
			want:    `{"v": "[secret]"}`,
		},
		{
			name:    "secret input wins over a plain output",
			inputs:  `{"v": {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "ciphertext": "c"}}`,
			outputs: `{"v": "plain"}`,
			want:    `{"v": {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "ciphertext": "c"}}`,
		},
		{
			name:    "arrays of the same length merge element by element",
			inputs:  `{"a": [{"x": 1}, {"x": 2}]}`,
			outputs: `{"a": [{"y": 1}, "04da6b54-80e4-46f7-96ec-b56ff0331ba9"]}`,
			want:    `{"a": [{"x": 1, "y": 1}, {"x": 2}]}`,
		},
		{
			name:    "arrays of different length take the output",
			inputs:  `{"a": [1, 2, 3]}`,
			outputs: `{"a": [4]}`,
			want:    `{"a": [4]}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := overlayProps(mustJSON(t, tt.inputs), mustJSON(t, tt.outputs))
			assert.Equal(t, mustJSON(t, tt.want), got)
		})
	}
}

func TestOverlayPropsNil(t *testing.T) {
	tests := []struct {
		name    string
		inputs  map[string]any
		outputs map[string]any
		want    map[string]any
	}{
		{name: "both nil", want: map[string]any{}},
		{name: "inputs only", inputs: map[string]any{"a": 1.0}, want: map[string]any{"a": 1.0}},
		{name: "outputs only", outputs: map[string]any{"b": 2.0}, want: map[string]any{"b": 2.0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := overlayProps(tt.inputs, tt.outputs)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestCanonicalType(t *testing.T) {
	tests := []struct{ in, want string }{
		{in: "azure-native:keyvault/v20230701:Vault", want: "azure-native:keyvault:Vault"},
		{in: "azure-native:authorization/v20220401:RoleAssignment", want: "azure-native:authorization:RoleAssignment"},
		{in: "azure-native:keyvault:Vault", want: "azure-native:keyvault:Vault"},
		{in: "azure:keyvault/keyVault:KeyVault", want: "azure:keyvault/keyVault:KeyVault"},
		{in: "pulumi:pulumi:Stack", want: "pulumi:pulumi:Stack"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			assert.Equal(t, tc.want, CanonicalType(tc.in), "got %q, want %q", CanonicalType(tc.in), tc.want)
		})
	}
}

// TestNormalizeOverlayIsNormalizeOfOverlay checks the one-walk normalizeOverlay against
// Normalize(overlayProps(...)) on random property bags holding every kind of marker.
func TestNormalizeOverlayIsNormalizeOfOverlay(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var value func(depth int) any
	value = func(depth int) any {
		switch n := rng.IntN(14); {
		case n == 0:
			return nil
		case n == 1:
			return model.UnknownSentinel
		case n == 2:
			return model.SecretPlaceholder
		case n == 3:
			return map[string]any{model.SecretSigKey: model.SecretSigValue, "ciphertext": "c"}
		case n == 4:
			ov := map[string]any{model.SecretSigKey: outputValueSig}
			switch rng.IntN(3) {
			case 0:
				ov["value"] = value(depth + 1)
			case 1:
				ov["secret"] = true
				ov["value"] = "v"
			}
			return ov
		case n == 5:
			return float64(rng.IntN(3))
		case n == 6:
			return rng.IntN(2) == 0
		case n < 10 && depth < 4:
			m := map[string]any{}
			for range rng.IntN(4) {
				m[[]string{"a", "b", "c", "", "properties"}[rng.IntN(5)]] = value(depth + 1)
			}
			return m
		case n < 12 && depth < 4:
			a := make([]any, rng.IntN(3))
			for i := range a {
				a[i] = value(depth + 1)
			}
			return a
		}
		return []string{"x", "y"}[rng.IntN(2)]
	}
	bag := func() map[string]any {
		switch rng.IntN(8) {
		case 0:
			return nil
		case 1:
			return wholeBag(map[string]any{model.SecretSigKey: model.SecretSigValue, "ciphertext": "c"})
		}
		m, _ := value(3).(map[string]any)
		if m == nil {
			m = map[string]any{"properties": value(1), "a": value(1)}
		}
		return m
	}
	for i := range 20000 {
		typ := []string{"azure-native:keyvault:Secret", "azure-native:keyvault:Vault"}[i%2]
		inputs, outputs := bag(), bag()
		want := Normalize(typ, overlayProps(inputs, outputs))
		got := normalizeOverlay(typ, inputs, outputs)
		require.Equal(t, want, got, "inputs %#v\noutputs %#v", inputs, outputs)
	}
}
