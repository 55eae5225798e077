package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kvguard/kvguard/internal/model"
	"github.com/kvguard/kvguard/policies"
)

func TestNewCatalogue(t *testing.T) {
	e := fixtureEngine(t)
	ps := e.Policies()
	ids := make([]string, 0, len(ps))
	for _, p := range ps {
		ids = append(ids, p.ID)
	}
	assert.Equal(t, []string{"TST-001", "TST-002", "TST-003", "TST-004"}, ids, "got catalogue ids, want the four fixture policies sorted (lib and _test files skipped)")

	p, ok := e.Policy("TST-001")
	require.True(t, ok)
	assert.Equal(t, "kvguard.vault.soft_delete", p.Package)
	assert.Equal(t, "vault/soft_delete.rego", p.File)
	assert.Equal(t, "HIGH", p.Severity)
	assert.Equal(t, LevelMandatory, p.Enforcement)
	assert.Equal(t, []string{typeVault}, p.ResourceTypes)
	assert.Equal(t, []string{"https://learn.microsoft.com/azure/key-vault/general/soft-delete-overview"}, p.Related)
	assert.Equal(t, []string{"CKV_AZURE_111"}, p.References["checkov"])
	assert.Equal(t, int64(7), p.Config["minRetentionDays"]["default"])
	assert.Equal(t, int64(90), p.Config["minRetentionDays"]["prod"])

	p2, _ := e.Policy("TST-002")
	assert.Equal(t, LevelAdvisory, p2.Enforcement)
	assert.Equal(t, LevelMandatory, p2.ProdEnforcement)

	mods := e.Modules()
	assert.Contains(t, mods, "lib/lib.rego")
	assert.NotContains(t, mods, "general/always_test.rego", "got a _test.rego module, want tests skipped")
}

// policyFile renders a fixture policy whose METADATA custom block can be edited per case.
func policyFile(pkg, header, custom, body string) string {
	if header == "" {
		header = "# title: T\n# description: D\n# related_resources:\n#   - ref: https://example.com\n"
	}
	if custom == "" {
		custom = "#   id: TST-001\n#   severity: LOW\n#   enforcement: advisory\n#   recommended_action: Fix it.\n#   resource_types: [azure-native:keyvault:Vault]\n" +
			"#   references: {azure_policy: [], mcsb: [], checkov: [], trivy: [], psrule: []}\n"
	}
	if body == "" {
		body = "deny contains {\"urn\": \"u\", \"msg\": \"m\"} if false\n"
	}
	return "# METADATA\n" + header + "# scope: package\n# custom:\n" + custom + "package " + pkg + "\n\n" + body
}

