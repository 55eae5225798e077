package analyzer

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"github.com/kvguard/kvguard/internal/engine"
	"github.com/kvguard/kvguard/internal/source"
	"github.com/kvguard/kvguard/policies"
)

const (
	vaultSuffix   = "azure-native:keyvault:Vault::vault"
	settingSuffix = "azure-native:insights:DiagnosticSetting::vault-audit"
	secretSuffix  = "azure-native:keyvault:Secret::db-connection"
	assignSuffix  = "azure-native:authorization:RoleAssignment::orders-api-db-connection-reader"
)

// vaultProps returns the vault's inputs and outputs `properties` objects, to edit both.
func vaultProps(t *testing.T, rs []apitype.ResourceV3) []map[string]any {
	t.Helper()
	v := findResource(t, rs, vaultSuffix)
	in, ok := v.Inputs["properties"].(map[string]any)
	require.True(t, ok, "vault inputs.properties")
	out, ok := v.Outputs["properties"].(map[string]any)
	require.True(t, ok, "vault outputs.properties")
	return []map[string]any{in, out}
}

// withoutPurgeProtection removes purge protection from the vault.
func withoutPurgeProtection(t *testing.T, rs []apitype.ResourceV3) {
	for _, p := range vaultProps(t, rs) {
		delete(p, "enablePurgeProtection")
	}
}

// publicVault opens the vault to public networks.
func publicVault(t *testing.T, rs []apitype.ResourceV3) {
	for _, p := range vaultProps(t, rs) {
		p["publicNetworkAccess"] = "Enabled"
		delete(p, "networkAcls")
	}
}

// toStack moves every URN of the export to another stack.
func toStack(t *testing.T, rs []apitype.ResourceV3, stack string) []apitype.ResourceV3 {
	t.Helper()
	b, err := json.Marshal(rs)
	require.NoError(t, err)
	b = []byte(strings.ReplaceAll(string(b), "urn:pulumi:dev::", "urn:pulumi:"+stack+"::"))
	var out []apitype.ResourceV3
	require.NoError(t, json.Unmarshal(b, &out))
	return out
}

// pulumiConfig builds the ConfigureAnalyzerRequest the Pulumi CLI sends: every policy at the
// level GetAnalyzerInfo advertised, then the --policy-pack-config entries applied on top.
func pulumiConfig(t *testing.T, c pulumirpc.AnalyzerClient, entries map[string]*pulumirpc.PolicyConfig) *pulumirpc.ConfigureAnalyzerRequest {
	t.Helper()
	info, err := c.GetAnalyzerInfo(context.Background(), &emptypb.Empty{})
	require.NoError(t, err)
	req := &pulumirpc.ConfigureAnalyzerRequest{PolicyConfig: map[string]*pulumirpc.PolicyConfig{}}
	for _, p := range info.GetPolicies() {
		req.PolicyConfig[p.GetName()] = &pulumirpc.PolicyConfig{EnforcementLevel: p.GetEnforcementLevel()}
	}
	for k, v := range entries {
		req.PolicyConfig[k] = v
	}
	return req
}

func settings(t *testing.T, m map[string]any) *structpb.Struct {
	t.Helper()
	s, err := structpb.NewStruct(m)
	require.NoError(t, err)
	return s
}

