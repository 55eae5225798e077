package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kvguard/kvguard/internal/engine"
	"github.com/kvguard/kvguard/internal/output"
)

// The plan tests run the real program with the repository's Pulumi.yaml, stacks/ and
// examples/, at the date the stack configs were written for.
const (
	projectDir = "../.."
	planNow    = "2026-12-03"
	// planPlantedSecret is handed to the program as a secret value; no output may contain it.
	planPlantedSecret = "PLANTED-cli-s3cr3t-77ab"
)

// planArgs prefixes the flags every plan test shares.
func planArgs(args ...string) []string {
	return append([]string{"plan", "--project-dir", projectDir, "--now", planNow}, args...)
}

// jsonReport decodes the --format json report.
type jsonReport struct {
	Stack   string          `json:"stack"`
	Source  string          `json:"source"`
	Results []engine.Result `json:"results"`
}

func decodeReport(t *testing.T, out string) jsonReport {
	t.Helper()
	var r jsonReport
	require.NoError(t, json.Unmarshal([]byte(out), &r), "report is not JSON: %s", out)
	return r
}

// failing lists "ID level" for every failed result, sorted and deduplicated.
func failing(r jsonReport) []string {
	seen := map[string]bool{}
	var out []string
	for _, res := range r.Results {
		k := res.PolicyID + " " + string(res.Level)
		if res.Status == engine.StatusFail && !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// findings is the comparable part of a report's non-passing results.
func findings(r jsonReport) []string {
	var out []string
	for _, res := range r.Results {
		if res.Status != engine.StatusPass {
			out = append(out, strings.Join([]string{res.PolicyID, res.URN, string(res.Status), string(res.Level), res.Message, res.Path}, "|"))
		}
	}
	sort.Strings(out)
	return out
}

func TestPlanStacksAreCompliant(t *testing.T) {
	for _, stack := range []string{"dev", "staging", "prod"} {
		t.Run(stack, func(t *testing.T) {
			stdout, stderr, code := runCLI(t, "", planArgs("--stack", stack, "--out", filepath.Join(t.TempDir(), "p.json"))...)
			require.Equal(t, 0, code, "got exit %d, want 0; stderr: %s\n%s", code, stderr, stdout)
			assert.Contains(t, stdout, `Plan for stack "`+stack+`"`)

			// Every resource of the stack is listed, with its type and logical name.
			// With the policy files the pipelines in docs/pipelines.md pass, too.
			jsonOut, stderr, code := runCLI(t, "", planArgs("--stack", stack, "--format", "json",
				"--config", filepath.Join(projectDir, "policy-config."+stack+".json"),
				"--exceptions", filepath.Join(projectDir, "policy-exceptions.yaml"))...)
			require.Equal(t, 0, code, "stderr: %s", stderr)
			rep := decodeReport(t, jsonOut)
			assert.Equal(t, "plan", rep.Source)
			urns := map[string]bool{}
			for _, res := range rep.Results {
				urns[res.URN] = true
				if res.Level == engine.LevelMandatory {
					assert.NotEqual(t, engine.StatusFail, res.Status, "%s fails %s", res.URN, res.PolicyID)
				}
			}
			require.NotEmpty(t, urns)
			for urn := range urns {
				name := urn[strings.LastIndex(urn, "::")+2:]
				typ := urn[strings.LastIndex(urn[:strings.LastIndex(urn, "::")], "$")+1 : strings.LastIndex(urn, "::")]
				assert.Contains(t, stdout, typ+"  "+name, "listing misses %s", urn)
			}
			for _, typ := range []string{"azure-native:keyvault:Vault", "azure-native:keyvault:Secret", "azure-native:authorization:RoleAssignment", "azure-native:insights:DiagnosticSetting", "azure-native:managedidentity:UserAssignedIdentity"} {
				assert.Contains(t, stdout, typ, "stack %s lists no %s", stack, typ)
			}
		})
	}
}

func TestPlanNonCompliantExamples(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{name: "dev expiry", args: []string{"--stack", "dev", "--stack-config", projectDir + "/examples/noncompliant/Pulumi.dev.yaml"},
			want: []string{"DIAG-004 advisory", "SEC-002 mandatory", "SEC-003 advisory"}},
		{name: "prod expiry and retention", args: []string{"--stack", "prod", "--stack-config", projectDir + "/examples/noncompliant/Pulumi.prod.yaml"},
			want: []string{"DIAG-004 advisory", "SEC-002 mandatory"}},
		{name: "required tag by policy config", args: []string{"--stack", "dev", "--config", projectDir + "/examples/noncompliant/required-tags.json"},
			want: []string{"GEN-001 mandatory"}},
		{name: "far expiry by --set", args: []string{"--stack", "dev", "--set", "secret-store:secrets[0].expires=2099-12-31"},
			want: []string{"SEC-002 mandatory"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			stdout, stderr, code := runCLI(t, "", planArgs(append(tc.args, "--format", "json")...)...)
			require.Equal(t, 1, code, "got exit %d, want 1; stderr: %s", code, stderr)
			assert.Equal(t, tc.want, failing(decodeReport(t, stdout)))
			assert.Contains(t, stderr, "mandatory policy violation")

			text, _, code := runCLI(t, "", planArgs(tc.args...)...)
			require.Equal(t, 1, code)
			for _, w := range tc.want {
				assert.Contains(t, text, strings.Fields(w)[0], "text output does not name %s", w)
			}
		})
	}
}

// TestPlanExceptionExample runs the README's exception example: the same open firewall fails
// KV-004 without the file and is excepted with it, so the documented URN pattern matches the
// program's real (parented) URNs.
func TestPlanExceptionExample(t *testing.T) {
	open := []string{"--stack", "dev", "--format", "json",
		"--set", "secret-store:publicNetworkAccess=Enabled", "--set", "secret-store:networkDefaultAction=Allow"}
	status := func(args ...string) []string {
		stdout, stderr, code := runCLI(t, "", planArgs(append(open, args...)...)...)
		require.Equal(t, 0, code, "KV-004 is advisory in dev; stderr: %s", stderr)
		var got []string
		for _, res := range decodeReport(t, stdout).Results {
			if res.PolicyID == "KV-004" {
				got = append(got, string(res.Status))
			}
		}
		return got
	}
	assert.Equal(t, []string{string(engine.StatusFail)}, status(), "without the exception")
	assert.Equal(t, []string{string(engine.StatusExcepted)}, status("--exceptions", filepath.Join(projectDir, "examples", "exceptions", "dev-public-vault.yaml")), "with the exception")
}

func TestPlanOutThenCheckGivesSameFindings(t *testing.T) {
	tests := []struct {
		name string
		args []string
	}{
		{name: "compliant dev", args: []string{"--stack", "dev"}},
		{name: "compliant prod", args: []string{"--stack", "prod"}},
		{name: "non-compliant dev", args: []string{"--stack", "dev", "--stack-config", projectDir + "/examples/noncompliant/Pulumi.dev.yaml"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "p.json")
			planOut, stderr, planCode := runCLI(t, "", planArgs(append(tc.args, "--format", "json", "--out", out)...)...)
			require.NotEqual(t, 2, planCode, "stderr: %s", stderr)
			stack := tc.args[1]
			checkOut, stderr, checkCode := runCLI(t, "", "check", out, "--stack", stack, "--now", planNow, "--format", "json")
			require.NotEqual(t, 2, checkCode, "stderr: %s", stderr)
			assert.Equal(t, planCode, checkCode, "exit codes differ")
			p, c := decodeReport(t, planOut), decodeReport(t, checkOut)
			assert.Equal(t, "preview", c.Source)
			assert.Equal(t, findings(p), findings(c))
			assert.Equal(t, len(p.Results), len(c.Results), "got %d results from check, want %d as from plan", len(c.Results), len(p.Results))
		})
	}
}

