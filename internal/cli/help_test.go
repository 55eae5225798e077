package cli

import (
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// allCommands lists cmd and every command under it.
func allCommands(cmd *cobra.Command) []*cobra.Command {
	list := []*cobra.Command{cmd}
	for _, c := range cmd.Commands() {
		list = append(list, allCommands(c)...)
	}
	return list
}

func TestHelpFlagIsPlain(t *testing.T) {
	for _, c := range allCommands(NewRootCmd("1.2.3")) {
		path := strings.Fields(c.CommandPath())[1:]
		t.Run(c.CommandPath(), func(t *testing.T) {
			stdout, stderr, code := runCLI(t, "", append(path, "--help")...)
			require.Equal(t, 0, code, "stderr: %s", stderr)
			assert.Regexp(t, regexp.MustCompile(`(?m)^  -h, --help {3,}help for `+regexp.QuoteMeta(c.Name())+`$`), stdout)
			assert.NotContains(t, stdout, "[=true|false]")
		})
	}
}

// A backticked phrase in a usage string becomes the flag's placeholder, so a placeholder with
// a space in it (--config pulumi up --policy-pack-config) is a usage string quoting by mistake.
func TestFlagPlaceholdersAreOneWord(t *testing.T) {
	for _, c := range allCommands(NewRootCmd("1.2.3")) {
		c.Flags().VisitAll(func(f *pflag.Flag) {
			name, _ := pflag.UnquoteUsage(f)
			assert.NotContains(t, name, " ", "%s --%s", c.CommandPath(), f.Name)
		})
	}
}

func TestFlagPlaceholders(t *testing.T) {
	tests := []struct {
		cmd  string
		want map[string]string
	}{
		{cmd: "check", want: map[string]string{
			"stack": "NAME", "config": "FILE", "exceptions": "FILE", "now": "TIME",
			"format": "FORMAT", "output": "FILE", "artifact": "FILE",
		}},
		{cmd: "input", want: map[string]string{"stack": "NAME", "config": "FILE", "now": "TIME", "output": "FILE"}},
	}
	for _, tc := range tests {
		t.Run(tc.cmd, func(t *testing.T) {
			c, _, err := NewRootCmd("1.2.3").Find([]string{tc.cmd})
			require.NoError(t, err)
			for flag, want := range tc.want {
				f := c.Flags().Lookup(flag)
				require.NotNil(t, f, "--%s", flag)
				name, _ := pflag.UnquoteUsage(f)
				assert.Equal(t, want, name, "--%s", flag)
			}
			stdout, _, code := runCLI(t, "", tc.cmd, "--help")
			require.Equal(t, 0, code)
			assert.Contains(t, stdout, "--config FILE ")
			assert.Contains(t, stdout, "-o, --output FILE ")
		})
	}
}
