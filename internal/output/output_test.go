package output

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kvguard/kvguard/internal/engine"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

const (
	urnVault    = "urn:pulumi:prod::secret-store::kvguard:index:SecretStore$azure-native:keyvault:Vault::store-vault"
	urnSecret   = "urn:pulumi:prod::secret-store::kvguard:index:SecretStore$azure-native:keyvault:Secret::store-db-password"
	urnAssign   = "urn:pulumi:prod::secret-store::kvguard:index:SecretStore$azure-native:authorization:RoleAssignment::store-reader"
	urnIdentity = "urn:pulumi:prod::secret-store::kvguard:index:SecretStore$azure-native:managedidentity:UserAssignedIdentity::store-id"
	urnVault2   = "urn:pulumi:prod::secret-store::azure-native:keyvault:Vault::store-vault-2"
)

func catalogue() []engine.PolicyLevel {
	return []engine.PolicyLevel{
		{Policy: engine.Policy{
			ID: "KV-002", Package: "kvguard.vault.purge_protection",
			Title:             "Key Vaults should have purge protection enabled",
			Description:       "Purge protection stops a deleted vault from being purged before its retention ends.",
			Severity:          "HIGH",
			Enforcement:       engine.LevelMandatory,
			RecommendedAction: "Set enablePurgeProtection: true on the vault; it cannot be turned off again.",
			ResourceTypes:     []string{"azure-native:keyvault:Vault"},
		}, Level: engine.LevelMandatory},
		{Policy: engine.Policy{
			ID: "KV-004", Package: "kvguard.vault.network",
			Title:             "Key Vaults should not be reachable from public networks",
			Description:       "Public network access exposes the data plane to the internet.",
			Severity:          "MEDIUM",
			Enforcement:       engine.LevelAdvisory,
			ProdEnforcement:   engine.LevelMandatory,
			RecommendedAction: "Set publicNetworkAccess: Disabled, or networkAcls.defaultAction: Deny.",
			ResourceTypes:     []string{"azure-native:keyvault:Vault"},
		}, Level: engine.LevelAdvisory},
		{Policy: engine.Policy{
			ID: "SEC-001", Package: "kvguard.secret.expiry",
			Title:             "Secrets should have an expiration date",
			Description:       "A secret without expiry is never rotated.",
			Severity:          "HIGH",
			Enforcement:       engine.LevelMandatory,
			RecommendedAction: "Set attributes.expires (Unix seconds).\nKeep it within maxValidityDays.",
			ResourceTypes:     []string{"azure-native:keyvault:Secret"},
		}, Level: engine.LevelMandatory},
		{Policy: engine.Policy{
			ID: "SEC-004", Package: "kvguard.secret.content_type",
			Title:             "Secrets should have a content type",
			Severity:          "LOW",
			Enforcement:       engine.LevelAdvisory,
			RecommendedAction: "Set contentType, e.g. \"text/plain\".",
			ResourceTypes:     []string{"azure-native:keyvault:Secret"},
		}, Level: engine.LevelAdvisory},
		{Policy: engine.Policy{
			ID: "RBAC-003", Package: "kvguard.rbac.workload_read_only",
			Title:             "Workload identities should only get read roles on Key Vault",
			Severity:          "CRITICAL",
			Enforcement:       engine.LevelMandatory,
			RecommendedAction: "Grant Key Vault Secrets User to workloads; write roles go to groups.",
			ResourceTypes:     []string{"azure-native:authorization:RoleAssignment"},
		}, Level: engine.LevelMandatory},
		{Policy: engine.Policy{
			ID: "GEN-001", Package: "kvguard.general.required_tags",
			Title:             "Vaults and identities should carry the required tags",
			Severity:          "LOW",
			Enforcement:       engine.LevelAdvisory,
			RecommendedAction: "Add the tags environment and owner.",
			ResourceTypes:     []string{"azure-native:keyvault:Vault", "azure-native:managedidentity:UserAssignedIdentity"},
		}, Level: engine.LevelDisabled},
	}
}

