package cli

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// runCLI runs kvguard as main does: the error, if any, is printed on stderr and mapped to the
// exit code.
func runCLI(t *testing.T, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := Execute(context.Background(), "0.0.0-test", args, bytes.NewBufferString(stdin), &out, &errOut)
	if err != nil {
		errOut.WriteString("kvguard: " + err.Error() + "\n")
	}
	return out.String(), errOut.String(), ExitCode(err)
}

func TestExitCode(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want int
	}{
		{name: "nil", err: nil, want: 0},
		{name: "violation", err: &ExitError{Code: 1, Err: errors.New("x")}, want: 1},
		{name: "wrapped exit error", err: errors.Join(errors.New("ctx"), &ExitError{Code: 1}), want: 1},
		{name: "bad input", err: badInput(errors.New("x")), want: 2},
		{name: "plain error is never 0", err: errors.New("cobra usage"), want: 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, ExitCode(tc.err))
		})
	}
}

func TestBadInputKeepsExitError(t *testing.T) {
	err := badInput(&ExitError{Code: 1, Err: errors.New("violation")})
	assert.Equal(t, 1, ExitCode(err), "badInput must not turn a violation into a usage error")
	assert.NoError(t, badInput(nil))
}

func TestRootRegistersSubcommands(t *testing.T) {
	root := NewRootCmd("1.2.3")
	assert.Equal(t, "1.2.3", root.Version)
	for _, name := range []string{"check", "policies"} {
		t.Run(name, func(t *testing.T) {
			c, _, err := root.Find([]string{name})
			require.NoError(t, err)
			assert.Equal(t, name, c.Name())
		})
	}
}

func TestUsageErrors(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		wantStderr string
	}{
		{name: "unknown command", args: []string{"frobnicate"}, wantStderr: `unknown command "frobnicate"`},
		{name: "unknown flag", args: []string{"check", "--bogus", "x.json"}, wantStderr: "unknown flag: --bogus"},
		{name: "check without file", args: []string{"check"}, wantStderr: "accepts 1 arg(s), received 0"},
		{name: "policies list bad format", args: []string{"policies", "list", "--format", "xml"}, wantStderr: `unknown format "xml"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			stdout, stderr, code := runCLI(t, "", tc.args...)
			assert.Equal(t, 2, code, "got exit %d, want 2; stderr: %s", code, stderr)
			assert.Contains(t, stderr, tc.wantStderr)
			assert.Empty(t, stdout)
		})
	}
}

func TestVersionFlag(t *testing.T) {
	stdout, _, code := runCLI(t, "", "--version")
	assert.Equal(t, 0, code)
	assert.Contains(t, stdout, "0.0.0-test")
}