func TestGetAnalyzerInfo(t *testing.T) {
	c, srv := startServer(t, Options{})
	info, err := c.GetAnalyzerInfo(context.Background(), &emptypb.Empty{})
	require.NoError(t, err)
	assert.Equal(t, PackName, info.GetName())
	assert.Equal(t, "1.2.3", info.GetVersion())
	assert.True(t, info.GetSupportsConfig(), "got SupportsConfig false, want true")

	catalogue := srv.Engine().Policies()
	require.NotEmpty(t, catalogue)
	require.Len(t, info.GetPolicies(), len(catalogue), "got %d policies, want the whole catalogue (%d)", len(info.GetPolicies()), len(catalogue))
	byName := map[string]*pulumirpc.PolicyInfo{}
	for _, p := range info.GetPolicies() {
		byName[p.GetName()] = p
		assert.NotEmpty(t, p.GetDisplayName(), "%s display name", p.GetName())
		assert.NotEmpty(t, p.GetDescription(), "%s description", p.GetName())
		assert.NotEqual(t, pulumirpc.PolicySeverity_POLICY_SEVERITY_UNSPECIFIED, p.GetSeverity(), "%s severity", p.GetName())
	}
	for _, p := range catalogue {
		got, ok := byName[p.ID]
		require.True(t, ok, "policy %s missing from GetAnalyzerInfo", p.ID)
		assert.Equal(t, p.Title, got.GetDisplayName(), "%s display name", p.ID)
		assert.Equal(t, rpcLevel(engine.LevelFor(p, engine.ProfileDev, engine.PackConfig{})), got.GetEnforcementLevel(), "%s level", p.ID)
		wantType := pulumirpc.PolicyType_POLICY_TYPE_RESOURCE
		if p.Relational {
			wantType = pulumirpc.PolicyType_POLICY_TYPE_STACK
		}
		assert.Equal(t, wantType, got.GetPolicyType(), "%s policy type", p.ID)
		assert.Equal(t, len(p.Config) > 0, got.GetConfigSchema() != nil, "%s has a config schema", p.ID)
		for name := range p.Config {
			prop := got.GetConfigSchema().GetProperties().GetFields()[name].GetStructValue().AsMap()
			assert.NotContains(t, prop, "default", "%s.%s: schema defaults would mask the prod profile", p.ID, name)
			assert.Equal(t, p.Config[name]["type"], prop["type"], "%s.%s type", p.ID, name)
		}
	}
	for _, id := range []string{"DIAG-001", "RBAC-006", "DIAG-005"} {
		assert.Equal(t, pulumirpc.PolicyType_POLICY_TYPE_STACK, byName[id].GetPolicyType(), "%s policy type", id)
	}

	pi, err := c.GetPluginInfo(context.Background(), &emptypb.Empty{})
	require.NoError(t, err)
	assert.Equal(t, "1.2.3", pi.GetVersion())
}

func TestAnalyze(t *testing.T) {
	tests := []struct {
		name    string
		fixture string
		edit    func(t *testing.T, rs []apitype.ResourceV3)
		target  string
		want    []diag // policy and level; URN is the target's
	}{
		{name: "compliant vault", fixture: "export-clean-dev.json", target: vaultSuffix},
		{
			name: "no purge protection", fixture: "export-clean-dev.json", target: vaultSuffix,
			edit: withoutPurgeProtection,
			want: []diag{{Policy: "KV-002", Level: pulumirpc.EnforcementLevel_MANDATORY}},
		},
		{
			name: "public vault in dev is advisory", fixture: "export-clean-dev.json", target: vaultSuffix,
			edit: publicVault,
			want: []diag{{Policy: "KV-004", Level: pulumirpc.EnforcementLevel_ADVISORY}},
		},
		{
			// Alone in the request, the vault has no diagnostic setting; DIAG-001 must wait for
			// AnalyzeStack instead of failing here.
			name: "relational policies wait for the stack", fixture: "export-clean-dev.json", target: vaultSuffix,
		},
		{
			name: "plaintext secret value", fixture: "export-plaintext-secret.json", target: secretSuffix,
			want: []diag{{Policy: "SEC-005", Level: pulumirpc.EnforcementLevel_MANDATORY}},
		},
		{name: "secret kept as a secret", fixture: "export-show-secrets.json", target: secretSuffix},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := startServer(t, Options{})
			rs := deepCopy(t, loadExport(t, fixture(tt.fixture)))
			if tt.edit != nil {
				tt.edit(t, rs)
			}
			r := findResource(t, rs, tt.target)
			resp, err := c.Analyze(context.Background(), analyzeRequest(t, *r))
			require.NoError(t, err)
			for i := range tt.want {
				tt.want[i].URN = string(r.URN)
			}
			assert.ElementsMatch(t, tt.want, diags(resp), "got %v, want %v", diags(resp), tt.want)
			assert.NotContains(t, wire(t, resp), planted)
		})
	}
}

