package cli

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kvguard/kvguard/internal/engine"
	"github.com/kvguard/kvguard/internal/model"
	"github.com/kvguard/kvguard/internal/output"
)

// defaultStack is the stack whose levels apply when neither --stack nor the document names one.
const defaultStack = "dev"

// reportFlags are the flags of every command that evaluates a document and writes a report
// (check, plan): --stack, --config, --exceptions, --now, --format, --output, --artifact. A
// command uses it
// in three steps, so that bad flags fail before any work and --output is written only when
// everything succeeded:
//
//	var f reportFlags
//	f.bind(cmd)                              // in the constructor
//	if err := f.validate(); err != nil {...} // first thing in RunE: --format, --now (exit 2)
//	return f.report(cmd, doc, artifact)      // evaluate, render, write; exit 1 on violations
//
// evaluate and write are also usable on their own.
type reportFlags struct {
	Stack      string
	Config     string
	Exceptions string
	Now        string
	Format     string
	Output     string
	Artifact   string

	now time.Time // parsed Now; zero means the wall clock
}

// bind registers the flags on cmd.
func (f *reportFlags) bind(cmd *cobra.Command) {
	fl := cmd.Flags()
	// pflag shows the first `quoted` word of a usage string as the flag's placeholder
	// (--config FILE), so each usage quotes exactly one word, the placeholder, and nothing else.
	fl.StringVar(&f.Stack, "stack", "", "`NAME` of the stack whose enforcement levels and defaults apply (default: the stack named in the input, else \""+defaultStack+"\")")
	fl.StringVar(&f.Config, "config", "", "policy-pack config `FILE`: the JSON that pulumi up --policy-pack-config takes")
	fl.StringVar(&f.Exceptions, "exceptions", "", "exceptions `FILE` (YAML or JSON)")
	fl.StringVar(&f.Now, "now", "", "evaluation `TIME`, RFC3339 or YYYY-MM-DD (default: the current time)")
	fl.StringVarP(&f.Format, "format", "f", output.FormatText, "output `FORMAT`: "+strings.Join(output.Formats(), ", "))
	fl.StringVarP(&f.Output, "output", "o", "", "write the report to `FILE` instead of stdout; written only when the check ran")
	fl.StringVar(&f.Artifact, "artifact", "", "repository `FILE` that SARIF results and GitHub annotations point at when a resource has no source position (default: the checked file; Pulumi.yaml for stdin)")
	_ = cmd.RegisterFlagCompletionFunc("format", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return output.Formats(), cobra.ShellCompDirectiveNoFileComp
	})
}

// validate checks the flags that need no input, so a typo fails before any work (exit 2).
func (f *reportFlags) validate() error {
	if _, err := output.Get(f.Format); err != nil {
		return badInput(fmt.Errorf("--format: %w", err))
	}
	f.now = time.Time{}
	if f.Now != "" {
		t, err := engine.ParseNow("--now", f.Now)
		if err != nil {
			return badInput(err)
		}
		f.now = t
	}
	return nil
}

// stackFor is the stack to evaluate doc for: --stack, else the document's, else "dev".
func (f *reportFlags) stackFor(doc *model.Document) string {
	switch {
	case f.Stack != "":
		return f.Stack
	case doc.Stack != "":
		return doc.Stack
	}
	return defaultStack
}

// evaluate reads --config and --exceptions, then evaluates doc with the embedded policies for
// the chosen stack at --now. Every error is a usage or input error (exit 2).
// With release set the engine may drop the document's properties as it converts them (the
// caller reads nothing but doc.Stack afterwards). The report names the stack
// engine.ReportStack gives; the levels are the strictest of its profile and the input's own
// (engine.DocumentProfile).
func (f *reportFlags) evaluate(ctx context.Context, doc *model.Document, release bool) (*engine.Report, error) {
	eng, err := loadEngine()
	if err != nil {
		return nil, badInput(err)
	}
	cfg, err := readPackConfig(eng, f.Config)
	if err != nil {
		return nil, err
	}
	var exc []engine.Exception
	if f.Exceptions != "" {
		data, err := os.ReadFile(f.Exceptions)
		if err != nil {
			return nil, badInput(fmt.Errorf("read --exceptions file: %w", err))
		}
		if exc, err = engine.ParseExceptions(f.Exceptions, data); err != nil {
			return nil, badInput(err)
		}
		if err := eng.ValidateExceptions(f.Exceptions, exc); err != nil {
			return nil, badInput(err)
		}
	}
	stack := f.stackFor(doc)
	rep, err := eng.Evaluate(ctx, doc, engine.Settings{
		Stack:             stack,
		Now:               f.now,
		Config:            cfg,
		Exceptions:        exc,
		ExceptionsFile:    f.Exceptions,
		ReleaseProperties: release,
	})
	if err != nil {
		return nil, badInput(fmt.Errorf("evaluate stack %q: %w", stack, err))
	}
	return rep, nil
}