func TestNewRejectsBadPolicies(t *testing.T) {
	good := "#   id: TST-001\n#   severity: LOW\n#   enforcement: advisory\n#   recommended_action: Fix it.\n#   resource_types: [azure-native:keyvault:Vault]\n"
	refs := "#   references: {azure_policy: [], mcsb: [], checkov: [], trivy: [], psrule: []}\n"
	tests := []struct {
		name  string
		files map[string]string
		want  []string // substrings of the error
	}{
		{
			name:  "missing title",
			files: map[string]string{"vault/a.rego": policyFile("kvguard.vault.a", "# description: D\n# related_resources:\n#   - ref: https://example.com\n", "", "")},
			want:  []string{`"vault/a.rego"`, "title"},
		},
		{
			name:  "missing related resources",
			files: map[string]string{"vault/a.rego": policyFile("kvguard.vault.a", "# title: T\n# description: D\n", "", "")},
			want:  []string{`"vault/a.rego"`, "related_resources"},
		},
		{
			name:  "bad severity",
			files: map[string]string{"vault/a.rego": policyFile("kvguard.vault.a", "", strings.Replace(good, "LOW", "SEVERE", 1)+refs, "")},
			want:  []string{`"vault/a.rego"`, "custom.severity"},
		},
		{
			name:  "bad prod enforcement",
			files: map[string]string{"vault/a.rego": policyFile("kvguard.vault.a", "", good+"#   prod_enforcement: strict\n"+refs, "")},
			want:  []string{`"vault/a.rego"`, "custom.prod_enforcement"},
		},
		{
			name:  "relational not a boolean",
			files: map[string]string{"vault/a.rego": policyFile("kvguard.vault.a", "", good+"#   relational: \"yes\"\n"+refs, "")},
			want:  []string{`"vault/a.rego"`, "custom.relational", "true or false"},
		},
		{
			name:  "missing recommended action",
			files: map[string]string{"vault/a.rego": policyFile("kvguard.vault.a", "", strings.Replace(good, "#   recommended_action: Fix it.\n", "", 1)+refs, "")},
			want:  []string{`"vault/a.rego"`, "custom.recommended_action"},
		},
		{
			name:  "missing references list",
			files: map[string]string{"vault/a.rego": policyFile("kvguard.vault.a", "", good+"#   references: {azure_policy: [], mcsb: [], checkov: [], trivy: []}\n", "")},
			want:  []string{`"vault/a.rego"`, "custom.references.psrule"},
		},
		{
			name:  "unknown custom key",
			files: map[string]string{"vault/a.rego": policyFile("kvguard.vault.a", "", good+refs+"#   prodEnforcement: mandatory\n", "")},
			want:  []string{`"vault/a.rego"`, "custom.prodEnforcement"},
		},
		{
			name: "setting default of the wrong type",
			files: map[string]string{"vault/a.rego": policyFile("kvguard.vault.a", "", good+refs+
				"#   config:\n#     days:\n#       type: integer\n#       description: Days.\n#       default: many\n", "")},
			want: []string{`"vault/a.rego"`, "custom.config.days.default", "an integer"},
		},
		{
			name: "duplicate id",
			files: map[string]string{
				"vault/a.rego": policyFile("kvguard.vault.a", "", "", ""),
				"vault/b.rego": policyFile("kvguard.vault.b", "", "", ""),
			},
			want: []string{`"vault/b.rego"`, `"TST-001"`, `"vault/a.rego"`},
		},
		{
			name:  "deny without metadata",
			files: map[string]string{"vault/a.rego": "package kvguard.vault.a\n\ndeny contains 1 if false\n"},
			want:  []string{`"vault/a.rego"`, "METADATA"},
		},
		{
			name:  "deny as a complete rule",
			files: map[string]string{"vault/a.rego": policyFile("kvguard.vault.a", "", "", "deny := set()\n")},
			want:  []string{`"vault/a.rego"`, "partial set rule"},
		},
		{
			name:  "syntax error",
			files: map[string]string{"vault/a.rego": "package kvguard.vault.a\n\ndeny contains if {\n"},
			want:  []string{`"vault/a.rego"`},
		},
		{
			name:  "bad data file",
			files: map[string]string{"vault/a.rego": policyFile("kvguard.vault.a", "", "", ""), "roles.json": "[1,2]"},
			want:  []string{`"roles.json"`, "object"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for name, src := range tc.files {
				fsys[name] = &fstest.MapFile{Data: []byte(src)}
			}
			_, err := New(fsys)
			require.Error(t, err, "got no error, want one for %s", tc.name)
			for _, w := range tc.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}

func TestProfileFor(t *testing.T) {
	tests := []struct {
		name, stack, want string
	}{
		{"prod", "prod", ProfileProd},
		{"production upper case", "Production", ProfileProd},
		{"prd prefix", "prd-weu", ProfileProd},
		{"qualified", "acme/secret-store/prod", ProfileProd},
		{"staging", "staging", ProfileStaging},
		{"stage", "stage", ProfileStaging},
		{"stg prefix", "stg2", ProfileStaging},
		{"uat", "uat", ProfileStaging},
		{"dev", "dev", ProfileDev},
		{"empty", "", ProfileDev},
		{"product is not prod", "product", ProfileDev},
		{"prod word first", "prod-eu", ProfileProd},
		{"prod word last", "eu-prod", ProfileProd},
		{"numbered prod", "prod2", ProfileProd},
		{"production with region", "production-eu", ProfileProd},
		{"qualified with region", "org/proj/prod-eu", ProfileProd},
		{"prod wins over staging", "staging-prod", ProfileProd},
		{"preprod is staging", "preprod", ProfileStaging},
		{"staging with region", "weu-staging", ProfileStaging},
		{"dev with region", "dev-weu", ProfileDev},
		{"blank", "  ", ProfileDev},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, ProfileFor(tc.stack), "ProfileFor(%q)", tc.stack)
		})
	}
}