// A secret stays unreadable after the update, so its diagnostic must not promise a re-check.
func TestAnalyzeSecretIsNotPromisedARecheck(t *testing.T) {
	c, _ := startServer(t, Options{})
	rs := deepCopy(t, loadExport(t, fixture("export-clean-dev.json")))
	vault := findResource(t, rs, vaultSuffix)
	vault.Inputs["properties"].(map[string]any)["tenantId"] = map[string]any{"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "ciphertext": "v1:AAAA"}

	resp, err := c.Analyze(context.Background(), analyzeRequest(t, *vault))
	require.NoError(t, err)
	d := findDiag(resp, "KV-006", string(vault.URN))
	require.NotNil(t, d, "got %v, want an unverifiable KV-006", diags(resp))
	assert.Equal(t, pulumirpc.EnforcementLevel_ADVISORY, d.GetEnforcementLevel())
	assert.Contains(t, d.GetMessage(), "'properties.tenantId' is kept as a Pulumi secret")
	assert.NotContains(t, d.GetMessage(), "again")
	assert.NotContains(t, wire(t, resp), planted)
}

func TestAnalyzeUnknownIsAdvisoryAndCheckedAgain(t *testing.T) {
	c, _ := startServer(t, Options{})
	rs := deepCopy(t, loadExport(t, fixture("export-clean-dev.json")))
	vault := findResource(t, rs, vaultSuffix)
	vault.Inputs["properties"].(map[string]any)["enablePurgeProtection"] = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"

	resp, err := c.Analyze(context.Background(), analyzeRequest(t, *vault))
	require.NoError(t, err)
	d := findDiag(resp, "KV-002", string(vault.URN))
	require.NotNil(t, d, "got %v, want an unverifiable KV-002", diags(resp))
	assert.Equal(t, pulumirpc.EnforcementLevel_ADVISORY, d.GetEnforcementLevel())
	assert.Contains(t, d.GetMessage(), "properties.enablePurgeProtection")
	assert.Contains(t, d.GetMessage(), "runs this policy again")
	for _, x := range resp.GetDiagnostics() {
		assert.NotEqual(t, pulumirpc.EnforcementLevel_MANDATORY, x.GetEnforcementLevel(), "%s: an unknown value must never block", x.GetPolicyName())
	}

	// After the update the output is known and false: AnalyzeStack reports it at its level.
	vault.Outputs["properties"].(map[string]any)["enablePurgeProtection"] = false
	stack, err := c.AnalyzeStack(context.Background(), stackRequest(t, rs))
	require.NoError(t, err)
	d = findDiag(stack, "KV-002", string(vault.URN))
	require.NotNil(t, d, "got %v, want KV-002 from AnalyzeStack", diags(stack))
	assert.Equal(t, pulumirpc.EnforcementLevel_MANDATORY, d.GetEnforcementLevel())
}

func TestAnalyzeStack(t *testing.T) {
	tests := []struct {
		name string
		edit func(t *testing.T, rs []apitype.ResourceV3) []apitype.ResourceV3
		want []diag // mandatory diagnostics: policy and URN suffix
	}{
		{name: "compliant stack"},
		{
			name: "vault without audit logs",
			edit: func(t *testing.T, rs []apitype.ResourceV3) []apitype.ResourceV3 {
				var out []apitype.ResourceV3
				for _, r := range rs {
					if !strings.HasSuffix(string(r.URN), settingSuffix) {
						out = append(out, r)
					}
				}
				return out
			},
			want: []diag{{Policy: "DIAG-001", URN: vaultSuffix}},
		},
		{
			name: "duplicate role assignment",
			edit: func(t *testing.T, rs []apitype.ResourceV3) []apitype.ResourceV3 {
				dup := deepCopy(t, []apitype.ResourceV3{*findResource(t, rs, assignSuffix)})[0]
				dup.URN = dup.URN + "-again"
				return append(rs, dup)
			},
			want: []diag{{Policy: "RBAC-006", URN: assignSuffix}, {Policy: "RBAC-006", URN: assignSuffix + "-again"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := startServer(t, Options{})
			rs := deepCopy(t, loadExport(t, fixture("export-clean-dev.json")))
			if tt.edit != nil {
				rs = tt.edit(t, rs)
			}
			resp, err := c.AnalyzeStack(context.Background(), stackRequest(t, rs))
			require.NoError(t, err)
			var got []diag
			for _, d := range resp.GetDiagnostics() {
				if d.GetEnforcementLevel() == pulumirpc.EnforcementLevel_MANDATORY {
					got = append(got, d2suffix(t, rs, d))
				}
			}
			assert.ElementsMatch(t, tt.want, got, "got %v, want %v", got, tt.want)
		})
	}
}

// d2suffix reduces a mandatory diagnostic to its policy and the URN's type::name suffix.
func d2suffix(t *testing.T, rs []apitype.ResourceV3, d *pulumirpc.AnalyzeDiagnostic) diag {
	t.Helper()
	urn := d.GetUrn()
	if i := strings.Index(urn, "azure-native:"); i >= 0 {
		urn = urn[i:]
	}
	return diag{Policy: d.GetPolicyName(), URN: urn}
}

func TestAnalyzeStackDoesNotRepeatAnalyzeFindings(t *testing.T) {
	tests := []struct {
		name          string
		analyzeFirst  bool
		wantFromStack bool
	}{
		{name: "reported by Analyze already", analyzeFirst: true, wantFromStack: false},
		{name: "not analyzed before", analyzeFirst: false, wantFromStack: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := startServer(t, Options{})
			rs := deepCopy(t, loadExport(t, fixture("export-clean-dev.json")))
			withoutPurgeProtection(t, rs)
			vault := findResource(t, rs, vaultSuffix)
			if tt.analyzeFirst {
				resp, err := c.Analyze(context.Background(), analyzeRequest(t, *vault))
				require.NoError(t, err)
				require.NotNil(t, findDiag(resp, "KV-002", string(vault.URN)), "precondition: Analyze reports KV-002")
			}
			resp, err := c.AnalyzeStack(context.Background(), stackRequest(t, rs))
			require.NoError(t, err)
			got := findDiag(resp, "KV-002", string(vault.URN)) != nil
			assert.Equal(t, tt.wantFromStack, got, "got KV-002 from AnalyzeStack %v, want %v", got, tt.wantFromStack)
		})
	}
}

func TestStackProfile(t *testing.T) {
	tests := []struct {
		name           string
		configureStack string // "" means Pulumi did not call ConfigureStack (policy analyze)
		config         map[string]string
		secretKeys     []string
		urnStack       string
		want           pulumirpc.EnforcementLevel
	}{
		{name: "environment prod in the stack config raises eu-west", configureStack: "eu-west", urnStack: "eu-west",
			config: map[string]string{"secret-store:environment": "prod"}, want: pulumirpc.EnforcementLevel_MANDATORY},
		{name: "a secret environment counts as prod", configureStack: "eu-west", urnStack: "eu-west",
			config: map[string]string{"secret-store:environment": "dev"}, secretKeys: []string{"secret-store:environment"}, want: pulumirpc.EnforcementLevel_MANDATORY},
		{name: "environment dev does not lower a prod stack", configureStack: "prod", urnStack: "prod",
			config: map[string]string{"secret-store:environment": "dev"}, want: pulumirpc.EnforcementLevel_MANDATORY},
		{name: "another project's environment is not this one's", configureStack: "eu-west", urnStack: "eu-west",
			config: map[string]string{"other:environment": "prod"}, want: pulumirpc.EnforcementLevel_ADVISORY},
		{name: "dev stack from ConfigureStack", configureStack: "dev", urnStack: "dev", want: pulumirpc.EnforcementLevel_ADVISORY},
		{name: "prod stack from ConfigureStack", configureStack: "prod", urnStack: "dev", want: pulumirpc.EnforcementLevel_MANDATORY},
		{name: "org-qualified prod stack", configureStack: "acme/secret-store/production", urnStack: "dev", want: pulumirpc.EnforcementLevel_MANDATORY},
		{name: "prod stack from the URNs", urnStack: "prod", want: pulumirpc.EnforcementLevel_MANDATORY},
		{name: "dev stack from the URNs", urnStack: "dev", want: pulumirpc.EnforcementLevel_ADVISORY},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := startServer(t, Options{})
			ctx := context.Background()
			if tt.configureStack != "" {
				_, err := c.ConfigureStack(ctx, &pulumirpc.AnalyzerStackConfigureRequest{Stack: tt.configureStack, Project: "secret-store",
					Config: tt.config, ConfigSecretKeys: tt.secretKeys})
				require.NoError(t, err)
			}
			// Pulumi's order: GetAnalyzerInfo, then Configure with every advertised level.
			_, err := c.Configure(ctx, pulumiConfig(t, c, nil))
			require.NoError(t, err)
			rs := toStack(t, deepCopy(t, loadExport(t, fixture("export-clean-dev.json"))), tt.urnStack)
			publicVault(t, rs)
			vault := findResource(t, rs, vaultSuffix)
			resp, err := c.Analyze(ctx, analyzeRequest(t, *vault))
			require.NoError(t, err)
			d := findDiag(resp, "KV-004", string(vault.URN))
			require.NotNil(t, d, "got %v, want KV-004", diags(resp))
			assert.Equal(t, tt.want, d.GetEnforcementLevel())
		})
	}
}