// write renders rep in --format and writes it to --output or the command's stdout. artifact
// names the file formats attach findings without a source position to; --artifact wins. It
// returns an ExitError with code 1 when rep has a mandatory failure.
func (f *reportFlags) write(cmd *cobra.Command, rep *engine.Report, artifact string) error {
	if f.Artifact != "" {
		artifact = f.Artifact
	}
	o, err := output.Get(f.Format, output.WithVersion(cmd.Root().Version), output.WithArtifact(artifact))
	if err != nil {
		return badInput(fmt.Errorf("--format: %w", err))
	}
	var rendered renderedReport
	if err := o.Output(&rendered, rep); err != nil {
		return fmt.Errorf("render %s report: %w", f.Format, err)
	}
	if f.Output == "" || f.Output == "-" {
		if _, err := rendered.WriteTo(cmd.OutOrStdout()); err != nil {
			return fmt.Errorf("write report: %w", err)
		}
	} else if err := writeFileAtomic(f.Output, &rendered); err != nil {
		return fmt.Errorf("write %s: %w", f.Output, err)
	}
	if rep.ExitCode() == engine.ExitViolation {
		n := rep.Counts().Mandatory
		noun := "violations"
		if n == 1 {
			noun = "violation"
		}
		return &ExitError{Code: engine.ExitViolation, Err: fmt.Errorf("%d mandatory policy %s in stack %q", n, noun, rep.Stack)}
	}
	return nil
}

// report is evaluate then write.
func (f *reportFlags) report(cmd *cobra.Command, doc *model.Document, artifact string) error {
	total := len(doc.Resources)
	// A --stack that names another stack than the input's is worth a word: the report names
	// the input's (engine.ReportStack), and a laxer --stack does not lower its levels (a
	// pipeline that copied --stack dev would pass prod violations): the stricter applies.
	if f.Stack != "" && doc.Stack != "" && !engine.SameStack(f.Stack, doc) {
		asked, own := engine.ProfileFor(f.Stack), engine.ProfileFor(doc.Stack)
		if engine.StricterProfile(asked, own) != asked {
			fmt.Fprintf(cmd.ErrOrStderr(), "kvguard: note: the input is of stack %q (profile %s), stricter than --stack %q (profile %s): judging it as %s\n",
				doc.Stack, own, f.Stack, asked, own)
		} else {
			fmt.Fprintf(cmd.ErrOrStderr(), "kvguard: note: the input is of stack %q, not --stack %q: the report names %q\n",
				doc.Stack, f.Stack, doc.Stack)
		}
	}
	// Pulumi itself refuses the next update until they are resolved; the resources they touch
	// may not be as the state says, so a clean report over this export is not the whole story.
	if n := doc.PendingOperations; n > 0 {
		noun := "operations"
		if n == 1 {
			noun = "operation"
		}
		fmt.Fprintf(cmd.ErrOrStderr(), "kvguard: note: the export lists %d pending %s an interrupted update left behind: the resources they touch were checked as the state records them, which may not be how they are in Azure, and a resource an operation was creating may exist there without being in the state, unchecked; run `pulumi refresh`, then export again\n", n, noun)
	}
	// Nothing reads the document's properties after evaluation: let the engine drop them as
	// it builds OPA's input, which keeps peak memory down on large estates.
	rep, err := f.evaluate(cmd.Context(), doc, true)
	if err != nil {
		return err
	}
	// A clean report over nothing usually means the wrong file (another project's preview,
	// a classic azure provider stack): say so on stderr, where it does not change the report.
	switch {
	case rep.Counts().Resources > 0:
	case total == 0:
		fmt.Fprintln(cmd.ErrOrStderr(), "kvguard: note: the input lists no resources, so no policy had anything to check")
	default:
		fmt.Fprintf(cmd.ErrOrStderr(), "kvguard: note: none of the %d resources in the input is one the policies check (a resource of one of these types that the change does not delete: %s)\n", total, strings.Join(checkedTypes(rep), ", "))
	}
	return f.write(cmd, rep, artifact)
}

// readPackConfig reads and validates a --config file; no path is no config. Orders between
// settings depend on the profile, so Evaluate (or the caller, knowing the profile) checks them.
func readPackConfig(eng *engine.Engine, path string) (engine.PackConfig, error) {
	if path == "" {
		return engine.PackConfig{}, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return engine.PackConfig{}, badInput(fmt.Errorf("read --config file: %w", err))
	}
	cfg, err := engine.ParsePackConfig(path, data)
	if err != nil {
		return engine.PackConfig{}, badInput(err)
	}
	if err := eng.ValidateConfig(cfg); err != nil {
		return engine.PackConfig{}, badInput(err)
	}
	return cfg, nil
}

// checkedTypes are the resource types some policy of rep checks, sorted.
func checkedTypes(rep *engine.Report) []string {
	var types []string
	for _, p := range rep.Policies {
		types = append(types, p.ResourceTypes...)
	}
	slices.Sort(types)
	return slices.Compact(types)
}
