package analyzer

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"github.com/kvguard/kvguard/internal/cli"
	"github.com/kvguard/kvguard/internal/engine"
	"github.com/kvguard/kvguard/policies"
)

// This file runs the shared Pulumi fixtures of tests/testdata/pulumi through `kvguard check`
// and through the policy pack's AnalyzeStack in one table (STYLE.md), so the two can never
// disagree, and requires that the fixtures break every policy of the catalogue. It lives here
// rather than in tests/ because the AnalyzeStackRequest builders are this package's test
// helpers (helpers_test.go); internal/cli does not import the analyzer, so there is no cycle.

// checkNow is the --now every row is checked at; fixedNow is the same instant for the analyzer.
const checkNow = "2026-12-03T00:00:00Z"

// policyCase says what one policy gives for one resource of a shared fixture.
type policyCase struct {
	name    string
	fixture string
	stack   string // --stack for kvguard check, ConfigureStack for the analyzer
	policy  string
	urn     string // suffix of the resource's URN, at least "<type>::<name>"
	status  engine.Status
	level   engine.Level
}

const (
	exportProd  = "export-noncompliant-prod.json"
	previewProd = "preview-noncompliant-prod.json"

	prodVault      = "azure-native:keyvault:Vault::store-vault"
	prodDiag       = "azure-native:insights:DiagnosticSetting::store-vault-diag"
	prodSigning    = "azure-native:keyvault:Secret::store-secret-orders-signing-key"
	prodAccess     = "azure-native:keyvault:AccessPolicy::ops-break-glass"
	prodReporting  = "azure-native:managedidentity:UserAssignedIdentity::reporting-job"
	prodReportKey  = "azure-native:keyvault:Secret::report-signing-key"
	prodSealedRole = "azure-native:authorization:RoleAssignment::reporting-job-sealed-role"
)