func TestConfigure(t *testing.T) {
	tests := []struct {
		name     string
		entries  map[string]*pulumirpc.PolicyConfig
		wantCode codes.Code // OK when the config is valid
		wantErr  string
		edit     func(t *testing.T, rs []apitype.ResourceV3)
		target   string
		want     []diag
	}{
		{
			name:    "level raised for one policy",
			entries: map[string]*pulumirpc.PolicyConfig{"KV-004": {EnforcementLevel: pulumirpc.EnforcementLevel_MANDATORY}},
			edit:    publicVault, target: vaultSuffix,
			want: []diag{{Policy: "KV-004", Level: pulumirpc.EnforcementLevel_MANDATORY}},
		},
		{
			name:    "policy disabled",
			entries: map[string]*pulumirpc.PolicyConfig{"KV-002": {EnforcementLevel: pulumirpc.EnforcementLevel_DISABLED}},
			edit:    withoutPurgeProtection, target: vaultSuffix,
		},
		{
			name: "all lowered, one kept mandatory",
			entries: map[string]*pulumirpc.PolicyConfig{
				"all":    {EnforcementLevel: pulumirpc.EnforcementLevel_ADVISORY},
				"KV-002": {EnforcementLevel: pulumirpc.EnforcementLevel_MANDATORY},
				"KV-004": {EnforcementLevel: pulumirpc.EnforcementLevel_ADVISORY},
			},
			edit: func(t *testing.T, rs []apitype.ResourceV3) { withoutPurgeProtection(t, rs); publicVault(t, rs) },
			// Pulumi applies "all" and then the file's entries to every policy before Configure.
			target: vaultSuffix,
			want: []diag{
				{Policy: "KV-002", Level: pulumirpc.EnforcementLevel_MANDATORY},
				{Policy: "KV-004", Level: pulumirpc.EnforcementLevel_ADVISORY},
			},
		},
		{
			name: "setting tightened",
			entries: map[string]*pulumirpc.PolicyConfig{"SEC-002": {
				EnforcementLevel: pulumirpc.EnforcementLevel_MANDATORY,
				Properties:       settings(t, map[string]any{"maxValidityDays": 30}),
			}},
			target: secretSuffix,
			want:   []diag{{Policy: "SEC-002", Level: pulumirpc.EnforcementLevel_MANDATORY}},
		},
		{
			name:     "unknown policy id",
			entries:  map[string]*pulumirpc.PolicyConfig{"KV-999": {EnforcementLevel: pulumirpc.EnforcementLevel_MANDATORY}},
			wantCode: codes.InvalidArgument, wantErr: `"KV-999"`,
		},
		{
			name: "unknown setting",
			entries: map[string]*pulumirpc.PolicyConfig{"SEC-002": {
				EnforcementLevel: pulumirpc.EnforcementLevel_MANDATORY,
				Properties:       settings(t, map[string]any{"maxValidityDayz": 30}),
			}},
			wantCode: codes.InvalidArgument, wantErr: `"SEC-002.maxValidityDayz"`,
		},
		{
			name: "setting of the wrong type",
			entries: map[string]*pulumirpc.PolicyConfig{"SEC-002": {
				EnforcementLevel: pulumirpc.EnforcementLevel_MANDATORY,
				Properties:       settings(t, map[string]any{"maxValidityDays": "ninety"}),
			}},
			wantCode: codes.InvalidArgument, wantErr: "an integer",
		},
		{
			name:     "remediate is not a kvguard level",
			entries:  map[string]*pulumirpc.PolicyConfig{"KV-002": {EnforcementLevel: pulumirpc.EnforcementLevel_REMEDIATE}},
			wantCode: codes.InvalidArgument, wantErr: "remediations",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := startServer(t, Options{})
			ctx := context.Background()
			_, err := c.Configure(ctx, pulumiConfig(t, c, tt.entries))
			if tt.wantCode != codes.OK {
				require.Error(t, err, "got no error, want %s", tt.wantCode)
				assert.Equal(t, tt.wantCode, status.Code(err), "got %v", err)
				assert.Contains(t, status.Convert(err).Message(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			rs := deepCopy(t, loadExport(t, fixture("export-clean-dev.json")))
			if tt.edit != nil {
				tt.edit(t, rs)
			}
			r := findResource(t, rs, tt.target)
			resp, err := c.Analyze(ctx, analyzeRequest(t, *r))
			require.NoError(t, err)
			for i := range tt.want {
				tt.want[i].URN = string(r.URN)
			}
			assert.ElementsMatch(t, tt.want, diags(resp), "got %v, want %v", diags(resp), tt.want)
		})
	}
}

func TestExceptions(t *testing.T) {
	tests := []struct {
		name        string
		expires     string
		wantLevel   pulumirpc.EnforcementLevel
		wantMessage string
		wantExpired bool
	}{
		{name: "live exception waives the failure", expires: "2027-01-31", wantLevel: pulumirpc.EnforcementLevel_ADVISORY, wantMessage: "Excepted"},
		{name: "expired exception no longer applies", expires: "2026-01-31", wantLevel: pulumirpc.EnforcementLevel_MANDATORY, wantExpired: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "exceptions.yaml")
			require.NoError(t, os.WriteFile(path, []byte(`exceptions:
  - policy: KV-002
    urns: ["urn:pulumi:dev::secret-store::azure-native:keyvault:Vault::*"]
    reason: "Purge protection lands with the vault migration"
    expires: `+tt.expires+"\n"), 0o600))
			c, _ := startServer(t, Options{ExceptionsFile: path})
			rs := deepCopy(t, loadExport(t, fixture("export-clean-dev.json")))
			withoutPurgeProtection(t, rs)
			vault := findResource(t, rs, vaultSuffix)
			resp, err := c.Analyze(context.Background(), analyzeRequest(t, *vault))
			require.NoError(t, err)
			d := findDiag(resp, "KV-002", string(vault.URN))
			require.NotNil(t, d, "got %v, want KV-002", diags(resp))
			assert.Equal(t, tt.wantLevel, d.GetEnforcementLevel())
			assert.Contains(t, d.GetMessage(), tt.wantMessage)

			stack, err := c.AnalyzeStack(context.Background(), stackRequest(t, rs))
			require.NoError(t, err)
			var expired bool
			for _, x := range stack.GetDiagnostics() {
				if strings.Contains(x.GetMessage(), "expired on "+tt.expires) {
					expired = true
					assert.Equal(t, pulumirpc.EnforcementLevel_ADVISORY, x.GetEnforcementLevel())
				}
			}
			assert.Equal(t, tt.wantExpired, expired, "got expired-exception diagnostic %v, want %v", expired, tt.wantExpired)
		})
	}
}