func TestPlanAgainstState(t *testing.T) {
	dir := t.TempDir()
	state := filepath.Join(dir, "state.json")
	_, stderr, code := runCLI(t, "", planArgs("--stack", "dev", "--state-out", state)...)
	require.Equal(t, 0, code, "stderr: %s", stderr)

	tests := []struct {
		name     string
		set      []string
		wantOps  map[string]int
		wantFail []string
	}{
		{name: "same stack gives only same", wantOps: map[string]int{"same": -1}},
		{name: "new vault name replaces the vault", set: []string{"--set", "secret-store:vaultName=kv-renamed-01"},
			wantOps: map[string]int{"replace": -1, "same": -1}, wantFail: []string{"KV-007 advisory"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(dir, "p.json")
			args := append([]string{"--stack", "dev", "--state", state, "--format", "json", "--out", out}, tc.set...)
			stdout, stderr, code := runCLI(t, "", planArgs(args...)...)
			require.Equal(t, 0, code, "stderr: %s", stderr)
			var preview struct {
				Steps []struct {
					Op             string   `json:"op"`
					URN            string   `json:"urn"`
					ReplaceReasons []string `json:"replaceReasons"`
				} `json:"steps"`
			}
			data, err := os.ReadFile(out)
			require.NoError(t, err)
			require.NoError(t, json.Unmarshal(data, &preview))
			ops := map[string]int{}
			for _, s := range preview.Steps {
				ops[s.Op]++
				if strings.Contains(s.URN, "keyvault:Vault::") && len(tc.set) > 0 {
					assert.Equal(t, "replace", s.Op)
					assert.Equal(t, []string{"vaultName"}, s.ReplaceReasons)
				}
			}
			for op := range ops {
				_, ok := tc.wantOps[op]
				assert.True(t, ok, "got op %q (%v), want only %v", op, ops, tc.wantOps)
			}
			rep := decodeReport(t, stdout)
			got := failing(rep)
			for _, w := range tc.wantFail {
				assert.Contains(t, got, w)
			}
			if len(tc.wantFail) == 0 {
				assert.NotContains(t, got, "KV-007 advisory", "KV-007 fires on an unchanged stack")
			}
		})
	}
}

