package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
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
		t, err := parseNow(f.Now)
		// The zero time means "the wall clock" to the engine, and expiry dates are seconds
		// since 1970: an earlier --now is a mistake, not a time to evaluate at.
		if err == nil && t.Year() < 1970 {
			return badInput(fmt.Errorf("--now %q: expected a time in 1970 or later", f.Now))
		}
		if err != nil {
			return badInput(fmt.Errorf("--now %q: expected an RFC3339 time such as 2026-12-03T00:00:00Z or a date such as 2026-12-03", f.Now))
		}
		f.now = t
	}
	return nil
}

func parseNow(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Parse(time.DateOnly, s)
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
// caller reads nothing but doc.Stack afterwards).
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
	// The report names the stack whose levels were applied, which --stack may override.
	doc.Stack = f.stackFor(doc)
	rep, err := eng.Evaluate(ctx, doc, engine.Settings{
		Stack:             doc.Stack,
		Now:               f.now,
		Config:            cfg,
		Exceptions:        exc,
		ExceptionsFile:    f.Exceptions,
		ReleaseProperties: release,
	})
	if err != nil {
		return nil, badInput(fmt.Errorf("evaluate stack %q: %w", doc.Stack, err))
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
	var buf bytes.Buffer
	if err := o.Output(&buf, rep); err != nil {
		return fmt.Errorf("render %s report: %w", f.Format, err)
	}
	if f.Output == "" || f.Output == "-" {
		if _, err := cmd.OutOrStdout().Write(buf.Bytes()); err != nil {
			return fmt.Errorf("write report: %w", err)
		}
	} else if err := writeFileAtomic(f.Output, buf.Bytes()); err != nil {
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
	// Nothing reads the document's properties after evaluation: let the engine drop them as
	// it builds OPA's input, which keeps peak memory down on large estates.
	total := len(doc.Resources)
	// --stack wins, as asked; but judging a production stack by laxer levels is worth a word.
	if inInput := doc.Stack; f.Stack != "" && inInput != "" &&
		engine.StricterProfile(engine.ProfileFor(f.Stack), engine.ProfileFor(inInput)) != engine.ProfileFor(f.Stack) {
		fmt.Fprintf(cmd.ErrOrStderr(), "kvguard: note: the input is of stack %q (profile %s); judging it as --stack %q (profile %s)\n",
			inInput, engine.ProfileFor(inInput), f.Stack, engine.ProfileFor(f.Stack))
	}
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
		fmt.Fprintf(cmd.ErrOrStderr(), "kvguard: note: none of the %d resources in the input is of a type the policies check (azure-native Key Vault, secret, key, role assignment, diagnostic setting, workspace, identity)\n", total)
	}
	return f.write(cmd, rep, artifact)
}

// writeFileAtomic replaces the file at path with data through a temporary file in the same
// directory, so a reader never sees half a report and a failed write leaves the old file
// alone. The user named path, so the replacement keeps what the user set up there: a symlink
// is written through (its target is replaced, the link stays), an existing file keeps its
// permissions (a new one gets 0644), and a device or pipe such as /dev/stdout, which cannot be
// renamed over, is written into.
//
// The error names no file, only the cause: callers name path, the file the user gave, never
// the temporary file, which the user did not ask for and which is gone by then.
func writeFileAtomic(path string, data []byte) error {
	if err := writeFile(path, data); err != nil {
		return errCause(err)
	}
	return nil
}

// writeFile is writeFileAtomic with the errors as the file system gives them.
func writeFile(path string, data []byte) error {
	fi, err := os.Stat(path)
	switch {
	case err == nil && isDevicePath(path):
		// /dev/stdout redirected to a file is a regular file too, but the user meant the
		// stream, not a file to replace.
		return writeInPlace(path, data)
	case errors.Is(err, fs.ErrNotExist):
		target, err := linkTarget(path)
		if err != nil {
			return err
		}
		return replaceFile(target, 0o644, data)
	case err != nil:
		return err
	case fi.IsDir():
		return errors.New("is a directory, expected a file name")
	case !fi.Mode().IsRegular():
		return writeInPlace(path, data)
	}
	target, err := filepath.EvalSymlinks(path)
	if err != nil {
		return err
	}
	return replaceFile(target, fi.Mode().Perm(), data)
}

// isDevicePath reports whether path names a stream of this process (/dev/stdout, /dev/fd/3,
// /proc/self/fd/1) or another device file, which are written into, never replaced.
func isDevicePath(path string) bool {
	path = filepath.ToSlash(filepath.Clean(path))
	return strings.HasPrefix(path, "/dev/") || strings.HasPrefix(path, "/proc/")
}

// maxLinks bounds how many symlinks linkTarget follows, as the kernel does (ELOOP).
const maxLinks = 40

// linkTarget returns where writing the missing file path creates a file: path itself, or, when
// path is a symlink to a file not created yet, the end of the link chain, as the shell's > does.
func linkTarget(path string) (string, error) {
	for range maxLinks {
		fi, err := os.Lstat(path)
		if errors.Is(err, fs.ErrNotExist) || (err == nil && fi.Mode()&fs.ModeSymlink == 0) {
			return path, nil
		}
		if err != nil {
			return "", err
		}
		link, err := os.Readlink(path)
		if err != nil {
			return "", err
		}
		if !filepath.IsAbs(link) {
			// Split, not Dir: Dir cleans "a/b/../c" to "a/c", which is another file when b is
			// itself a symlink; the kernel resolves the uncleaned path correctly.
			dir, _ := filepath.Split(path)
			link = dir + link
		}
		path = link
	}
	return "", errors.New("too many levels of symbolic links")
}

// replaceFile writes data to a temporary file next to target and renames it over target.
func replaceFile(target string, perm fs.FileMode, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(target), "."+filepath.Base(target)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	// CreateTemp makes the file 0600; chmod rather than umask decides, as before.
	if err := tmp.Chmod(perm); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), target)
}

// writeInPlace writes data into an existing file that is not a regular file.
func writeInPlace(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// errCause strips the operation and file name from a file system error, leaving the cause
// ("no such file or directory"), so the caller can name the file the user gave instead.
func errCause(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err
	}
	return err
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

// distinctFiles refuses two flags that name the same file (the same path, or two links to one
// file) where at least one of them is written: one write would silently replace the other, or
// the report its own input. files maps a flag's spelling ("--output", "input") to its path;
// empty paths and "-" are left out.
func distinctFiles(files map[string]string, written ...string) error {
	names := slices.Sorted(maps.Keys(files))
	for i, a := range names {
		for _, b := range names[i+1:] {
			if !slices.Contains(written, a) && !slices.Contains(written, b) {
				continue
			}
			if sameFile(files[a], files[b]) {
				return badInput(fmt.Errorf("%s and %s name the same file %q: expected different files", a, b, files[a]))
			}
		}
	}
	return nil
}

func sameFile(a, b string) bool {
	if a == "" || b == "" || a == "-" || b == "-" {
		return false
	}
	if ia, err := os.Stat(a); err == nil {
		if ib, err := os.Stat(b); err == nil {
			return os.SameFile(ia, ib)
		}
	}
	absA, errA := filepath.Abs(a)
	absB, errB := filepath.Abs(b)
	return errA == nil && errB == nil && absA == absB
}