func TestFailClosed(t *testing.T) {
	badPolicy := fstest.MapFS{"vault/broken.rego": {Data: []byte("package kvguard.vault.broken\n\ndeny contains x if {\n")}}
	missingMeta := fstest.MapFS{"vault/nometa.rego": {Data: []byte("package kvguard.vault.nometa\n\ndeny contains 1 if false\n")}}
	dir := t.TempDir()
	badExceptions := filepath.Join(dir, "exceptions.yaml")
	require.NoError(t, os.WriteFile(badExceptions, []byte("exceptions:\n  - policy: KV-999\n    urns: [\"*\"]\n    reason: r\n    expires: 2030-01-01\n"), 0o600))
	tests := []struct {
		name    string
		env     map[string]string
		fs      fstest.MapFS
		wantErr string
	}{
		{name: "policy that does not parse", fs: badPolicy, wantErr: "load policies"},
		{name: "policy without METADATA", fs: missingMeta, wantErr: "load policies"},
		{name: "missing exceptions file", env: map[string]string{EnvExceptions: filepath.Join(dir, "nope.yaml")}, wantErr: EnvExceptions},
		{name: "exception for an unknown policy", env: map[string]string{EnvExceptions: badExceptions}, wantErr: "exceptions[0].policy"},
		{name: "bad KVGUARD_NOW", env: map[string]string{EnvNow: "yesterday"}, wantErr: EnvNow},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var fsys = policies.FS
			var port strings.Builder
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			var err error
			if tt.fs != nil {
				err = Run(ctx, tt.fs, "1.0.0", func(k string) string { return tt.env[k] }, &port)
			} else {
				err = Run(ctx, fsys, "1.0.0", func(k string) string { return tt.env[k] }, &port)
			}
			require.Error(t, err, "got a running pack, want it to refuse to start")
			assert.Contains(t, err.Error(), tt.wantErr)
			assert.Empty(t, port.String(), "got port %q printed, want none: Pulumi must see the pack fail", port.String())
		})
	}
}