// policyCases lists, per policy in the order of POLICIES.md, the fixtures that break it (and a
// few that must not). A policy added to policies/ without a failing row here fails
// TestPolicyFixturesBreakEveryPolicy.
var policyCases = []policyCase{
	{name: "KV-001 soft delete kept 7 days in prod", fixture: exportProd, stack: "prod", policy: "KV-001", urn: prodVault, status: engine.StatusFail, level: engine.LevelMandatory},
	{name: "KV-002 purge protection absent", fixture: exportProd, stack: "prod", policy: "KV-002", urn: prodVault, status: engine.StatusFail, level: engine.LevelMandatory},
	{name: "KV-003 inline access policies instead of RBAC", fixture: exportProd, stack: "prod", policy: "KV-003", urn: prodVault, status: engine.StatusFail, level: engine.LevelMandatory},
	{name: "KV-003 access policy resource", fixture: exportProd, stack: "prod", policy: "KV-003", urn: prodAccess, status: engine.StatusFail, level: engine.LevelMandatory},
	{name: "KV-004 public network access in prod", fixture: exportProd, stack: "prod", policy: "KV-004", urn: prodVault, status: engine.StatusFail, level: engine.LevelMandatory},
	{name: "KV-004 a prod stack checked as staging keeps prod's level", fixture: exportProd, stack: "staging", policy: "KV-004", urn: prodVault, status: engine.StatusFail, level: engine.LevelMandatory},
	{name: "KV-005 vault name of 31 characters", fixture: exportProd, stack: "prod", policy: "KV-005", urn: prodVault, status: engine.StatusFail, level: engine.LevelMandatory},
	{name: "KV-006 tenant id that is a domain name", fixture: exportProd, stack: "prod", policy: "KV-006", urn: prodVault, status: engine.StatusFail, level: engine.LevelMandatory},
	{name: "KV-006 tenant id unknown at preview", fixture: "preview-unknown-tenant.json", stack: "dev", policy: "KV-006", urn: "azure-native:keyvault:Vault::vault", status: engine.StatusUnverifiable, level: engine.LevelAdvisory},
	{name: "KV-007 prod vault neither protected nor locked", fixture: exportProd, stack: "prod", policy: "KV-007", urn: prodVault, status: engine.StatusFail, level: engine.LevelMandatory},
	{name: "KV-007 unprotected vault outside prod", fixture: "export-clean-dev.json", stack: "dev", policy: "KV-007", urn: "azure-native:keyvault:Vault::vault", status: engine.StatusPass, level: engine.LevelAdvisory},
	{name: "KV-007 prod secret deleted", fixture: previewProd, stack: "prod", policy: "KV-007", urn: "azure-native:keyvault:Secret::store-secret-legacy-token", status: engine.StatusFail, level: engine.LevelMandatory},
	{name: "KV-007 prod secret replaced by a secretName change", fixture: previewProd, stack: "prod", policy: "KV-007", urn: "secret-store::azure-native:keyvault:Secret::partner-webhook", status: engine.StatusFail, level: engine.LevelMandatory},
	{name: "KV-007 protected prod vault updated in place", fixture: previewProd, stack: "prod", policy: "KV-007", urn: prodVault, status: engine.StatusPass, level: engine.LevelMandatory},
	{name: "KV-007 dev vault replaced", fixture: "preview-replace-vault.json", stack: "dev", policy: "KV-007", urn: "azure-native:keyvault:Vault::vault", status: engine.StatusFail, level: engine.LevelAdvisory},
	{name: "KV-007 dev secret deleted", fixture: "preview-delete-secret.json", stack: "dev", policy: "KV-007", urn: "azure-native:keyvault:Secret::db-connection", status: engine.StatusFail, level: engine.LevelAdvisory},
	{name: "KV-007 same deletion checked for prod", fixture: "preview-delete-secret.json", stack: "prod", policy: "KV-007", urn: "azure-native:keyvault:Secret::db-connection", status: engine.StatusFail, level: engine.LevelMandatory},
	{name: "KV-008 vault moves from access policies to RBAC", fixture: previewProd, stack: "prod", policy: "KV-008", urn: prodVault, status: engine.StatusFail, level: engine.LevelAdvisory},
	{name: "SEC-001 secret without expiry", fixture: exportProd, stack: "prod", policy: "SEC-001", urn: "azure-native:keyvault:Secret::store-secret-db-connection", status: engine.StatusFail, level: engine.LevelMandatory},
	{name: "SEC-001 expiry unknown at preview", fixture: previewProd, stack: "prod", policy: "SEC-001", urn: prodSigning, status: engine.StatusUnverifiable, level: engine.LevelAdvisory},
	{name: "SEC-001 expiry written as a string", fixture: exportProd, stack: "prod", policy: "SEC-001", urn: prodReportKey, status: engine.StatusFail, level: engine.LevelMandatory},
	{name: "SEC-002 expiry in milliseconds", fixture: exportProd, stack: "prod", policy: "SEC-002", urn: "azure-native:keyvault:Secret::store-secret-payments-api-key", status: engine.StatusFail, level: engine.LevelMandatory},
	{name: "SEC-002 expiry beyond 90 days in prod", fixture: exportProd, stack: "prod", policy: "SEC-002", urn: "azure-native:keyvault:Secret::store-secret-smtp-password", status: engine.StatusFail, level: engine.LevelMandatory},
	{name: "SEC-002 expiry written as a string", fixture: exportProd, stack: "prod", policy: "SEC-002", urn: prodReportKey, status: engine.StatusFail, level: engine.LevelMandatory},
	{name: "SEC-003 secret expired", fixture: exportProd, stack: "prod", policy: "SEC-003", urn: "azure-native:keyvault:Secret::store-secret-legacy-token", status: engine.StatusFail, level: engine.LevelAdvisory},
	{name: "SEC-003 expiry written as a string", fixture: exportProd, stack: "prod", policy: "SEC-003", urn: prodReportKey, status: engine.StatusFail, level: engine.LevelAdvisory},
	{name: "SEC-004 secret without content type", fixture: exportProd, stack: "prod", policy: "SEC-004", urn: "azure-native:keyvault:Secret::store-secret-smtp-password", status: engine.StatusFail, level: engine.LevelAdvisory},
	{name: "SEC-005 plaintext value in a prod export", fixture: exportProd, stack: "prod", policy: "SEC-005", urn: "azure-native:keyvault:Secret::store-secret-partner-webhook", status: engine.StatusFail, level: engine.LevelMandatory},
	{name: "SEC-005 --show-secrets plaintext stays a secret", fixture: exportProd, stack: "prod", policy: "SEC-005", urn: "azure-native:keyvault:Secret::store-secret-smtp-password", status: engine.StatusPass, level: engine.LevelMandatory},
	{name: "SEC-005 plaintext value in a dev export", fixture: "export-plaintext-secret.json", stack: "dev", policy: "SEC-005", urn: "azure-native:keyvault:Secret::db-connection", status: engine.StatusFail, level: engine.LevelMandatory},
	{name: "KEY-001 key without rotation policy", fixture: exportProd, stack: "prod", policy: "KEY-001", urn: "azure-native:keyvault:Key::storage-cmk", status: engine.StatusFail, level: engine.LevelMandatory},
	{name: "RBAC-001 Key Vault Administrator to a workload", fixture: exportProd, stack: "prod", policy: "RBAC-001", urn: "azure-native:authorization:RoleAssignment::store-ra-orders-api-vault", status: engine.StatusFail, level: engine.LevelMandatory},
	{name: "RBAC-001 role id kept as a Pulumi secret", fixture: exportProd, stack: "prod", policy: "RBAC-001", urn: prodSealedRole, status: engine.StatusUnverifiable, level: engine.LevelAdvisory},
	{name: "RBAC-002 data role at subscription scope", fixture: exportProd, stack: "prod", policy: "RBAC-002", urn: "azure-native:authorization:RoleAssignment::store-ra-payments-worker-subscription", status: engine.StatusFail, level: engine.LevelMandatory},
	{name: "RBAC-003 Secrets Officer to a workload", fixture: exportProd, stack: "prod", policy: "RBAC-003", urn: "azure-native:authorization:RoleAssignment::reporting-job-secrets-officer", status: engine.StatusFail, level: engine.LevelMandatory},
	{name: "RBAC-003 built-in role missing from the catalogue to a workload", fixture: exportProd, stack: "prod", policy: "RBAC-003", urn: "azure-native:authorization:RoleAssignment::reporting-job-key-release", status: engine.StatusFail, level: engine.LevelMandatory},
	{name: "RBAC-003 role id kept as a Pulumi secret", fixture: exportProd, stack: "prod", policy: "RBAC-003", urn: prodSealedRole, status: engine.StatusUnverifiable, level: engine.LevelAdvisory},
	{name: "RBAC-004 principalType missing", fixture: exportProd, stack: "prod", policy: "RBAC-004", urn: "azure-native:authorization:RoleAssignment::store-ra-auditors-reader", status: engine.StatusFail, level: engine.LevelMandatory},
	{name: "RBAC-005 roleAssignmentName not a GUID", fixture: exportProd, stack: "prod", policy: "RBAC-005", urn: "azure-native:authorization:RoleAssignment::store-ra-orders-api-db-connection", status: engine.StatusFail, level: engine.LevelAdvisory},
	{name: "RBAC-005 replace caused only by roleAssignmentName", fixture: previewProd, stack: "prod", policy: "RBAC-005", urn: "azure-native:authorization:RoleAssignment::store-ra-operators-7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d", status: engine.StatusFail, level: engine.LevelAdvisory},
	{name: "RBAC-006 duplicate assignment from the component", fixture: exportProd, stack: "prod", policy: "RBAC-006", urn: "azure-native:authorization:RoleAssignment::store-ra-payments-worker-payments-api-key", status: engine.StatusFail, level: engine.LevelMandatory},
	{name: "RBAC-006 duplicate assignment written by hand", fixture: exportProd, stack: "prod", policy: "RBAC-006", urn: "azure-native:authorization:RoleAssignment::payments-worker-api-key-reader", status: engine.StatusFail, level: engine.LevelMandatory},
	{name: "RBAC-007 inline access policy grants all", fixture: exportProd, stack: "prod", policy: "RBAC-007", urn: prodVault, status: engine.StatusFail, level: engine.LevelMandatory},
	{name: "RBAC-007 access policy resource grants Purge and All", fixture: exportProd, stack: "prod", policy: "RBAC-007", urn: prodAccess, status: engine.StatusFail, level: engine.LevelMandatory},
	{name: "DIAG-001 vault whose audit group is disabled", fixture: exportProd, stack: "prod", policy: "DIAG-001", urn: prodVault, status: engine.StatusFail, level: engine.LevelMandatory},
	{name: "DIAG-002 retention policy of 30 days", fixture: exportProd, stack: "prod", policy: "DIAG-002", urn: prodDiag, status: engine.StatusFail, level: engine.LevelMandatory},
	{name: "DIAG-003 category next to categoryGroup", fixture: exportProd, stack: "prod", policy: "DIAG-003", urn: prodDiag, status: engine.StatusFail, level: engine.LevelMandatory},
	{name: "DIAG-004 workspace keeps 30 days in prod", fixture: exportProd, stack: "prod", policy: "DIAG-004", urn: "azure-native:operationalinsights:Workspace::store-logs", status: engine.StatusFail, level: engine.LevelAdvisory},
	{name: "DIAG-004 retentionInDays written as a string", fixture: exportProd, stack: "prod", policy: "DIAG-004", urn: "azure-native:operationalinsights:Workspace::audit-archive", status: engine.StatusFail, level: engine.LevelAdvisory},
	{name: "DIAG-005 AllMetrics sent twice by the component's setting", fixture: exportProd, stack: "prod", policy: "DIAG-005", urn: prodDiag, status: engine.StatusFail, level: engine.LevelMandatory},
	{name: "DIAG-005 AllMetrics sent twice by the hand-written setting", fixture: exportProd, stack: "prod", policy: "DIAG-005", urn: "azure-native:insights:DiagnosticSetting::vault-metrics", status: engine.StatusFail, level: engine.LevelMandatory},
	{name: "GEN-001 vault without owner tag", fixture: exportProd, stack: "prod", policy: "GEN-001", urn: prodVault, status: engine.StatusFail, level: engine.LevelAdvisory},
	{name: "GEN-001 identity with a team tag only", fixture: exportProd, stack: "prod", policy: "GEN-001", urn: prodReporting, status: engine.StatusFail, level: engine.LevelAdvisory},
	{name: "GEN-002 expiry a policy needs unknown", fixture: previewProd, stack: "prod", policy: "GEN-002", urn: prodSigning, status: engine.StatusUnverifiable, level: engine.LevelAdvisory},
	{name: "GEN-002 tenant id unknown", fixture: "preview-unknown-tenant.json", stack: "dev", policy: "GEN-002", urn: "azure-native:keyvault:Vault::vault", status: engine.StatusUnverifiable, level: engine.LevelAdvisory},
	{name: "GEN-002 role id kept as a Pulumi secret", fixture: exportProd, stack: "prod", policy: "GEN-002", urn: prodSealedRole, status: engine.StatusUnverifiable, level: engine.LevelAdvisory},
	{name: "GEN-002 unknown principalId resolved through propertyDependencies", fixture: previewProd, stack: "prod", policy: "GEN-002", urn: "azure-native:authorization:RoleAssignment::store-ra-billing-job-db-connection", status: engine.StatusPass, level: engine.LevelAdvisory},
}

