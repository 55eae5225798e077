package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// installRuntime installs the analyzer binary as the `kvguard` language runtime into a fresh
// PULUMI_HOME, the way docs/policy-pack.md tells users to, and returns that home.
func installRuntime(t *testing.T, pulumi, bin string) string {
	t.Helper()
	home := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, pulumi, "plugin", "install", "language", "kvguard", "0.1.0", "--file", bin)
	cmd.Env = append(os.Environ(),
		"PULUMI_HOME="+home,
		"PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true",
		"PULUMI_SKIP_UPDATE_CHECK=true",
	)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "pulumi plugin install language kvguard: %s", out)
	installed := filepath.Join(home, "plugins", "language-kvguard-v0.1.0", "pulumi-language-kvguard")
	_, err = os.Stat(installed)
	require.NoError(t, err, "got no %q after the install, want the runtime there", installed)
	return home
}

// TestRuntimePackWithPulumiCLI loads the repository's directory pack (policy-pack/,
// `runtime: kvguard`) with the real CLI: Pulumi finds the runtime installed from the binary
// (plugin cache) or on PATH and starts the analyzer through it, offline.
func TestRuntimePackWithPulumiCLI(t *testing.T) {
	packSkipUnlessE2E(t)
	pulumi := pulumiCLI(t)
	root := packRepoRoot(t)
	fixture := func(name string) string { return filepath.Join(root, "tests", "testdata", "pulumi", name) }
	pack := filepath.Join(root, "policy-pack")

	bin := buildPack(t, t.TempDir())
	home := installRuntime(t, pulumi, bin)
	pathDir := t.TempDir()
	require.NoError(t, os.Symlink(bin, filepath.Join(pathDir, "pulumi-language-kvguard")))

	tests := []struct {
		name     string
		export   string
		env      []string
		wantExit bool
		want     []string
		notWant  []string
	}{
		{
			name: "installed runtime: compliant stack passes", export: "export-clean-dev.json",
			env:  []string{"PULUMI_HOME=" + home},
			want: []string{"kvguard@v0.1.0"}, notWant: []string{"[mandatory]", "error:"},
		},
		{
			name: "installed runtime: plaintext secret value blocks", export: "export-plaintext-secret.json",
			env:      []string{"PULUMI_HOME=" + home},
			wantExit: true, want: []string{"[mandatory]", "SEC-005", "one or more mandatory policy violations were found"},
		},
		{
			name: "installed runtime: secrets stay out of the output", export: "export-show-secrets.json",
			env:     []string{"PULUMI_HOME=" + home},
			notWant: []string{"[mandatory]"},
		},
		{
			name: "installed runtime: bad exceptions file fails closed", export: "export-clean-dev.json",
			env:      []string{"PULUMI_HOME=" + home, "KVGUARD_EXCEPTIONS=" + filepath.Join(t.TempDir(), "missing.yaml")},
			wantExit: true, want: []string{"KVGUARD_EXCEPTIONS", "failed to start"},
		},
		{
			name: "runtime on PATH", export: "export-plaintext-secret.json",
			env:      []string{"PATH=" + pathDir + string(os.PathListSeparator) + os.Getenv("PATH")},
			wantExit: true, want: []string{"[mandatory]", "SEC-005"},
		},
		{
			name: "runtime missing is a clear error", export: "export-clean-dev.json",
			wantExit: true, want: []string{"pulumi-language-kvguard"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run := runAnalyze(t, pulumi, fixture(tt.export), pack, "", tt.env...)
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
