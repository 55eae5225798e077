package planner

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kvguard/kvguard/infra"
	"github.com/kvguard/kvguard/internal/model"
)

// The planner's tests run the real infra program with the repository's Pulumi.yaml and the
// stack config in testdata/dev.yaml.
const (
	repoRoot     = "../.."
	testConfig   = "testdata/dev.yaml"
	vaultType    = "azure-native:keyvault:Vault"
	secretType   = "azure-native:keyvault:Secret"
	raType       = "azure-native:authorization:RoleAssignment"
	diagType     = "azure-native:insights:DiagnosticSetting"
	identityType = "azure-native:managedidentity:UserAssignedIdentity"
	// planted is a secret value set with --set in the leak tests; it must never be printed.
	planted = "PLANTED-s3cr3t-value-4f9d"
)

var testNow = time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)

func runPlan(t *testing.T, opts Options) *Plan {
	t.Helper()
	if opts.Dir == "" {
		opts.Dir = repoRoot
	}
	if opts.Stack == "" {
		opts.Stack = "dev"
	}
	if opts.StackConfig == "" {
		opts.StackConfig = testConfig
	}
	p, err := Run(context.Background(), opts)
	require.NoError(t, err)
	return p
}

func stepOf(t *testing.T, p *Plan, typ string) Step {
	t.Helper()
	for _, s := range p.Steps {
		if s.Type == typ {
			return s
		}
	}
	require.Failf(t, "step missing", "no step of type %q", typ)
	return Step{}
}

func resourceOf(t *testing.T, doc *model.Document, typ string) model.Resource {
	t.Helper()
	for _, r := range doc.Resources {
		if r.Type == typ {
			return r
		}
	}
	require.Failf(t, "resource missing", "no resource of type %q", typ)
	return model.Resource{}
}

func TestFirstPreviewMirrorsPulumi(t *testing.T) {
	p := runPlan(t, Options{})
	require.NotEmpty(t, p.Steps)
	assert.Equal(t, "pulumi:pulumi:Stack", p.Steps[0].Type, "the stack comes first")
	for _, s := range p.Steps {
		assert.Equal(t, model.OpCreate, s.Op, "%s: got op %q, want create", s.URN, s.Op)
		assert.Empty(t, s.ID, "%s: a resource not created yet has no id", s.URN)
	}
	doc, err := p.Document(testNow)
	require.NoError(t, err)
	assert.Equal(t, model.SourcePlan, doc.Source)
	assert.Equal(t, "2026-12-03T00:00:00Z", doc.Now)
	assert.Equal(t, "dev", doc.Stack)

	tests := []struct {
		name        string
		typ         string
		wantUnknown []string
		wantSecret  []string
		wantDepKey  string
		wantDepType string
	}{
		{name: "diagnostic setting targets the vault by dependency", typ: diagType, wantUnknown: []string{"resourceUri"}, wantDepKey: "resourceUri", wantDepType: vaultType},
		{name: "role assignment principal comes from the identity", typ: raType, wantUnknown: []string{"principalId", "scope"}, wantDepKey: "principalId", wantDepType: identityType},
		{name: "secret value is secret, vault name unknown", typ: secretType, wantUnknown: []string{"vaultName"}, wantSecret: []string{"properties.value"}, wantDepKey: "vaultName", wantDepType: vaultType},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var r model.Resource
			for _, c := range doc.Resources {
				if c.Type == tc.typ && len(c.PropertyDependencies[tc.wantDepKey]) > 0 {
					r = c
				}
			}
			require.NotEmpty(t, r.URN, "no %s with a %q dependency", tc.typ, tc.wantDepKey)
			for _, u := range tc.wantUnknown {
				assert.Contains(t, r.Unknown, u, "got unknown %v, want %q in it", r.Unknown, u)
			}
			for _, s := range tc.wantSecret {
				assert.Contains(t, r.Secret, s, "got secret %v, want %q in it", r.Secret, s)
			}
			dep := resource.URN(r.PropertyDependencies[tc.wantDepKey][0])
			assert.Equal(t, tc.wantDepType, dep.Type().String())
		})
	}
	vault := resourceOf(t, doc, vaultType)
	props, _ := vault.Properties["properties"].(map[string]any)
	require.NotNil(t, props, "vault properties missing")
	assert.Equal(t, "Disabled", props["publicNetworkAccess"])
	assert.NotContains(t, props, "vaultUri", "vaultUri is assigned by Azure, unknown at preview")
}