func TestRunServesOnLoopback(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := newPipe()
	done := make(chan error, 1)
	go func() { done <- Run(ctx, policies.FS, "9.9.9", func(string) string { return "" }, pw) }()
	line, err := pr.readLine(20 * time.Second)
	require.NoError(t, err)
	assert.Regexp(t, `^[0-9]+$`, line, "got port line %q, want a port number", line)
	cancel()
	require.NoError(t, <-done)
}

func TestSecretsNeverInDiagnostics(t *testing.T) {
	for _, name := range []string{"export-clean-dev.json", "export-plaintext-secret.json", "export-show-secrets.json", "export-noncompliant-prod.json"} {
		t.Run(name, func(t *testing.T) {
			c, _ := startServer(t, Options{})
			rs := loadExport(t, fixture(name))
			var all strings.Builder
			for _, r := range rs {
				resp, err := c.Analyze(context.Background(), analyzeRequest(t, r))
				require.NoError(t, err)
				all.WriteString(wire(t, resp))
			}
			resp, err := c.AnalyzeStack(context.Background(), stackRequest(t, rs))
			require.NoError(t, err)
			all.WriteString(wire(t, resp))
			assert.NotContains(t, all.String(), planted)
		})
	}
}

func TestRedact(t *testing.T) {
	tests := []struct {
		name    string
		msg     string
		secrets []string
		want    string
	}{
		{name: "secret echoed", msg: "value " + planted + " is bad.", secrets: []string{planted}, want: "value [secret] is bad."},
		{name: "short values left alone", msg: "Key Vault 'kv' is bad.", secrets: []string{"kv"}, want: "Key Vault 'kv' is bad."},
		{name: "no secrets", msg: "fine.", want: "fine."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, redact(tt.msg, tt.secrets))
		})
	}
}