// onlyUnverifiable are the policies that never fail, only report what a preview cannot know;
// an unverifiable row counts as breaking them.
var onlyUnverifiable = map[string]bool{"GEN-002": true}

// checkReport is the part of `kvguard check --format json` the table compares.
type checkReport struct {
	Stack    string          `json:"stack"`
	Profile  string          `json:"profile"`
	Results  []engine.Result `json:"results"`
	ExitCode int             `json:"exitCode"`
}

// fixtureRuns evaluates each (fixture, stack) once for all the rows that share it.
type fixtureRuns struct {
	checks map[string]*checkReport
	stacks map[string]*pulumirpc.AnalyzeResponse
}

func newFixtureRuns() *fixtureRuns {
	return &fixtureRuns{checks: map[string]*checkReport{}, stacks: map[string]*pulumirpc.AnalyzeResponse{}}
}

// check runs `kvguard check FIXTURE --stack STACK --now checkNow --format json` as main does:
// the command users run (source.Load, engine.Evaluate, flags and the JSON report), not a copy
// of its steps.
func (f *fixtureRuns) check(t *testing.T, name, stack string) *checkReport {
	t.Helper()
	key := name + " " + stack
	if rep, ok := f.checks[key]; ok {
		return rep
	}
	var stdout, stderr bytes.Buffer
	err := cli.Execute(context.Background(), "0.0.0-test",
		[]string{"check", fixture(name), "--stack", stack, "--now", checkNow, "--format", "json"},
		strings.NewReader(""), &stdout, &stderr)
	code := cli.ExitCode(err)
	require.NotEqual(t, engine.ExitBadInput, code, "kvguard check %s: got exit %d (%v), want a report; stderr: %s", name, code, err, stderr.String())
	assert.NotContains(t, stdout.String()+stderr.String(), planted, "kvguard check %s printed the planted secret", name)
	var rep checkReport
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &rep), "kvguard check %s: JSON report", name)
	// The report names the stack its resources belong to (their URNs say which), whatever
	// --stack asked for.
	want := stack
	for _, r := range rep.Results {
		if own, _, ok := strings.Cut(strings.TrimPrefix(r.URN, "urn:pulumi:"), "::"); ok && strings.HasPrefix(r.URN, "urn:pulumi:") {
			want = own
			break
		}
	}
	require.Equal(t, want, rep.Stack, "got stack %q, want %q", rep.Stack, want)
	require.Equal(t, rep.ExitCode, code, "got exit %d, want the report's %d", code, rep.ExitCode)
	f.checks[key] = &rep
	return &rep
}

