// Package e2e runs kvguard against the real Pulumi engine. The tests need the Pulumi CLI, built
// from the pinned tools module (tools/pulumicli) and cached, so they run only with
// KVGUARD_E2E=1 (.ci/run sets it); plain `go test ./...` skips them.
package e2e

import (
	"bytes"
	"context"
	"debug/buildinfo"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pulumiVersion is the CLI the tools module pins; the cache file name carries it so a bump
// never reuses an old binary.
const pulumiVersion = "v3.276.0"

// packPlanted is the secret the shared fixtures carry.
const packPlanted = "kvguard-planted-SECRET-9f8e7d"

// packNow pins the evaluation time inside the plugin (KVGUARD_NOW), so expiry policies do not
// drift with the calendar.
const packNow = "2026-12-03T00:00:00Z"

func packRepoRoot(t *testing.T) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	require.True(t, ok)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

func packSkipUnlessE2E(t *testing.T) {
	t.Helper()
	if os.Getenv("KVGUARD_E2E") != "1" {
		t.Skip("end-to-end test with the real Pulumi CLI; set KVGUARD_E2E=1 to run it")
	}
}

var (
	pulumiOnce sync.Once
	pulumiPath string
	pulumiErr  error
)

// pulumiCLI returns the cached Pulumi CLI, building it from tools/pulumicli when missing
// (about 7 minutes on two cores the first time).
func pulumiCLI(t *testing.T) string {
	t.Helper()
	pulumiOnce.Do(func() {
		cache, err := os.UserCacheDir()
		if err != nil {
			pulumiErr = err
			return
		}
		pulumiPath = filepath.Join(cache, "kvguard", "pulumi-"+pulumiVersion)
		if _, err := os.Stat(pulumiPath); err == nil {
			return
		}
		if err := os.MkdirAll(filepath.Dir(pulumiPath), 0o755); err != nil {
			pulumiErr = err
			return
		}
		tmp := pulumiPath + ".tmp"
		cmd := exec.Command("go", "build", "-o", tmp, "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi")
		cmd.Dir = filepath.Join(packRepoRoot(t), "tools", "pulumicli")
		if out, err := cmd.CombinedOutput(); err != nil {
			pulumiErr = errors.New("build the Pulumi CLI: " + err.Error() + "\n" + string(out))
			return
		}
		pulumiErr = os.Rename(tmp, pulumiPath)
	})
	require.NoError(t, pulumiErr)
	// A CLI built with plain `go build` prints an empty version, so check the module it was
	// built from instead.
	info, err := buildinfo.ReadFile(pulumiPath)
	require.NoError(t, err, "read build info of %q", pulumiPath)
	got := ""
	if info.Main.Path == "github.com/pulumi/pulumi/pkg/v3" {
		got = info.Main.Version
	}
	for _, dep := range info.Deps {
		if dep.Path == "github.com/pulumi/pulumi/pkg/v3" {
			got = dep.Version
		}
	}
	require.Equal(t, pulumiVersion, got, "got pkg/v3 %q in %q, want %s; delete the cached CLI to rebuild it", got, pulumiPath, pulumiVersion)
	return pulumiPath
}

// buildPack builds the analyzer plugin into dir.
func buildPack(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "pulumi-analyzer-policy-kvguard")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/pulumi-analyzer-policy-kvguard")
	cmd.Dir = packRepoRoot(t)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "build the policy pack: %s", out)
	return bin
}

// packRun is one `pulumi policy analyze` run.
type packRun struct {
	exit   int
	output string
}