// findingsReport covers every status, both failing levels, a source position, an unknown path,
// an exception reason, an expired exception, and characters every format must escape.
func findingsReport() *engine.Report {
	return &engine.Report{
		Stack: "prod", Project: "secret-store", Source: "preview", Profile: "prod",
		Now:      "2026-12-03T00:00:00Z",
		Policies: catalogue(),
		Results: []engine.Result{
			{PolicyID: "GEN-001", URN: urnIdentity, ResourceType: "azure-native:managedidentity:UserAssignedIdentity", ResourceName: "store-id", Status: engine.StatusNotApplicable, Level: engine.LevelDisabled},
			{PolicyID: "RBAC-003", URN: urnAssign, ResourceType: "azure-native:authorization:RoleAssignment", ResourceName: "store-reader", Status: engine.StatusPass, Level: engine.LevelMandatory},
			{PolicyID: "SEC-001", URN: urnSecret, ResourceType: "azure-native:keyvault:Secret", ResourceName: "store-db-password", Status: engine.StatusFail, Level: engine.LevelMandatory,
				Message: "Secret 'store-db-password' has no expiry date.", SourcePosition: "infra/secrets.go:57"},
			{PolicyID: "SEC-004", URN: urnSecret, ResourceType: "azure-native:keyvault:Secret", ResourceName: "store-db-password", Status: engine.StatusExcepted, Level: engine.LevelAdvisory,
				Message: "Secret 'store-db-password' has no content type.", Exception: "Legacy secret, owner: team-a, 50% migrated | see ticket"},
			{PolicyID: "GEN-001", URN: urnVault, ResourceType: "azure-native:keyvault:Vault", ResourceName: "store-vault", Status: engine.StatusNotApplicable, Level: engine.LevelDisabled},
			{PolicyID: "KV-002", URN: urnVault, ResourceType: "azure-native:keyvault:Vault", ResourceName: "store-vault", Status: engine.StatusFail, Level: engine.LevelMandatory,
				Message: "Key Vault 'store-vault' does not have purge protection enabled.", SourcePosition: "infra/vault.go:42"},
			{PolicyID: "KV-004", URN: urnVault, ResourceType: "azure-native:keyvault:Vault", ResourceName: "store-vault", Status: engine.StatusUnverifiable, Level: engine.LevelAdvisory,
				Message: "Key Vault 'store-vault' network rules are unknown at preview.", Path: "networkAcls"},
			{PolicyID: "KV-004", URN: urnVault2, ResourceType: "azure-native:keyvault:Vault", ResourceName: "store-vault-2", Status: engine.StatusFail, Level: engine.LevelAdvisory,
				Message: "Key Vault 'store-vault-2' allows public network access: 100% open, default: Allow."},
		},
		ExpiredExceptions: []engine.Exception{{
			Policy: "KV-004", URNs: []string{"urn:pulumi:prod::secret-store::azure-native:keyvault:Vault::*"},
			Reason: "Office network until the VPN lands", Expires: "2026-11-30",
		}},
		UnusedExceptions: []engine.Exception{{
			Policy: "SEC-004", URNs: []string{"urn:pulumi:prod::secret-store::azure-native:keyvault:Secret::legacy-*"},
			Reason: "Legacy secrets keep their content type until migrated", Expires: "2027-06-30",
		}},
	}
}

// cleanReport has only passing results.
func cleanReport() *engine.Report {
	return &engine.Report{
		Stack: "dev", Project: "secret-store", Source: "export", Profile: "dev",
		Now:      "2026-12-03T00:00:00Z",
		Policies: catalogue()[:2],
		Results: []engine.Result{
			{PolicyID: "KV-002", URN: urnVault, ResourceType: "azure-native:keyvault:Vault", ResourceName: "store-vault", Status: engine.StatusPass, Level: engine.LevelMandatory},
			{PolicyID: "KV-004", URN: urnVault, ResourceType: "azure-native:keyvault:Vault", ResourceName: "store-vault", Status: engine.StatusPass, Level: engine.LevelAdvisory},
		},
	}
}

// emptyReport has no resources at all, e.g. a stack with nothing in it.
func emptyReport() *engine.Report {
	return &engine.Report{Stack: "dev", Project: "secret-store", Source: "preview", Profile: "dev", Now: "2026-12-03T00:00:00Z"}
}

// reversed returns r with its results and policies in reverse order, to show the formats do
// not depend on the order the engine produced.
func reversed(r *engine.Report) *engine.Report {
	c := *r
	c.Results = make([]engine.Result, len(r.Results))
	for i, res := range r.Results {
		c.Results[len(r.Results)-1-i] = res
	}
	c.Policies = make([]engine.PolicyLevel, len(r.Policies))
	for i, p := range r.Policies {
		c.Policies[len(r.Policies)-1-i] = p
	}
	return &c
}

var reports = []struct {
	name   string
	report func() *engine.Report
}{
	{name: "findings", report: findingsReport},
	{name: "clean", report: cleanReport},
	{name: "empty", report: emptyReport},
}

// render runs one format over r.
func render(t *testing.T, format string, r *engine.Report, opts ...Option) []byte {
	t.Helper()
	o, err := Get(format, opts...)
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, o.Output(&buf, r))
	return buf.Bytes()
}

// checkGolden compares got with testdata/<name>, or rewrites it under -update.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.WriteFile(path, got, 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "read golden file %q; run go test ./internal/output -update", path)
	assert.Equal(t, string(want), string(got), "output differs from %q; run go test ./internal/output -update if the change is intended", path)
}

// goldenTest runs a format over every test report, compares with the golden files and checks
// the output does not depend on input order.
func goldenTest(t *testing.T, format, ext string, opts ...Option) {
	t.Helper()
	for _, tc := range reports {
		t.Run(tc.name, func(t *testing.T) {
			got := render(t, format, tc.report(), opts...)
			checkGolden(t, format+"_"+tc.name+ext, got)
			again := render(t, format, reversed(tc.report()), opts...)
			assert.Equal(t, string(got), string(again), "output depends on the order of results and policies")
		})
	}
}

