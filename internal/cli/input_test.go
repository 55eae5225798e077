package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestInputProfileMatchesCheck: the document `kvguard input` prints is what opa eval and
// conftest judge, so its profile must be the one check uses: the stack's environment setting
// in the preview's config raises a stack whose name says nothing.
func TestInputProfileMatchesCheck(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(fixtures, "preview-clean-dev.json"))
	require.NoError(t, err)
	var preview map[string]any
	require.NoError(t, json.Unmarshal(data, &preview))
	preview["config"] = map[string]any{"secret-store:environment": "prod"}
	edited, err := json.Marshal(preview)
	require.NoError(t, err)

	stdout, stderr, code := runCLI(t, string(edited), "input", "-", "--stack", "eu-west", "--now", "2026-12-03")
	require.Equal(t, 0, code, stderr)
	var doc struct {
		Profile string `json:"profile"`
	}
	require.NoError(t, json.Unmarshal([]byte(stdout), &doc))
	assert.Equal(t, "prod", doc.Profile)
}

func TestInputRefusesContradictorySettings(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "c.json")
	require.NoError(t, os.WriteFile(cfg, []byte(`{"KV-001": {"minRetentionDays": 90, "maxRetentionDays": 7}}`), 0o644))
	out := filepath.Join(dir, "input.json")
	_, stderr, code := runCLI(t, "", "input", filepath.Join(fixtures, "preview-clean-dev.json"), "--config", cfg, "-o", out)
	assert.Equal(t, 2, code)
	assert.True(t, strings.Contains(stderr, "KV-001.minRetentionDays") && strings.Contains(stderr, "c.json"), stderr)
	assert.NoFileExists(t, out, "nothing written on bad input")
}

func TestOutputNeverReplacesAnotherFile(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "preview.json")
	original, err := os.ReadFile(filepath.Join(fixtures, "preview-clean-dev.json"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(in, original, 0o644))
	link := filepath.Join(dir, "link.json")
	require.NoError(t, os.Symlink(in, link))
	out := filepath.Join(dir, "out.txt")
	// A copy of the project, so a regression overwrites nothing of the repository's.
	proj := filepath.Join(dir, "proj")
	require.NoError(t, os.CopyFS(filepath.Join(proj, "stacks"), os.DirFS("../../stacks")))
	project, err := os.ReadFile("../../Pulumi.yaml")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(proj, "Pulumi.yaml"), project, 0o644))

	for _, args := range [][]string{
		{"check", in, "-o", in},
		{"check", in, "-o", link},
		{"input", in, "-o", filepath.Join(dir, ".", "preview.json")},
		{"plan", "--project-dir", "../..", "-o", out, "--out", out},
		{"plan", "--project-dir", "../..", "--out", out, "--state-out", out},
		{"plan", "--project-dir", proj, "--out", filepath.Join(proj, "Pulumi.yaml")},
		{"plan", "--project-dir", proj, "--stack", "prod", "-o", filepath.Join(proj, "stacks", "Pulumi.prod.yaml")},
	} {
		_, stderr, code := runCLI(t, "", args...)
		assert.Equal(t, 2, code, "%v", args)
		assert.Contains(t, stderr, "name the same file", "%v", args)
		got, err := os.ReadFile(in)
		require.NoError(t, err)
		assert.Equal(t, original, got, "%v changed its input", args)
		got, err = os.ReadFile(filepath.Join(proj, "Pulumi.yaml"))
		require.NoError(t, err)
		assert.Equal(t, project, got, "%v changed the project file", args)
		assert.NoFileExists(t, out, "%v wrote an output", args)
	}
}
