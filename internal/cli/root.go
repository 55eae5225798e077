// Package cli holds kvguard's cobra commands, one file per subcommand: flags in, engine call,
// output out. Commands never call os.Exit; they return errors that ExitCode maps to the
// process exit code in cmd/kvguard.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/kvguard/kvguard/internal/engine"
	"github.com/kvguard/kvguard/policies"
)

// subcommands holds the constructors of kvguard's subcommands. Each command file appends its
// constructor in init(), so a new command (plan.go) is one new file and root.go stays as is.
var subcommands []func() *cobra.Command

// ExitError carries the exit code a command wants. Err, when set, is printed on stderr by main.
type ExitError struct {
	Code int
	Err  error
}

// Error returns the message of Err, or the bare exit status when there is none.
func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit status %d", e.Code)
	}
	return e.Err.Error()
}

// Unwrap returns Err.
func (e *ExitError) Unwrap() error { return e.Err }

// badInput wraps err as a usage or input error (exit 2).
func badInput(err error) error {
	if err == nil {
		return nil
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		return err
	}
	return &ExitError{Code: engine.ExitBadInput, Err: err}
}

// ExitCode maps an error returned by Execute to a process exit code: nil is 0, an ExitError
// its Code, anything else (cobra usage errors, unexpected failures) 2, never 0.
func ExitCode(err error) int {
	if err == nil {
		return engine.ExitClean
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		return ee.Code
	}
	return engine.ExitBadInput
}

// NewRootCmd builds the kvguard command with every registered subcommand.
func NewRootCmd(version string) *cobra.Command {
	root := &cobra.Command{
		Use:   "kvguard",
		Short: "Check Pulumi Azure Key Vault stacks against least-privilege, expiry and hardening policies",
		Long: `kvguard checks a Pulumi secret store (Key Vaults, identities, role assignments,
diagnostic settings, secrets) against Rego policies, from "pulumi preview --json" output,
"pulumi stack export" output, or a simulated run of the program.

Exit codes: 0 clean, 1 mandatory violation, 2 bad input or usage.`,
		Version:       version,
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	root.SetUsageTemplate(usageTemplate(root.UsageTemplate()))
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return badInput(fmt.Errorf("%w (see %q)", err, c.CommandPath()+" --help"))
	})
	for _, newCmd := range subcommands {
		root.AddCommand(newCmd())
	}
	return root
}

func init() { cobra.AddTemplateFunc("flagUsages", flagUsages) }

// usageTemplate is cobra's usage template with the flag lists rendered by flagUsages.
func usageTemplate(tmpl string) string {
	return strings.NewReplacer(
		".LocalFlags.FlagUsages", "flagUsages .LocalFlags",
		".InheritedFlags.FlagUsages", "flagUsages .InheritedFlags",
	).Replace(tmpl)
}

// flagUsages lists fs as pflag does, but without the "[=true|false]" that pflag 1.1 (which OPA
// requires) appends to every boolean flag: "-h, --help[=true|false]" reads as if --help took a
// value. It renders a copy whose boolean values do not say they are boolean, which pflag then
// prints as before 1.1 ("-h, --help   help for check"); parsing uses the real flags.
func flagUsages(fs *pflag.FlagSet) string {
	shown := pflag.NewFlagSet(fs.Name(), pflag.ContinueOnError)
	shown.SortFlags = fs.SortFlags
	fs.VisitAll(func(f *pflag.Flag) {
		c := *f
		if c.Value.Type() == "bool" {
			c.Value = plainValue{f.Value}
		}
		shown.AddFlag(&c)
	})
	return shown.FlagUsages()
}

// plainValue is a pflag.Value without the IsBoolFlag method of the value it wraps.
type plainValue struct{ pflag.Value }

// Execute runs kvguard with args and the given streams and returns what main maps with
// ExitCode. Results go to stdout; errors are returned, not printed.
func Execute(ctx context.Context, version string, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	root := NewRootCmd(version)
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	return root.ExecuteContext(ctx)
}

// loadEngine compiles the embedded policies once per process; check, plan and the policies
// commands share the result.
var loadEngine = sync.OnceValues(func() (*engine.Engine, error) {
	eng, err := engine.New(policies.FS)
	if err != nil {
		return nil, fmt.Errorf("load embedded policies: %w", err)
	}
	return eng, nil
})