func TestPlanNeverPrintsSecrets(t *testing.T) {
	dir := t.TempDir()
	for _, format := range []string{"text", "json", "sarif", "junit", "github", "markdown"} {
		t.Run(format, func(t *testing.T) {
			out, state, report := filepath.Join(dir, format+".json"), filepath.Join(dir, format+".state"), filepath.Join(dir, format+".report")
			stdout, stderr, code := runCLI(t, "", planArgs("--stack", "prod", "--format", format,
				"--set", "secret-store:secret-db-connection="+planPlantedSecret, "--out", out, "--state-out", state)...)
			require.Equal(t, 0, code, "stderr: %s", stderr)
			_, _, code = runCLI(t, "", planArgs("--stack", "prod", "--format", format,
				"--set", "secret-store:secret-db-connection="+planPlantedSecret, "--output", report)...)
			require.Equal(t, 0, code)
			assertNoneContains(t, map[string]string{"stdout": stdout, "stderr": stderr}, []string{out, state, report},
				planPlantedSecret, "UGxhY2Vob2xkZXJDaXBoZXJ0ZXh0") // the second: a secure value of stacks/Pulumi.prod.yaml
		})
	}
	// A bad --set never echoes its value either.
	_, stderr, code := runCLI(t, "", planArgs("--stack", "dev", "--set", "secret-store:secrets.x="+planPlantedSecret)...)
	assert.Equal(t, 2, code)
	assert.NotContains(t, stderr, planPlantedSecret)
}

func TestPlanBadInput(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		wantStderr string
	}{
		{name: "unknown stack", args: []string{"--stack", "qa"}, wantStderr: "Pulumi.qa.yaml"},
		{name: "malformed set", args: []string{"--set", "no-equals-sign"}, wantStderr: "--set: (an argument without '=', not shown: it may hold a value): expected KEY=VALUE"},
		{name: "program rejects config", args: []string{"--set", "secret-store:sku=gold"}, wantStderr: `"secret-store:sku": must be standard or premium`},
		{name: "bad state file", args: []string{"--state", "plan_test.go"}, wantStderr: "plan_test.go: expected a well-formed JSON object"},
		{name: "a preview given as state", args: []string{"--state", fixtures + "/preview-clean-dev.json"}, wantStderr: "expected a pulumi stack export, got pulumi preview --json output"},
		// The hint names the key that was set (and that plan --help documents), not our override.
		{name: "bad provider tenant", args: []string{"--set", "azure-native:tenantId=bad"}, wantStderr: `tenant id "bad" from getClientConfig is not a non-empty GUID; set "azure-native:tenantId"`},
		{name: "missing stack config", args: []string{"--stack-config", "nope.yaml"}, wantStderr: "nope.yaml"},
		{name: "bad --now", args: []string{"--now", "tomorrow"}, wantStderr: "--now"},
		{name: "misspelt secret name, value not echoed", args: []string{"--set", "secret-store:secret-db-conection=PLANTED-x"}, wantStderr: `no secret named "db-conection"`},
		{name: "extra argument, not echoed", args: []string{"--set", "secret-store:secret-db-connection", "PLANTED"}, wantStderr: "plan takes no arguments, got 1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"plan", "--project-dir", projectDir}, tc.args...)
			stdout, stderr, code := runCLI(t, "", args...)
			assert.Equal(t, 2, code, "got exit %d, want 2; stderr: %s", code, stderr)
			assert.Contains(t, stderr, tc.wantStderr)
			assert.NotContains(t, stderr, "PLANTED", "an argument that may be a value is echoed")
			assert.Empty(t, stdout)
		})
	}
}