func TestEvaluateStatuses(t *testing.T) {
	e := fixtureEngine(t)
	deleted := vault("gone", map[string]any{})
	deleted.Op = model.OpDelete
	replaced := vault("old", map[string]any{})
	replaced.Op = model.OpDeleteReplaced
	component := model.Resource{URN: urn("kvguard:index:SecretStore", "store"), Type: "kvguard:index:SecretStore", Name: "store", Op: model.OpCreate}
	componentVault := vault("notcustom", map[string]any{})
	componentVault.Custom = false

	d := doc("dev",
		goodVault("good"),
		vault("bad", map[string]any{"softDeleteRetentionInDays": 3.0, "publicNetworkAccess": "Enabled"}),
		vault("unknown", map[string]any{}, "softDeleteRetentionInDays", "publicNetworkAccess"),
		// enableSoftDelete false (deny) and retention unknown (unverifiable): fail wins.
		vault("both", map[string]any{"enableSoftDelete": false, "publicNetworkAccess": "Disabled"}, "softDeleteRetentionInDays"),
		secret("nocontent", map[string]any{}),
		secret("typed", map[string]any{"properties": map[string]any{"contentType": "text/plain"}}),
		deleted, replaced, component, componentVault,
	)
	rep, err := e.Evaluate(context.Background(), d, Settings{Stack: "dev", Now: testNow})
	require.NoError(t, err)

	want := []resultKey{
		{"TST-003", "nocontent", StatusFail, LevelAdvisory, ""}, // warn at mandatory is capped
		{"TST-003", "typed", StatusPass, LevelMandatory, ""},
		{"TST-001", "bad", StatusFail, LevelMandatory, ""},
		{"TST-002", "bad", StatusFail, LevelAdvisory, ""},
		{"TST-004", "bad", StatusNotApplicable, LevelDisabled, ""},
		{"TST-001", "both", StatusFail, LevelMandatory, ""},
		{"TST-002", "both", StatusPass, LevelAdvisory, ""},
		{"TST-004", "both", StatusNotApplicable, LevelDisabled, ""},
		{"TST-002", "gone", StatusFail, LevelAdvisory, ""}, // a finding on a delete is reported
		{"TST-001", "good", StatusPass, LevelMandatory, ""},
		{"TST-002", "good", StatusPass, LevelAdvisory, ""},
		{"TST-004", "good", StatusNotApplicable, LevelDisabled, ""},
		{"TST-001", "unknown", StatusUnverifiable, LevelAdvisory, "softDeleteRetentionInDays"},
		{"TST-002", "unknown", StatusUnverifiable, LevelAdvisory, "publicNetworkAccess"},
		{"TST-004", "unknown", StatusNotApplicable, LevelDisabled, ""},
	}
	assert.Equal(t, want, keysOf(rep))
	assert.Equal(t, ExitViolation, rep.ExitCode(), "got exit code, want 1 for mandatory TST-001 failures")

	both, _ := find(rep, "TST-001", "both")
	assert.Equal(t, "Vault 'both' has soft delete disabled.", both.Message)
	assert.Empty(t, both.Path, "got a path on a fail, want none")

	c := rep.Counts()
	assert.Equal(t, Counts{Resources: 7, Pass: 4, Fail: 5, Mandatory: 2, Advisory: 3, Unverifiable: 2, NotApplicable: 4}, c)

	assert.Equal(t, "2026-12-03T10:00:00Z", rep.Now)
	assert.Equal(t, ProfileDev, rep.Profile)
	assert.Equal(t, "proj", rep.Project)
	require.Len(t, rep.Policies, 4)
	assert.Equal(t, LevelAdvisory, rep.Policies[1].Level)
}