func TestAppliedPlanKnowsAzureOutputs(t *testing.T) {
	p := runPlan(t, Options{Applied: true})
	vault := stepOf(t, p, vaultType)
	assert.True(t, strings.HasPrefix(vault.ID, "/subscriptions/"), "got id %q, want an ARM id", vault.ID)
	props := vault.Outputs["properties"].ObjectValue()
	name := vault.Inputs["vaultName"].StringValue()
	assert.Equal(t, "https://"+name+".vault.azure.net/", props["vaultUri"].StringValue())
	doc, err := p.Document(testNow)
	require.NoError(t, err)
	for _, r := range doc.Resources {
		assert.Empty(t, r.Unknown, "%s: got unknown %v, want none after apply", r.URN, r.Unknown)
	}
}

// decodeStrict decodes data into v with unknown fields disallowed, as the shared samples must.
func decodeStrict(t *testing.T, data []byte, v any) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	require.NoError(t, dec.Decode(v))
}

// previewDigest is pulumi's display.PreviewDigest with the SDK's ResourceV3 for states.
type previewDigest struct {
	Config map[string]string `json:"config"`
	Steps  []struct {
		Op             string                          `json:"op"`
		URN            string                          `json:"urn"`
		Provider       string                          `json:"provider"`
		OldState       *apitype.ResourceV3             `json:"oldState"`
		NewState       *apitype.ResourceV3             `json:"newState"`
		DiffReasons    []string                        `json:"diffReasons"`
		ReplaceReasons []string                        `json:"replaceReasons"`
		DetailedDiff   map[string]apitype.PropertyDiff `json:"detailedDiff"`
	} `json:"steps"`
	Duration      int64          `json:"duration"`
	ChangeSummary map[string]int `json:"changeSummary"`
}

func TestPreviewJSONHasPulumisShape(t *testing.T) {
	p := runPlan(t, Options{})
	data, err := p.PreviewJSON()
	require.NoError(t, err)

	sample, err := os.ReadFile("../../tests/testdata/samples/preview-dev.json")
	require.NoError(t, err)
	var s previewDigest
	decodeStrict(t, sample, &s) // the decoder itself matches the shared sample
	var got previewDigest
	decodeStrict(t, data, &got)
	require.Len(t, got.Steps, len(p.Steps))
	assert.Equal(t, len(p.Steps), got.ChangeSummary[model.OpCreate])
	assert.Equal(t, "[secret]", got.Config["secret-store:secret-db-connection"])
	for _, s := range got.Steps {
		require.NotNil(t, s.NewState, "%s: create step without newState", s.URN)
		assert.Empty(t, s.NewState.Outputs, "%s: a first preview has no outputs", s.URN)
		if s.NewState.Custom {
			assert.Contains(t, s.Provider, "pulumi:providers:azure-native::default_", "%s: provider reference", s.URN)
			assert.True(t, strings.HasSuffix(s.Provider, "::"+model.UnknownSentinel), "%s: got provider %q, want an unknown provider id", s.URN, s.Provider)
		}
		if s.NewState.Type == secretType {
			props := s.NewState.Inputs["properties"].(map[string]any)
			assert.Equal(t, "[secret]", props["value"])
			assert.Equal(t, model.UnknownSentinel, s.NewState.Inputs["vaultName"])
		}
	}
	// Every key of a sample step appears in ours (shape, not values).
	var raw struct {
		Steps []map[string]any `json:"steps"`
	}
	require.NoError(t, json.Unmarshal(data, &raw))
	for _, k := range []string{"op", "urn", "newState", "detailedDiff"} {
		assert.Contains(t, raw.Steps[2], k)
	}
}