// analyzeStack sends a fixture export to a fresh policy pack the way `pulumi up --stack STACK
// --policy-pack` does after the update: ConfigureStack, then AnalyzeStack with the outputs.
func (f *fixtureRuns) analyzeStack(t *testing.T, name, stack string) *pulumirpc.AnalyzeResponse {
	t.Helper()
	key := name + " " + stack
	if resp, ok := f.stacks[key]; ok {
		return resp
	}
	c, _ := startServer(t, Options{})
	ctx := context.Background()
	_, err := c.ConfigureStack(ctx, &pulumirpc.AnalyzerStackConfigureRequest{Stack: stack, Project: "secret-store"})
	require.NoError(t, err)
	resp, err := c.AnalyzeStack(ctx, stackRequest(t, loadExport(t, fixture(name))))
	require.NoError(t, err)
	assert.NotContains(t, wire(t, resp), planted, "AnalyzeStack over %s leaked the planted secret", name)
	f.stacks[key] = resp
	return resp
}

// isExport says whether a fixture is a `pulumi stack export` (which AnalyzeStack can replay).
func isExport(name string) bool { return strings.HasPrefix(name, "export-") }

// resultFor returns the one result of policy for the resource whose URN ends in suffix.
func resultFor(t *testing.T, rep *checkReport, policy, suffix string) engine.Result {
	t.Helper()
	var found []engine.Result
	for _, r := range rep.Results {
		if r.PolicyID == policy && strings.HasSuffix(r.URN, suffix) {
			found = append(found, r)
		}
	}
	require.Len(t, found, 1, "got %d %s results for a URN ending in %q, want exactly one", len(found), policy, suffix)
	return found[0]
}