// runAnalyze runs `pulumi policy analyze --file export --policy-pack pack` offline: no
// login, no plugin downloads, a throwaway PULUMI_HOME.
func runAnalyze(t *testing.T, pulumi, export, pack, config string, env ...string) packRun {
	t.Helper()
	args := []string{"policy", "analyze", "--file", export, "--policy-pack", pack}
	if config != "" {
		args = append(args, "--policy-pack-config", config)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, pulumi, args...)
	cmd.Dir = t.TempDir()
	cmd.Env = append(os.Environ(),
		"PULUMI_HOME="+t.TempDir(),
		"PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true",
		"PULUMI_SKIP_UPDATE_CHECK=true",
		"PULUMI_CONFIG_PASSPHRASE=",
		"KVGUARD_NOW="+packNow,
	)
	cmd.Env = append(cmd.Env, env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	run := packRun{output: out.String()}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		run.exit = ee.ExitCode()
	default:
		require.NoError(t, err, "run pulumi policy analyze: %s", out.String())
	}
	t.Logf("pulumi %s\nexit %d\n%s", strings.Join(args, " "), run.exit, run.output)
	return run
}

func TestPolicyPackWithPulumiCLI(t *testing.T) {
	packSkipUnlessE2E(t)
	pulumi := pulumiCLI(t)
	root := packRepoRoot(t)
	fixture := func(name string) string { return filepath.Join(root, "tests", "testdata", "pulumi", name) }

	binDir := t.TempDir()
	bin := buildPack(t, binDir)
	// The binary beside the directory pack's manifest: Pulumi launches the binary and also
	// loads PulumiPolicy.yaml from its directory, so the manifest must stay loadable.
	withManifest := filepath.Join(t.TempDir(), "pack")
	require.NoError(t, os.MkdirAll(withManifest, 0o755))
	manifest, err := os.ReadFile(filepath.Join(root, "cmd", "pulumi-analyzer-policy-kvguard", "PulumiPolicy.yaml"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(withManifest, "PulumiPolicy.yaml"), manifest, 0o644))
	binWithManifest := buildPack(t, withManifest)

	cfgDir := t.TempDir()
	writeFile := func(name, text string) string {
		p := filepath.Join(cfgDir, name)
		require.NoError(t, os.WriteFile(p, []byte(text), 0o600))
		return p
	}
	// The clean export with its vault opened to public networks: KV-004 is advisory in dev
	// and mandatory in prod, and `pulumi policy analyze` names the stack only in the URNs.
	clean, err := os.ReadFile(fixture("export-clean-dev.json"))
	require.NoError(t, err)
	public := strings.NewReplacer(`"publicNetworkAccess": "Disabled"`, `"publicNetworkAccess": "Enabled"`,
		`"defaultAction": "Deny"`, `"defaultAction": "Allow"`).Replace(string(clean))
	require.NotEqual(t, string(clean), public, "precondition: the fixture's vault is private")
	publicDev := writeFile("export-public-dev.json", public)
	publicProd := writeFile("export-public-prod.json", strings.ReplaceAll(public, "urn:pulumi:dev::", "urn:pulumi:prod::"))
	advisoryCfg := writeFile("advisory.json", `{"SEC-005": "advisory"}`)
	unknownCfg := writeFile("unknown.json", `{"KV-999": "mandatory"}`)
	badTypeCfg := writeFile("badtype.json", `{"SEC-002": {"maxValidityDays": "ninety"}}`)
	exceptions := writeFile("exceptions.yaml", `exceptions:
  - policy: SEC-005
    urns: ["urn:pulumi:dev::secret-store::azure-native:keyvault:Secret::*"]
    reason: "Value rotates into a Pulumi secret with the next release"
    expires: 2027-01-31
`)

	tests := []struct {
		name     string
		export   string
		pack     string
		config   string
		env      []string
		wantExit bool     // true when the run must fail
		want     []string // substrings of the output
		notWant  []string
	}{
		{
			name: "compliant stack passes", export: "export-clean-dev.json", pack: bin,
			want: []string{"kvguard@v0.1.0"}, notWant: []string{"[mandatory]", "error:"},
		},
		{
			name: "public vault is advisory in dev", export: publicDev, pack: bin,
			want: []string{"[advisory]", "KV-004"}, notWant: []string{"[mandatory]"},
		},
		{
			name: "public vault blocks in prod", export: publicProd, pack: bin,
			wantExit: true, want: []string{"[mandatory]", "KV-004"},
		},
		{
			name: "plaintext secret value blocks", export: "export-plaintext-secret.json", pack: bin,
			wantExit: true,
			want:     []string{"[mandatory]", "SEC-005", "one or more mandatory policy violations were found"},
		},
		{
			name: "config lowers the level", export: "export-plaintext-secret.json", pack: bin, config: advisoryCfg,
			want: []string{"[advisory]", "SEC-005"}, notWant: []string{"[mandatory]"},
		},
		{
			name: "exception waives the failure", export: "export-plaintext-secret.json", pack: bin,
			env:  []string{"KVGUARD_EXCEPTIONS=" + exceptions},
			want: []string{"SEC-005", "Excepted"}, notWant: []string{"[mandatory]"},
		},
		{
			name: "secrets stay out of the output", export: "export-show-secrets.json", pack: bin,
			notWant: []string{"[mandatory]"},
		},
		{
			name: "binary beside PulumiPolicy.yaml", export: "export-plaintext-secret.json", pack: binWithManifest,
			wantExit: true, want: []string{"[mandatory]", "SEC-005"},
		},
		{
			name: "unknown policy in config fails closed", export: "export-clean-dev.json", pack: bin, config: unknownCfg,
			wantExit: true, want: []string{"KV-999"},
		},
		{
			name: "wrong setting type fails closed", export: "export-clean-dev.json", pack: bin, config: badTypeCfg,
			wantExit: true, want: []string{"SEC-002"},
		},
		{
			name: "missing exceptions file fails closed", export: "export-clean-dev.json", pack: bin,
			env:      []string{"KVGUARD_EXCEPTIONS=" + filepath.Join(cfgDir, "missing.yaml")},
			wantExit: true, want: []string{"KVGUARD_EXCEPTIONS"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			export := tt.export
			if !filepath.IsAbs(export) {
				export = fixture(export)
			}
			run := runAnalyze(t, pulumi, export, tt.pack, tt.config, tt.env...)
			if tt.wantExit {
				assert.NotEqual(t, 0, run.exit, "got exit 0, want a failure")
			} else {
				assert.Equal(t, 0, run.exit, "got exit %d, want 0", run.exit)
			}
			for _, s := range tt.want {
				assert.Contains(t, run.output, s)
			}
			for _, s := range tt.notWant {
				assert.NotContains(t, run.output, s)
			}
			assert.NotContains(t, run.output, packPlanted)
		})
	}
}

// TestDirectoryPackWithPulumiCLI loads the pack the way a standard CLI install does,
// `--policy-pack <dir>` with PulumiPolicy.yaml `runtime: go`: Pulumi starts pulumi-language-go,
// which builds the directory. That language host ships with the standard CLI but is not built
// here (its module is not served by the module proxy), so the test runs only where it is on PATH.
func TestDirectoryPackWithPulumiCLI(t *testing.T) {
	packSkipUnlessE2E(t)
	if _, err := exec.LookPath("pulumi-language-go"); err != nil {
		t.Skip("pulumi-language-go is not on PATH; the directory form needs the Go language host of a standard Pulumi install")
	}
	pulumi := pulumiCLI(t)
	root := packRepoRoot(t)
	dir := filepath.Join(root, "cmd", "pulumi-analyzer-policy-kvguard")
	run := runAnalyze(t, pulumi, filepath.Join(root, "tests", "testdata", "pulumi", "export-plaintext-secret.json"), dir, "")
	assert.NotEqual(t, 0, run.exit, "got exit 0, want the mandatory SEC-005 failure")
	assert.Contains(t, run.output, "SEC-005")
	assert.NotContains(t, run.output, packPlanted)
}