func TestStateRoundTrip(t *testing.T) {
	applied := runPlan(t, Options{Applied: true})
	export, err := applied.Export(testNow)
	require.NoError(t, err)
	var untyped apitype.UntypedDeployment
	decodeStrict(t, export, &untyped)
	require.Equal(t, 3, untyped.Version)
	var dep apitype.DeploymentV3
	decodeStrict(t, untyped.Deployment, &dep)
	assert.Contains(t, string(export), model.SecretSigValue, "secrets are stored as signature objects")

	state, err := ParseState("state.json", export)
	require.NoError(t, err)

	var vaultName string
	for _, r := range state.Resources {
		if r.Type == vaultType {
			vaultName, _ = r.Inputs["vaultName"].(string)
		}
	}
	require.NotEmpty(t, vaultName)

	tests := []struct {
		name string
		set  []string
		// want maps a resource type to the op its steps must have; types not listed must be same.
		want        map[string]string
		wantReplace map[string][]string
	}{
		{name: "unchanged stack gives only same", want: map[string]string{}},
		{
			name: "new vault name replaces the vault and what hangs on its id",
			set:  []string{"secret-store:vaultName=kv-renamed-01"},
			want: map[string]string{vaultType: model.OpReplace, secretType: model.OpReplace, diagType: model.OpReplace, raType: model.OpReplace},
			wantReplace: map[string][]string{
				vaultType: {"vaultName"}, secretType: {"vaultName"}, diagType: {"resourceUri"},
			},
		},
		{
			name: "extra tag updates in place",
			set:  []string{`secret-store:tags={"cost-center":"42"}`},
			want: map[string]string{
				vaultType: model.OpUpdate, secretType: model.OpUpdate, identityType: model.OpUpdate,
				"azure-native:resources:ResourceGroup": model.OpUpdate, "azure-native:operationalinsights:Workspace": model.OpUpdate,
			},
		},
		{
			name: "dropped application deletes its identity and grant",
			set:  []string{"secret-store:applications=[]"},
			want: map[string]string{identityType: model.OpDelete},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := runPlan(t, Options{State: state, Set: tc.set})
			for _, s := range p.Steps {
				want, ok := tc.want[s.Type]
				if !ok {
					want = model.OpSame
				}
				if s.Type == raType && tc.want[identityType] == model.OpDelete && strings.Contains(s.Name, "orders-api") {
					want = model.OpDelete
				}
				assert.Equal(t, want, s.Op, "%s: got op %q, want %q (diff %v)", s.URN, s.Op, want, s.DiffKeys)
				if keys, ok := tc.wantReplace[s.Type]; ok {
					assert.Equal(t, keys, s.ReplaceKeys, "%s: replace reasons", s.URN)
				}
				if s.Custom && (s.Op == model.OpSame || s.Op == model.OpUpdate) {
					assert.NotEmpty(t, s.ID, "%s: a resource in the state keeps its id", s.URN)
				}
			}
			doc, err := p.Document(testNow)
			require.NoError(t, err)
			if tc.want[vaultType] == model.OpReplace {
				v := resourceOf(t, doc, vaultType)
				assert.Equal(t, []string{"vaultName"}, v.ReplaceReasons)
				assert.Equal(t, vaultName, v.OldProperties["vaultName"], "old inputs kept for change policies")
			}
		})
	}
}