func TestEvaluateLevelsAndSettings(t *testing.T) {
	e := fixtureEngine(t)
	mkdoc := func() *model.Document {
		return doc("x", vault("v", map[string]any{"softDeleteRetentionInDays": 30.0, "publicNetworkAccess": "Enabled"}))
	}
	tests := []struct {
		name     string
		stack    string
		config   string
		want     map[string]resultKey // policy -> result for vault v
		wantExit int
	}{
		{
			name:  "dev defaults",
			stack: "dev",
			want: map[string]resultKey{
				"TST-001": {"TST-001", "v", StatusPass, LevelMandatory, ""}, // 30 >= default 7
				"TST-002": {"TST-002", "v", StatusFail, LevelAdvisory, ""},
				"TST-004": {"TST-004", "v", StatusNotApplicable, LevelDisabled, ""},
			},
			wantExit: ExitClean,
		},
		{
			name:  "prod defaults",
			stack: "prod",
			want: map[string]resultKey{
				"TST-001": {"TST-001", "v", StatusFail, LevelMandatory, ""}, // 30 < prod default 90
				"TST-002": {"TST-002", "v", StatusFail, LevelMandatory, ""}, // prod_enforcement
				"TST-004": {"TST-004", "v", StatusNotApplicable, LevelDisabled, ""},
			},
			wantExit: ExitViolation,
		},
		{
			name:   "prod with user setting and all advisory",
			stack:  "prod",
			config: `{"all": "advisory", "TST-001": {"minRetentionDays": 14}}`,
			want: map[string]resultKey{
				"TST-001": {"TST-001", "v", StatusPass, LevelAdvisory, ""},
				"TST-002": {"TST-002", "v", StatusFail, LevelAdvisory, ""},
				"TST-004": {"TST-004", "v", StatusFail, LevelAdvisory, ""}, // "all" enables it too
			},
			wantExit: ExitClean,
		},
		{
			name:   "per-id beats all",
			stack:  "dev",
			config: `{"all": {"enforcementLevel": "disabled"}, "TST-004": "mandatory", "TST-001": {"enforcementLevel": "advisory", "minRetentionDays": 60}}`,
			want: map[string]resultKey{
				"TST-001": {"TST-001", "v", StatusFail, LevelAdvisory, ""},
				"TST-002": {"TST-002", "v", StatusNotApplicable, LevelDisabled, ""},
				"TST-004": {"TST-004", "v", StatusFail, LevelMandatory, ""},
			},
			wantExit: ExitViolation,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var cfg PackConfig
			if tc.config != "" {
				var err error
				cfg, err = ParsePackConfig("pack.json", []byte(tc.config))
				require.NoError(t, err)
			}
			rep, err := e.Evaluate(context.Background(), mkdoc(), Settings{Stack: tc.stack, Now: testNow, Config: cfg})
			require.NoError(t, err)
			got := map[string]resultKey{}
			for _, k := range keysOf(rep) {
				got[k.Policy] = k
			}
			assert.Equal(t, tc.want, got)
			assert.Equal(t, tc.wantExit, rep.ExitCode(), "got exit code, want %d", tc.wantExit)
			for _, pl := range rep.Policies {
				if w, ok := tc.want[pl.ID]; ok {
					assert.Equal(t, w.Level, pl.Level, "Report.Policies level of %s", pl.ID)
				}
			}
		})
	}
}

func TestEvaluateFillsDocument(t *testing.T) {
	e := fixtureEngine(t)
	cfg, err := ParsePackConfig("pack.json", []byte(`{"TST-003": {"strict": true}}`))
	require.NoError(t, err)
	d := doc("prod", secret("s", map[string]any{"properties": map[string]any{"contentType": "application/x-pkcs12"}}))
	rep, err := e.Evaluate(context.Background(), d, Settings{Stack: "prod", Now: testNow, Config: cfg})
	require.NoError(t, err)

	assert.Equal(t, "2026-12-03T10:00:00Z", d.Now)
	assert.Equal(t, ProfileProd, d.Profile)
	assert.Equal(t, map[string]map[string]any{
		"TST-001": {"minRetentionDays": int64(90)},
		"TST-003": {"allowedTypes": []any{"text/plain"}, "strict": true},
	}, d.Config)
	// The strict setting reached Rego: the content type outside the list is reported.
	r, ok := find(rep, "TST-003", "s")
	require.True(t, ok)
	assert.Equal(t, StatusFail, r.Status)
	assert.Equal(t, "Secret 's' has a content type outside the allowed list.", r.Message)
}

func TestEvaluateMissingURN(t *testing.T) {
	e := fixtureEngine(t)
	rep, err := e.Evaluate(context.Background(), doc("prod"), Settings{Stack: "prod", Now: testNow})
	require.NoError(t, err)
	require.Len(t, rep.Results, 1)
	r := rep.Results[0]
	assert.Equal(t, "urn:pulumi:dev::proj::azure-native:keyvault:Vault::ghost", r.URN)
	assert.Equal(t, typeVault, r.ResourceType)
	assert.Equal(t, "ghost", r.ResourceName)
	assert.Equal(t, StatusFail, r.Status)
}

func TestEvaluateOneQuery(t *testing.T) {
	e := fixtureEngine(t)
	var rs []model.Resource
	for i := range 300 {
		rs = append(rs, vault(fmt.Sprintf("v%03d", i), map[string]any{"softDeleteRetentionInDays": float64(i % 20)}))
	}
	before := e.evals.Load()
	rep, err := e.Evaluate(context.Background(), doc("dev", rs...), Settings{Stack: "dev", Now: testNow})
	require.NoError(t, err)
	assert.Equal(t, int64(e.queriesPerDocument()), e.evals.Load()-before, "got OPA evaluations, want a fixed number per document, not one per resource")
	assert.LessOrEqual(t, e.queriesPerDocument(), len(e.shared)+len(e.policies), "got evaluations, want at most one per shared value and policy")
	assert.Len(t, rep.Results, 900, "got results, want 3 vault policies x 300 vaults")
	assert.Equal(t, 7*300/20, rep.Counts().Mandatory, "got mandatory failures, want the vaults with retention < 7")
}