// TestEnvironmentConfigRaisesProfile: a stack whose name says nothing ("eu-west") but whose
// config says environment: prod is judged as prod, by plan and by check on its preview.
func TestEnvironmentConfigRaisesProfile(t *testing.T) {
	out := filepath.Join(t.TempDir(), "p.json")
	args := planArgs("--stack", "eu-west", "--stack-config", filepath.Join(projectDir, "stacks", "Pulumi.prod.yaml"), "--format", "json", "--out", out)
	planOut, stderr, code := runCLI(t, "", args...)
	require.NotEqual(t, 2, code, "stderr: %s", stderr)
	checkOut, stderr, code := runCLI(t, "", "check", out, "--now", planNow, "--format", "json")
	require.NotEqual(t, 2, code, "stderr: %s", stderr)
	for name, got := range map[string]string{"plan": planOut, "check": checkOut} {
		var rep struct{ Stack, Profile string }
		require.NoError(t, json.Unmarshal([]byte(got), &rep))
		assert.Equal(t, "eu-west", rep.Stack, name)
		assert.Equal(t, "prod", rep.Profile, "%s: got profile %q, want prod from the stack's environment", name, rep.Profile)
	}
}

// statePlanted is planted in a --state export, in every form a secret takes there; no output of
// plan may contain it.
const statePlanted = "PLANTED-state-s3cr3t-5c2e"

// plantedState writes the export a simulated update of the dev stack leaves, with statePlanted
// in it: the db-connection secret's value in plain text (what SEC-005 flags), the
// payments-api-key value as a --show-secrets signature object with the plaintext, a tag of the
// resource group as a signature object with a ciphertext holding it, and three Key Vault
// secrets the program no longer has (so they are deleted) holding it in those three forms.
func plantedState(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	clean := filepath.Join(dir, "clean.json")
	_, stderr, code := runCLI(t, "", planArgs("--stack", "dev", "--state-out", clean)...)
	require.Equal(t, 0, code, "stderr: %s", stderr)
	data, err := os.ReadFile(clean)
	require.NoError(t, err)
	var export map[string]any
	require.NoError(t, json.Unmarshal(data, &export))
	deployment := export["deployment"].(map[string]any)
	resources := deployment["resources"].([]any)

	const sigKey, sigValue = "4dabf18193072939515e22adb298388d", "1b47061264138c4ac30d75fd1eb44270"
	plain := func() any { return statePlanted }
	shown := func() any { return map[string]any{sigKey: sigValue, "plaintext": `"` + statePlanted + `"`} }
	cipher := func() any { return map[string]any{sigKey: sigValue, "ciphertext": "v1:" + statePlanted + ":AAAABBBB"} }
	setValue := func(r map[string]any, value func() any) {
		for _, side := range []string{"inputs", "outputs"} {
			r[side].(map[string]any)["properties"].(map[string]any)["value"] = value()
		}
	}
	var template map[string]any
	var stackURN string
	planted := 0
	for _, x := range resources {
		r := x.(map[string]any)
		urn := r["urn"].(string)
		switch {
		case r["type"] == "pulumi:pulumi:Stack":
			stackURN = urn
		case strings.HasSuffix(urn, "::store-secret-db-connection"):
			setValue(r, plain)
			template = r
			planted++
		case strings.HasSuffix(urn, "::store-secret-payments-api-key"):
			setValue(r, shown)
			planted++
		case r["type"] == "azure-native:resources:ResourceGroup":
			for _, side := range []string{"inputs", "outputs"} {
				r[side].(map[string]any)["tags"].(map[string]any)["owner"] = cipher()
			}
			planted++
		}
	}
	require.Equal(t, 3, planted, "the dev stack's export changed shape")
	for name, value := range map[string]func() any{"legacy-plain": plain, "legacy-shown": shown, "legacy-cipher": cipher} {
		var r map[string]any
		raw, err := json.Marshal(template)
		require.NoError(t, err)
		require.NoError(t, json.Unmarshal(raw, &r))
		r["urn"] = stackURN[:strings.Index(stackURN, "pulumi:pulumi:Stack")] + "azure-native:keyvault:Secret::" + name
		r["parent"] = stackURN
		r["id"] = r["id"].(string) + "-" + name
		setValue(r, value)
		resources = append(resources, r)
	}
	deployment["resources"] = resources
	data, err = json.MarshalIndent(export, "", "  ")
	require.NoError(t, err)
	require.Equal(t, 12, strings.Count(string(data), statePlanted), "planted forms: 6 resources, inputs and outputs")
	state := filepath.Join(dir, "planted.json")
	require.NoError(t, os.WriteFile(state, data, 0o600))
	return state
}