func TestParseStateErrors(t *testing.T) {
	tests := []struct {
		name     string
		data     string
		wantPath string
	}{
		{name: "not JSON", data: "{", wantPath: ""},
		{name: "wrong version", data: `{"version": 2, "deployment": {}}`, wantPath: "version"},
		{name: "a preview", data: `{"steps": [], "changeSummary": {}}`, wantPath: ""},
		{name: "empty", data: " \n", wantPath: ""},
		{name: "no deployment", data: `{"version": 3}`, wantPath: "deployment"},
		{name: "a URN twice", data: `{"version": 3, "deployment": {"manifest": {"time": "2026-01-01T00:00:00Z", "magic": "", "version": ""}, "resources": [{"urn": "urn:pulumi:dev::secret-store::azure-native:resources:ResourceGroup::rg", "custom": true, "type": "azure-native:resources:ResourceGroup"}, {"urn": "urn:pulumi:dev::secret-store::azure-native:resources:ResourceGroup::rg", "custom": true, "type": "azure-native:resources:ResourceGroup"}]}}`, wantPath: "deployment.resources[1].urn"},
		{name: "bad urn", data: `{"version": 3, "deployment": {"manifest": {"time": "2026-01-01T00:00:00Z", "magic": "", "version": ""}, "resources": [{"urn": "nope", "custom": false, "type": "x"}]}}`, wantPath: "deployment.resources[0].urn"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseState("state.json", []byte(tc.data))
			var ie *InputError
			require.True(t, errors.As(err, &ie), "got %v, want *InputError", err)
			assert.Equal(t, "state.json", ie.File)
			assert.Equal(t, tc.wantPath, ie.Path)
		})
	}
}

func TestStateOfAnotherStackIsRejected(t *testing.T) {
	applied := runPlan(t, Options{Applied: true})
	export, err := applied.Export(testNow)
	require.NoError(t, err)
	state, err := ParseState("state.json", export)
	require.NoError(t, err)
	_, err = Run(context.Background(), Options{Dir: repoRoot, Stack: "prod", StackConfig: testConfig, State: state})
	var ie *InputError
	require.True(t, errors.As(err, &ie), "got %v, want *InputError", err)
	assert.Contains(t, ie.Expected, `stack "prod"`)
}

func TestProgramConfigErrorsAreReturned(t *testing.T) {
	_, err := Run(context.Background(), Options{Dir: repoRoot, Stack: "dev", StackConfig: testConfig,
		Set: []string{"secret-store:secrets[0].expires=not-a-date"}})
	var ce *infra.ConfigError
	require.True(t, errors.As(err, &ce), "got %v, want *infra.ConfigError", err)
	assert.True(t, ce.Has("secret-store:secrets[0].expires", "YYYY-MM-DD"), "got %v", ce.Problems)
}

// TestPlanConfigErrorsNameTheFile covers what the planner checks before and around the
// program: misspelt keys, encrypted settings it cannot decrypt, and the program's own rules,
// each an *InputError naming the stack config (and --set when overrides were given).
func TestPlanConfigErrorsNameTheFile(t *testing.T) {
	dir := t.TempDir()
	stack, err := os.ReadFile(testConfig)
	require.NoError(t, err)
	secureOwner := filepath.Join(dir, "Pulumi.dev.yaml")
	require.NoError(t, os.WriteFile(secureOwner, append(stack, []byte("  secret-store:tenantId:\n    secure: v1:ZXhhbXBsZQ==:abc\n")...), 0o600))
	tests := []struct {
		name       string
		config     string
		set        []string
		wantFile   string
		wantPath   string
		wantInErr  string
		wantConfig bool // the cause is an *infra.ConfigError
	}{
		{name: "misspelt key by --set", config: testConfig, set: []string{"secret-store:logRetentionDay=10"},
			wantFile: testConfig + " (with --set)", wantPath: "config", wantInErr: `"secret-store:logRetentionDay": is not a known config key`, wantConfig: true},
		{name: "encrypted setting", config: secureOwner,
			wantFile: secureOwner, wantPath: "config.secret-store:tenantId", wantInErr: "never decrypts"},
		{name: "program rule", config: testConfig, set: []string{"secret-store:logRetentionDays=5"},
			wantFile: testConfig + " (with --set)", wantPath: "config", wantInErr: "between 30 and 730 days", wantConfig: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Run(context.Background(), Options{Dir: repoRoot, Stack: "dev", StackConfig: tc.config, Set: tc.set})
			var ie *InputError
			require.True(t, errors.As(err, &ie), "got %v, want *InputError", err)
			assert.Equal(t, tc.wantFile, ie.File)
			assert.Equal(t, tc.wantPath, ie.Path)
			assert.Contains(t, err.Error(), tc.wantInErr)
			var ce *infra.ConfigError
			assert.Equal(t, tc.wantConfig, errors.As(err, &ce), "got cause %v", errors.Unwrap(err))
			assert.NotContains(t, err.Error(), "error occurred", "Pulumi's multierror wrapping leaks through")
		})
	}
}