func TestPolicyFixtures(t *testing.T) {
	runs := newFixtureRuns()
	for _, tc := range policyCases {
		t.Run(tc.name, func(t *testing.T) {
			rep := runs.check(t, tc.fixture, tc.stack)
			res := resultFor(t, rep, tc.policy, tc.urn)
			assert.Equal(t, tc.status, res.Status, "kvguard check: got %s %s, want %s; message: %s", tc.policy, res.Status, tc.status, res.Message)
			assert.Equal(t, tc.level, res.Level, "kvguard check: got level %s, want %s", res.Level, tc.level)
			if !isExport(tc.fixture) {
				return
			}

			resp := runs.analyzeStack(t, tc.fixture, tc.stack)
			d := findDiag(resp, tc.policy, res.URN)
			switch tc.status {
			case engine.StatusPass:
				assert.False(t, d != nil, "AnalyzeStack: got %s diagnostic %q, want none", tc.policy, d.GetMessage())
				return
			case engine.StatusUnverifiable:
				require.NotNil(t, d, "AnalyzeStack: got %v, want an unverifiable %s for %s", diags(resp), tc.policy, res.URN)
				assert.Equal(t, pulumirpc.EnforcementLevel_ADVISORY, d.GetEnforcementLevel(), "AnalyzeStack: got level %s, want advisory", d.GetEnforcementLevel())
				return
			}
			require.NotNil(t, d, "AnalyzeStack: got %v, want %s for %s", diags(resp), tc.policy, res.URN)
			want := rpcLevel(tc.level)
			assert.Equal(t, want, d.GetEnforcementLevel(), "AnalyzeStack: got level %s, want %s", d.GetEnforcementLevel(), want)
			assert.True(t, strings.HasPrefix(d.GetMessage(), res.Message), "AnalyzeStack: got message %q, want it to start with kvguard check's %q", d.GetMessage(), res.Message)
		})
	}
}

