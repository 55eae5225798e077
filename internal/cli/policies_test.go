package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/spf13/cobra"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kvguard/kvguard/internal/docgen"
)

func TestPoliciesList(t *testing.T) {
	eng, err := loadEngine()
	require.NoError(t, err)
	want := eng.Policies()
	require.NotEmpty(t, want)

	t.Run("json", func(t *testing.T) {
		stdout, stderr, code := runCLI(t, "", "policies", "list", "--format", "json")
		require.Equal(t, 0, code, "stderr: %s", stderr)
		var got []policyListEntry
		require.NoError(t, json.Unmarshal([]byte(stdout), &got))
		require.Len(t, got, len(want))
		for i, e := range got {
			assert.Equal(t, want[i].ID, e.ID, "entry %d: want the catalogue order (by id)", i)
			assert.Equal(t, want[i].Title, e.Title)
			assert.Len(t, e.Levels, 3, "%s: want a level for dev, staging and prod", e.ID)
			for prof, lvl := range e.Levels {
				assert.Contains(t, []string{"mandatory", "advisory", "disabled"}, lvl, "%s %s", e.ID, prof)
			}
		}
	})
	t.Run("text", func(t *testing.T) {
		stdout, stderr, code := runCLI(t, "", "policies", "list")
		require.Equal(t, 0, code, "stderr: %s", stderr)
		lines := strings.Split(strings.TrimRight(stdout, "\n"), "\n")
		require.Len(t, lines, len(want)+1, "want a header and one row per policy")
		assert.Regexp(t, `^ID\s+SEVERITY\s+DEV\s+STAGING\s+PROD\s+TITLE$`, lines[0])
		for i, p := range want {
			assert.True(t, strings.HasPrefix(lines[i+1], p.ID+" "), "row %d: got %q, want it to start with %s", i+1, lines[i+1], p.ID)
			assert.True(t, strings.HasSuffix(lines[i+1], p.Title), "row %d: got %q, want it to end with the title", i+1, lines[i+1])
		}
	})
}

// opaSummary is the summary form OPA's tester prints; "N passed, N failed" must never appear.
var (
	opaSummary   = regexp.MustCompile(`(?m)^PASS: \d+/\d+$`)
	passedFailed = regexp.MustCompile(`\d+ passed, \d+ failed`)
)

func TestPoliciesTestEmbedded(t *testing.T) {
	stdout, stderr, code := runCLI(t, "", "policies", "test")
	require.Equal(t, 0, code, "embedded Rego tests fail:\n%s\n%s", stdout, stderr)
	assert.Regexp(t, opaSummary, stdout)
	assert.NotRegexp(t, passedFailed, stdout)
	assert.NotContains(t, stdout, "FAIL")
}

func TestRunRegoTests(t *testing.T) {
	const policy = "package kvguard.x\n\nallow if input.ok\n"
	tests := []struct {
		name       string
		tests      string
		verbose    bool
		wantCode   int
		wantOut    []string
		wantAbsent []string
	}{
		{
			name:     "all pass",
			tests:    "package kvguard.x_test\n\nimport data.kvguard.x\n\ntest_allow_ok if x.allow with input as {\"ok\": true}\n",
			wantCode: 0,
			wantOut:  []string{"PASS: 1/1"},
		},
		{
			name:     "verbose lists passing tests",
			tests:    "package kvguard.x_test\n\nimport data.kvguard.x\n\ntest_allow_ok if x.allow with input as {\"ok\": true}\n",
			verbose:  true,
			wantCode: 0,
			wantOut:  []string{"data.kvguard.x_test.test_allow_ok: PASS", "PASS: 1/1"},
		},
		{
			name:       "one fails",
			tests:      "package kvguard.x_test\n\nimport data.kvguard.x\n\ntest_allow_ok if x.allow with input as {\"ok\": true}\n\ntest_allow_wrong if x.allow with input as {\"ok\": false}\n",
			wantCode:   1,
			wantOut:    []string{"data.kvguard.x_test.test_allow_wrong: FAIL", "PASS: 1/2", "FAIL: 1/2"},
			wantAbsent: []string{"test_allow_ok: PASS"},
		},
		{
			name:     "data files load at the root",
			tests:    "package kvguard.x_test\n\ntest_data if data.kvguard.roles.reader == \"r\"\n",
			wantCode: 0,
			wantOut:  []string{"PASS: 1/1"},
		},
		{
			name:     "no tests is an error",
			tests:    "package kvguard.x_test\n",
			wantCode: 2,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fsys := fstest.MapFS{
				"roles.json":    {Data: []byte(`{"kvguard": {"roles": {"reader": "r"}}}`)},
				"x/x.rego":      {Data: []byte(policy)},
				"x/x_test.rego": {Data: []byte(tc.tests)},
			}
			var out bytes.Buffer
			cmd := &cobra.Command{}
			cmd.SetOut(&out)
			cmd.SetContext(context.Background())
			err := runRegoTests(cmd, fsys, tc.verbose, "")
			assert.Equal(t, tc.wantCode, ExitCode(err), "err: %v\noutput:\n%s", err, out.String())
			for _, w := range tc.wantOut {
				assert.Contains(t, out.String(), w)
			}
			for _, a := range tc.wantAbsent {
				assert.NotContains(t, out.String(), a)
			}
			assert.NotRegexp(t, passedFailed, out.String())
		})
	}
}

func TestPoliciesDoc(t *testing.T) {
	eng, err := loadEngine()
	require.NoError(t, err)
	want := docgen.PolicyReference(eng.Policies())

	t.Run("file", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "policies.md")
		stdout, stderr, code := runCLI(t, "", "policies", "doc", "--output", out)
		require.Equal(t, 0, code, "stderr: %s", stderr)
		assert.Empty(t, stdout)
		got, err := os.ReadFile(out)
		require.NoError(t, err)
		assert.Equal(t, string(want), string(got))
	})
	t.Run("stdout", func(t *testing.T) {
		stdout, stderr, code := runCLI(t, "", "policies", "doc", "--output", "-")
		require.Equal(t, 0, code, "stderr: %s", stderr)
		assert.Equal(t, string(want), stdout)
	})
}

func TestPoliciesUnknownSubcommand(t *testing.T) {
	_, stderr, code := runCLI(t, "", "policies", "bogus")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, `unknown command "bogus"`)

	stdout, _, code := runCLI(t, "", "policies")
	assert.Equal(t, 0, code, "the group alone prints its help")
	assert.Contains(t, stdout, "Available Commands")
}