// A misspelt key does not hide the values' problems: one run lists them all.
func TestPlanConfigProblemsAreReportedTogether(t *testing.T) {
	_, err := Run(context.Background(), Options{Dir: repoRoot, Stack: "dev", StackConfig: testConfig,
		Set: []string{"secret-store:logRetentionDay=10", "secret-store:logRetentionDays=5", "secret-store:secret-orphan=x"}})
	var ce *infra.ConfigError
	require.True(t, errors.As(err, &ce), "got %v, want *infra.ConfigError", err)
	assert.True(t, ce.Has("secret-store:logRetentionDay", "is not a known config key"), "got %v", ce.Problems)
	assert.True(t, ce.Has("secret-store:logRetentionDays", "between 30 and 730 days"), "got %v", ce.Problems)
	assert.True(t, ce.Has("secret-store:secret-orphan", "no secret named"), "got %v", ce.Problems)
}

func TestPlantedSecretNeverLeaves(t *testing.T) {
	for _, applied := range []bool{false, true} {
		t.Run(map[bool]string{false: "preview", true: "applied"}[applied], func(t *testing.T) {
			p := runPlan(t, Options{Applied: applied, Set: []string{"secret-store:secret-db-connection=" + planted}})
			outputs := planOutputs(t, p, applied)
			for i, out := range outputs {
				assert.NotContains(t, string(out), planted, "output %d leaks the planted secret", i)
				assert.NotContains(t, string(out), "CIPHERTEXT-MARKER", "output %d leaks the secure value", i)
			}
			// The planted value did reach the program, as a secret.
			sec := stepOf(t, p, secretType)
			v := sec.Inputs["properties"].ObjectValue()["value"]
			assert.True(t, isSecret(v), "got a non-secret secret value")
		})
	}
}

func TestDiffInputs(t *testing.T) {
	secret := resource.MakeSecret(resource.NewProperty("whatever"))
	sig := map[string]any{model.SecretSigKey: model.SecretSigValue, "ciphertext": "x"}
	tests := []struct {
		name        string
		typ         string
		old         map[string]any
		plaintext   []string
		inputs      resource.PropertyMap
		wantDiff    []string
		wantReplace []string
	}{
		{name: "equal", typ: vaultType, old: map[string]any{"vaultName": "a", "n": 1.0}, inputs: resource.PropertyMap{"vaultName": resource.NewProperty("a"), "n": resource.NewProperty(1.0)}},
		{name: "replace key", typ: vaultType, old: map[string]any{"vaultName": "a"}, inputs: resource.PropertyMap{"vaultName": resource.NewProperty("b")}, wantDiff: []string{"vaultName"}, wantReplace: []string{"vaultName"}},
		{name: "update key", typ: vaultType, old: map[string]any{"tags": map[string]any{"a": "1"}}, inputs: resource.PropertyMap{"tags": resource.NewProperty(resource.PropertyMap{"a": resource.NewProperty("2")})}, wantDiff: []string{"tags"}},
		{name: "secrets compare equal", typ: secretType, old: map[string]any{"properties": map[string]any{"value": sig}}, inputs: resource.PropertyMap{"properties": resource.NewProperty(resource.PropertyMap{"value": secret})}},
		{name: "plaintext in the state counts as changed", typ: secretType, old: map[string]any{"properties": map[string]any{"value": map[string]any{model.SecretSigKey: model.SecretSigValue}}},
			plaintext: []string{"properties.value"}, inputs: resource.PropertyMap{"properties": resource.NewProperty(resource.PropertyMap{"value": secret})}, wantDiff: []string{"properties"}},
		{name: "unknown input counts as changed", typ: secretType, old: map[string]any{"vaultName": "kv"}, inputs: resource.PropertyMap{"vaultName": resource.MakeComputed(resource.NewProperty(""))}, wantDiff: []string{"vaultName"}, wantReplace: []string{"vaultName"}},
		{name: "removed input", typ: raType, old: map[string]any{"description": "x"}, inputs: resource.PropertyMap{}, wantDiff: []string{"description"}},
		{name: "type without table only updates", typ: "azure-native:other:Thing", old: map[string]any{"name": "a"}, inputs: resource.PropertyMap{"name": resource.NewProperty("b")}, wantDiff: []string{"name"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			diff, replace := diffInputs(tc.typ, tc.old, tc.plaintext, tc.inputs)
			assert.Equal(t, tc.wantDiff, diff, "diff: got %v, want %v", diff, tc.wantDiff)
			assert.Equal(t, tc.wantReplace, replace, "replace: got %v, want %v", replace, tc.wantReplace)
		})
	}
}