// TestPolicyFixturesBreakEveryPolicy requires a failing row for every policy of the catalogue,
// so a new policy cannot land without a Pulumi-shaped fixture that breaks it.
func TestPolicyFixturesBreakEveryPolicy(t *testing.T) {
	eng, err := engine.New(policies.FS)
	require.NoError(t, err)
	catalogue := map[string]bool{}
	for _, p := range eng.Policies() {
		catalogue[p.ID] = true
	}
	broken := map[string]bool{}
	for _, tc := range policyCases {
		assert.True(t, catalogue[tc.policy], "row %q: got policy %s, want one of the catalogue", tc.name, tc.policy)
		if tc.status == engine.StatusFail || (tc.status == engine.StatusUnverifiable && onlyUnverifiable[tc.policy]) {
			broken[tc.policy] = true
		}
	}
	for _, p := range eng.Policies() {
		t.Run(p.ID, func(t *testing.T) {
			assert.True(t, broken[p.ID], "got no row in policyCases where a shared fixture breaks %s, want at least one", p.ID)
		})
	}
}

// TestCleanFixturesPass requires the compliant fixtures to give nothing but passes, through
// kvguard check and, for the export, through AnalyzeStack.
func TestCleanFixturesPass(t *testing.T) {
	runs := newFixtureRuns()
	for _, name := range []string{"export-clean-dev.json", "preview-clean-dev.json", "preview-with-text.txt"} {
		t.Run(name, func(t *testing.T) {
			rep := runs.check(t, name, "dev")
			require.NotEmpty(t, rep.Results)
			assert.Equal(t, engine.ExitClean, rep.ExitCode, "got exit %d, want %d", rep.ExitCode, engine.ExitClean)
			for _, r := range rep.Results {
				assert.Equal(t, engine.StatusPass, r.Status, "%s %s: got %s, want pass; message: %s", r.PolicyID, r.URN, r.Status, r.Message)
			}
			if !isExport(name) {
				return
			}
			resp := runs.analyzeStack(t, name, "dev")
			assert.Empty(t, resp.GetDiagnostics(), "AnalyzeStack: got %v, want no diagnostics", diags(resp))
		})
	}
}