// TestPlanNeverPrintsStateSecrets: secrets of the --state export, and a Key Vault secret value
// it holds in plain text, are "[secret]" in the listing and the --out file and appear in no
// output of any format.
func TestPlanNeverPrintsStateSecrets(t *testing.T) {
	state := plantedState(t)
	dir := t.TempDir()
	for _, format := range output.Formats() {
		t.Run(format, func(t *testing.T) {
			out, stateOut, report := filepath.Join(dir, format+".json"), filepath.Join(dir, format+".state"), filepath.Join(dir, format+".report")
			stdout, stderr, code := runCLI(t, "", planArgs("--stack", "dev", "--format", format, "--state", state,
				"--out", out, "--state-out", stateOut)...)
			require.Equal(t, 0, code, "stderr: %s", stderr)
			listing, stderr2, code := runCLI(t, "", planArgs("--stack", "dev", "--format", format, "--state", state, "--output", report)...)
			require.Equal(t, 0, code, "stderr: %s", stderr2)
			texts := map[string]string{"stdout": stdout, "stderr": stderr, "stdout with --output": listing, "stderr with --output": stderr2}
			assertNoneContains(t, texts, []string{out, stateOut, report}, statePlanted, "AAAABBBB") // a secret and a ciphertext of the --state export
			if format != output.FormatText {
				return
			}
			// The listing shows the values as secrets, the deleted ones too.
			for _, name := range []string{"legacy-plain", "legacy-shown", "legacy-cipher"} {
				i := strings.Index(stdout, "delete   azure-native:keyvault:Secret  "+name+"\n")
				require.GreaterOrEqual(t, i, 0, "listing misses the delete of %s:\n%s", name, stdout)
				assert.Contains(t, stdout[i:], "value:                 [secret]", "%s", name)
			}
			// The --out file prints every secret of the old (and new) state as "[secret]".
			data, err := os.ReadFile(out)
			require.NoError(t, err)
			var preview struct {
				Steps []struct {
					Op       string `json:"op"`
					URN      string `json:"urn"`
					OldState *struct {
						Inputs, Outputs map[string]any
					} `json:"oldState"`
					NewState *struct {
						Inputs, Outputs map[string]any
					} `json:"newState"`
				} `json:"steps"`
			}
			require.NoError(t, json.Unmarshal(data, &preview))
			ops := map[string]string{}
			for _, s := range preview.Steps {
				name := s.URN[strings.LastIndex(s.URN, "::")+2:]
				ops[name] = s.Op
				states := map[string]map[string]any{}
				if s.OldState != nil {
					states["oldState.inputs"], states["oldState.outputs"] = s.OldState.Inputs, s.OldState.Outputs
				}
				if s.NewState != nil && s.Op != "create" {
					states["newState.inputs"], states["newState.outputs"] = s.NewState.Inputs, s.NewState.Outputs
				}
				for where, props := range states {
					switch {
					case strings.Contains(s.URN, "keyvault:Secret::"):
						p, _ := props["properties"].(map[string]any)
						assert.Equal(t, "[secret]", p["value"], "%s %s: properties.value", name, where)
					case strings.Contains(s.URN, "resources:ResourceGroup::") && strings.HasPrefix(where, "oldState"):
						// The program's new owner tag is plain; only the state's was a secret.
						tags, _ := props["tags"].(map[string]any)
						assert.Equal(t, "[secret]", tags["owner"], "%s %s: tags.owner", name, where)
					}
				}
			}
			want := map[string]string{"legacy-plain": "delete", "legacy-shown": "delete", "legacy-cipher": "delete",
				"store-secret-payments-api-key": "same", "store-secret-db-connection": "update", "store-rg": "update"}
			got := map[string]string{}
			for name := range want {
				got[name] = ops[name]
			}
			assert.Equal(t, want, got, "a value the state holds in plain text is an update, a secret compares equal")
		})
	}
}

// assertNoneContains checks that no text, and no file of files, contains any of secrets.
func assertNoneContains(t *testing.T, texts map[string]string, files []string, secrets ...string) {
	t.Helper()
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		texts[filepath.Base(f)] = string(data)
	}
	for name, text := range texts {
		for _, secret := range secrets {
			assert.NotContains(t, text, secret, "%s leaks %q", name, secret)
		}
	}
}