func TestSettingsListing(t *testing.T) {
	p := runPlan(t, Options{})
	var text bytes.Buffer
	require.NoError(t, p.WriteText(&text, RoleNames{"4633458b-17de-408a-b874-0445c86b69e6": "Key Vault Secrets User"}))
	out := text.String()
	for _, s := range p.Steps {
		assert.Contains(t, out, s.Name, "listing misses %s", s.URN)
	}
	for _, want := range []string{
		"public network access: Disabled", "rbac authorization:    true", "expires:               2027-06-01T00:00:00Z",
		"Key Vault Secrets User (4633458b", "scope:                 from store-secret-db-connection (known after apply)",
		"value:                 [secret]", "Changes: " + strings.TrimSpace(strings.Split(out, "Changes: ")[1][:2]),
	} {
		assert.Contains(t, out, want)
	}
	assert.True(t, slices.ContainsFunc(p.Steps, func(s Step) bool { return s.Type == diagType }))
}

// statePlanted is planted in a state in every form a secret takes in an export; it must never
// leave ParseState.
const statePlanted = "PLANTED-state-value-81c3"

func TestStateSecretsAreRedacted(t *testing.T) {
	// A second Key Vault secret, so one holds each form of value.
	base, err := os.ReadFile(testConfig)
	require.NoError(t, err)
	config := filepath.Join(t.TempDir(), "Pulumi.dev.yaml")
	require.NoError(t, os.WriteFile(config, append(base, []byte("  secret-store:secret-api-key:\n    secure: v1:T1BBUVVF\n")...), 0o600))
	twoSecrets := []string{`secret-store:secrets=[{"name":"db-connection","contentType":"text/plain","expires":"2027-06-01"},{"name":"api-key","contentType":"text/plain","expires":"2027-06-01"}]`}
	applied := runPlan(t, Options{Applied: true, Set: twoSecrets, StackConfig: config})
	export, err := applied.Export(testNow)
	require.NoError(t, err)
	var doc map[string]any
	require.NoError(t, json.Unmarshal(export, &doc))
	resources := doc["deployment"].(map[string]any)["resources"].([]any)

	shown := func() any {
		return map[string]any{model.SecretSigKey: model.SecretSigValue, "plaintext": `"` + statePlanted + `"`}
	}
	cipher := func() any {
		return map[string]any{model.SecretSigKey: model.SecretSigValue, "ciphertext": "v1:" + statePlanted}
	}
	// Output values are not what `pulumi stack export` writes, but source reads them; so must we.
	secretOutput := func() any {
		return map[string]any{model.SecretSigKey: resource.OutputValueSig, "secret": true, "value": statePlanted}
	}
	wrapped := func() any { return map[string]any{model.SecretSigKey: resource.OutputValueSig, "value": cipher()} }
	plant := map[string]func(props map[string]any){
		// A plain Key Vault secret value (SEC-005).
		"store-secret-db-connection": func(p map[string]any) { p["properties"].(map[string]any)["value"] = statePlanted },
		// --show-secrets keeps the signature and puts the plaintext beside it.
		"store-secret-api-key": func(p map[string]any) { p["properties"].(map[string]any)["value"] = shown() },
		// Secrets at any depth, in arrays and inside output values.
		"store-vault": func(p map[string]any) {
			p["properties"].(map[string]any)["networkAcls"].(map[string]any)["ipRules"] = []any{map[string]any{"value": cipher()}}
			p["tags"].(map[string]any)["owner"] = wrapped()
		},
		"store-id-orders-api": func(p map[string]any) { p["tags"].(map[string]any)["owner"] = secretOutput() },
	}
	for _, x := range resources {
		r := x.(map[string]any)
		urn := r["urn"].(string)
		if f, ok := plant[urn[strings.LastIndex(urn, "::")+2:]]; ok {
			f(r["inputs"].(map[string]any))
			f(r["outputs"].(map[string]any))
		}
	}
	data, err := json.Marshal(doc)
	require.NoError(t, err)
	require.Equal(t, 10, strings.Count(string(data), statePlanted))

	state, err := ParseState("state.json", data)
	require.NoError(t, err)
	kept, err := json.Marshal(state.Resources)
	require.NoError(t, err)
	assert.NotContains(t, string(kept), statePlanted, "the parsed state keeps a secret's value")
	for _, r := range state.Resources {
		if strings.HasSuffix(r.URN, "::store-secret-db-connection") {
			assert.Equal(t, []string{"properties.value"}, r.PlaintextInputs)
			assert.Equal(t, map[string]any{model.SecretSigKey: model.SecretSigValue, "ciphertext": ""}, r.Inputs["properties"].(map[string]any)["value"])
			assert.True(t, isSecret(r.OutputProps()["properties"].ObjectValue()["value"]), "a plain secret value reads as a secret")
		} else {
			assert.Empty(t, r.PlaintextInputs, "%s", r.URN)
		}
	}

	for _, set := range [][]string{twoSecrets, {"secret-store:applications=[]", "secret-store:secrets=[]", "secret-store:secret-db-connection=", "secret-store:secret-api-key="}} {
		for _, applied := range []bool{false, true} {
			p := runPlan(t, Options{State: state, Set: set, Applied: applied, StackConfig: config})
			outputs := planOutputs(t, p, applied)
			for i, out := range outputs {
				assert.NotContains(t, string(out), statePlanted, "set %v, applied %v: output %d leaks a secret of the state", set, applied, i)
			}
			ops := map[string]string{}
			for _, s := range p.Steps {
				ops[s.Name] = s.Op
			}
			if len(set) == len(twoSecrets) {
				assert.Equal(t, model.OpUpdate, ops["store-secret-db-connection"], "a value the state holds in plain text is a change")
				assert.Equal(t, model.OpSame, ops["store-secret-api-key"], "a secret compares equal to a secret")
			} else {
				assert.Equal(t, model.OpDelete, ops["store-secret-db-connection"])
				text := outputs[len(outputs)-1] // planOutputs ends with the text listing
				assert.Contains(t, string(text), "value:                 [secret]", "deleted secrets show their value as a secret")
			}
		}
	}
}

// planOutputs is everything a plan writes: the preview JSON, the export (applied plans), the
// document the policies read and the text listing.
func planOutputs(t *testing.T, p *Plan, applied bool) [][]byte {
	t.Helper()
	var outputs [][]byte
	preview, err := p.PreviewJSON()
	require.NoError(t, err)
	outputs = append(outputs, preview)
	if applied {
		export, err := p.Export(testNow)
		require.NoError(t, err)
		outputs = append(outputs, export)
	}
	doc, err := p.Document(testNow)
	require.NoError(t, err)
	docJSON, err := json.Marshal(doc)
	require.NoError(t, err)
	outputs = append(outputs, docJSON)
	var text bytes.Buffer
	require.NoError(t, p.WriteText(&text, nil))
	return append(outputs, text.Bytes())
}