func TestGet(t *testing.T) {
	tests := []struct {
		name    string
		format  string
		want    Outputter
		wantErr string
	}{
		{name: "text", format: "text", want: &Text{}},
		{name: "json", format: "json", want: &JSON{}},
		{name: "sarif", format: "sarif", want: &SARIF{Version: "1.2.3"}},
		{name: "junit", format: "junit", want: &JUnit{}},
		{name: "github", format: "github", want: &GitHub{}},
		{name: "markdown", format: "markdown", want: &Markdown{}},
		{name: "unknown", format: "yaml", wantErr: `unknown output format "yaml"`},
		{name: "case sensitive", format: "JSON", wantErr: `unknown output format "JSON"`},
		{name: "empty", format: "", wantErr: `unknown output format ""`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Get(tc.format, WithVersion("1.2.3"))
			if tc.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestFormatsAllResolve(t *testing.T) {
	require.Len(t, Formats(), 6)
	for _, f := range Formats() {
		t.Run(f, func(t *testing.T) {
			o, err := Get(f)
			require.NoError(t, err)
			assert.NotNil(t, o)
		})
	}
}

// passedFailed is the "N passed, N failed" form CI log parsers read as test results; no format
// may print it.
var passedFailed = regexp.MustCompile(`\d+ passed, \d+ failed`)

func TestNoFormatPrintsPassedFailed(t *testing.T) {
	for _, f := range Formats() {
		for _, tc := range reports {
			t.Run(f+"/"+tc.name, func(t *testing.T) {
				got := render(t, f, tc.report())
				assert.False(t, passedFailed.Match(got), "got %q in %s output, want no \"N passed, N failed\" line", passedFailed.Find(got), f)
			})
		}
	}
}

func TestSummaryLine(t *testing.T) {
	tests := []struct {
		name   string
		counts engine.Counts
		want   string
	}{
		{name: "mixed", counts: engine.Counts{Resources: 12, Fail: 3, Mandatory: 2, Advisory: 1, Unverifiable: 1, Pass: 40, NotApplicable: 2},
			want: "12 resources checked, 3 failures (2 mandatory, 1 advisory), 1 unverifiable, 0 excepted, 40 passing, 2 not applicable."},
		{name: "singular", counts: engine.Counts{Resources: 1, Fail: 1, Mandatory: 1, Excepted: 1},
			want: "1 resource checked, 1 failure (1 mandatory, 0 advisory), 0 unverifiable, 1 excepted, 0 passing, 0 not applicable."},
		{name: "zero", counts: engine.Counts{},
			want: "0 resources checked, 0 failures (0 mandatory, 0 advisory), 0 unverifiable, 0 excepted, 0 passing, 0 not applicable."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, summaryLine(tc.counts))
		})
	}
}

func TestSourceFile(t *testing.T) {
	tests := []struct {
		name     string
		pos      string
		wantFile string
		wantLine int
	}{
		{name: "file and line", pos: "infra/vault.go:42", wantFile: "infra/vault.go", wantLine: 42},
		{name: "windows drive", pos: `C:\src\main.go:7`, wantFile: `C:\src\main.go`, wantLine: 7},
		{name: "no line", pos: "main.go", wantFile: "main.go"},
		{name: "non-numeric line", pos: "main.go:x", wantFile: "main.go:x"},
		{name: "empty", pos: ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			file, line := sourceFile(tc.pos)
			assert.Equal(t, tc.wantFile, file)
			assert.Equal(t, tc.wantLine, line)
		})
	}
}

func TestFindingMessage(t *testing.T) {
	base := engine.Result{PolicyID: "GEN-002", ResourceType: "azure-native:keyvault:Vault", ResourceName: "kv", Level: engine.LevelAdvisory}
	tests := []struct {
		name    string
		status  engine.Status
		message string
		path    string
		want    string
	}{
		{name: "fail keeps the policy sentence", status: engine.StatusFail, message: "Key Vault 'kv' is open.", want: "Key Vault 'kv' is open."},
		{name: "unverifiable adds the path", status: engine.StatusUnverifiable, message: "Key Vault 'kv' cannot be checked.", path: "networkAcls",
			want: "Key Vault 'kv' cannot be checked. (unknown: networkAcls)"},
		{name: "unverifiable naming every path already", status: engine.StatusUnverifiable, message: "Values 'tenantId', 'sku' are unknown.", path: "tenantId, sku",
			want: "Values 'tenantId', 'sku' are unknown."},
		{name: "unverifiable naming only one path", status: engine.StatusUnverifiable, message: "Value 'tenantId' is unknown.", path: "tenantId, sku",
			want: "Value 'tenantId' is unknown. (unknown: tenantId, sku)"},
		{name: "unverifiable without a sentence", status: engine.StatusUnverifiable, path: "sku",
			want: `Value "sku" of azure-native:keyvault:Vault 'kv' is unknown until the update runs; it is checked again during pulumi up.`},
		{name: "fail without a sentence", status: engine.StatusFail, want: "azure-native:keyvault:Vault 'kv' fails policy GEN-002."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := base
			res.Status, res.Message, res.Path = tc.status, tc.message, tc.path
			assert.Equal(t, tc.want, findingMessage(res))
		})
	}
}