// TestSharedFixturesAgreeWithCheck runs each shared export through the CLI's path (source.Load,
// engine.Evaluate) and through the analyzer (Analyze per resource, then AnalyzeStack), and
// requires the same mandatory findings, so the two can never disagree.
func TestSharedFixturesAgreeWithCheck(t *testing.T) {
	for _, name := range []string{"export-clean-dev.json", "export-plaintext-secret.json", "export-show-secrets.json", "export-noncompliant-prod.json"} {
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(fixture(name))
			require.NoError(t, err)
			doc, err := source.Load(name, data)
			require.NoError(t, err)
			c, srv := startServer(t, Options{})
			rep, err := srv.Engine().Evaluate(context.Background(), doc, engine.Settings{Stack: doc.Stack, Now: fixedNow})
			require.NoError(t, err)
			var want []string
			for _, r := range rep.Results {
				if r.Status == engine.StatusFail && r.Level == engine.LevelMandatory {
					want = append(want, r.PolicyID+" "+r.URN)
				}
			}

			rs := loadExport(t, fixture(name))
			var got []string
			for _, r := range rs {
				resp, err := c.Analyze(context.Background(), analyzeRequest(t, r))
				require.NoError(t, err)
				got = append(got, mandatory(resp)...)
			}
			resp, err := c.AnalyzeStack(context.Background(), stackRequest(t, rs))
			require.NoError(t, err)
			got = append(got, mandatory(resp)...)
			sort.Strings(got)
			sort.Strings(want)
			assert.Equal(t, want, got, "got analyzer %v, want kvguard check %v", got, want)
		})
	}
}

func mandatory(resp *pulumirpc.AnalyzeResponse) []string {
	var out []string
	for _, d := range resp.GetDiagnostics() {
		if d.GetEnforcementLevel() == pulumirpc.EnforcementLevel_MANDATORY {
			out = append(out, d.GetPolicyName()+" "+d.GetUrn())
		}
	}
	return out
}

// The relational policies, those that judge a resource by others, are the ones METADATA marks
// `relational: true`; Analyze (one resource) must leave exactly these to AnalyzeStack.
func TestRelationalPoliciesAreMarked(t *testing.T) {
	_, srv := startServer(t, Options{})
	var got []string
	for _, p := range srv.eng.Policies() {
		if p.Relational {
			got = append(got, p.ID)
		}
	}
	assert.Equal(t, []string{"DIAG-001", "DIAG-005", "KV-007", "RBAC-006"}, got)
}