func TestEvaluateNeverReportsValues(t *testing.T) {
	e := fixtureEngine(t)
	const value = "hunter2-very-secret-value"
	v := vault("v", map[string]any{"softDeleteRetentionInDays": 1.0, "tags": map[string]any{"token": value}})
	s := secret("s", map[string]any{"value": value})
	rep, err := e.Evaluate(context.Background(), doc("dev", v, s), Settings{Stack: "dev", Now: testNow})
	require.NoError(t, err)
	out, err := json.Marshal(rep)
	require.NoError(t, err)
	assert.NotContains(t, string(out), value)
	assert.Greater(t, rep.Counts().Fail, 0, "got no failures, want the report to hold findings")
}

func TestDocumentValueMatchesJSON(t *testing.T) {
	d := doc("dev",
		model.Resource{
			URN: urn(typeVault, "v"), Type: typeVault, Name: "v", ID: "/subscriptions/x", Op: model.OpUpdate, Custom: true,
			Parent: "p", Provider: "prov", Protect: true, SourcePosition: "main.go:3",
			Properties:           map[string]any{"a": 1.5, "b": []any{"x", true, nil, map[string]any{"c": 3.0}}, "n": json.Number("12")},
			OldProperties:        map[string]any{"a": 2.0},
			Unknown:              []string{"u"},
			Secret:               []string{"s"},
			Plaintext:            []string{"p"},
			Dependencies:         []string{"d"},
			PropertyDependencies: map[string][]string{"k": {"d"}},
			ReplaceReasons:       []string{"a"},
		},
	)
	d.Now, d.Profile = "2026-12-03T00:00:00Z", "dev"
	d.Partial, d.Environment = true, "prod"
	d.Config = map[string]map[string]any{"TST-001": {"minRetentionDays": int64(7), "list": []any{"a"}}}

	assertInputIsJSONRoundTrip(t, d)
}

// TestRealPolicies loads the shipped library. It fails while the Rego policies are being
// written; once they exist it guards METADATA completeness and id uniqueness.
func TestRealPolicies(t *testing.T) {
	e, err := New(policies.FS)
	require.NoError(t, err)
	seen := map[string]string{}
	for _, p := range e.Policies() {
		other, dup := seen[p.ID]
		assert.False(t, dup, "got id %q in %q and %q, want unique ids", p.ID, p.File, other)
		seen[p.ID] = p.File
	}
	assert.NotEmpty(t, seen, "got no policies, want the catalogue")
}

func TestReportStack(t *testing.T) {
	doc := &model.Document{Stack: "prod", Project: "secret-store"}
	tests := []struct {
		asked string
		same  bool
		want  string
	}{
		{asked: "", same: false, want: "prod"},
		{asked: "prod", same: true, want: "prod"},
		{asked: "myorg/prod", same: true, want: "myorg/prod"},
		{asked: "myorg/secret-store/prod", same: true, want: "myorg/secret-store/prod"},
		{asked: "myorg/other/prod", same: false, want: "prod"},
		{asked: "dev", same: false, want: "prod"},
		{asked: "myorg/dev", same: false, want: "prod"},
		{asked: "a/b/c/prod", same: false, want: "prod"},
	}
	for _, tc := range tests {
		if got := SameStack(tc.asked, doc); got != tc.same {
			t.Errorf("SameStack(%q) = %v, want %v", tc.asked, got, tc.same)
		}
		if got := ReportStack(tc.asked, doc); got != tc.want {
			t.Errorf("ReportStack(%q) = %q, want %q", tc.asked, got, tc.want)
		}
	}
	if got := ReportStack("myorg/dev", &model.Document{}); got != "myorg/dev" {
		t.Errorf("a document without a stack: ReportStack = %q, want the name asked for", got)
	}
	if got := ReportStack("myorg/secret-store/prod", &model.Document{Stack: "prod"}); got != "myorg/secret-store/prod" {
		t.Errorf("a document without a project: ReportStack = %q, want the full name", got)
	}
}
