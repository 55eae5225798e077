package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/tester"
	"github.com/open-policy-agent/opa/v1/util"
	"github.com/spf13/cobra"

	"github.com/kvguard/kvguard/internal/docgen"
	"github.com/kvguard/kvguard/internal/engine"
	"github.com/kvguard/kvguard/policies"
)

func init() { subcommands = append(subcommands, newPoliciesCmd) }

// profiles are the environment profiles, in the order tables show them.
var profiles = []string{engine.ProfileDev, engine.ProfileStaging, engine.ProfileProd}

func newPoliciesCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "policies",
		Short: "List, test and document the embedded policies",
		Args:  cobra.NoArgs,
		// Runnable, so cobra applies Args: "kvguard policies bogus" is a usage error (exit 2)
		// instead of help and exit 0.
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newPoliciesListCmd(), newPoliciesTestCmd(), newPoliciesDocCmd())
	return cmd
}

// policyListEntry is one row of `policies list --format json`.
type policyListEntry struct {
	ID            string            `json:"id"`
	Title         string            `json:"title"`
	Severity      string            `json:"severity"`
	Levels        map[string]string `json:"levels"`
	ResourceTypes []string          `json:"resourceTypes"`
}

func newPoliciesListCmd() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the policies with their severity and default level per environment",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if format != "text" && format != "json" {
				return badInput(fmt.Errorf("--format: unknown format %q: want text or json", format))
			}
			eng, err := loadEngine()
			if err != nil {
				return badInput(err)
			}
			return writePolicyList(cmd.OutOrStdout(), eng.Policies(), format)
		},
	}
	cmd.Flags().StringVarP(&format, "format", "f", "text", "output `FORMAT`: text or json")
	return cmd
}

// writePolicyList writes the catalogue as a table or JSON, with the default level per profile.
func writePolicyList(w io.Writer, ps []engine.Policy, format string) error {
	entries := make([]policyListEntry, 0, len(ps))
	for _, p := range ps {
		e := policyListEntry{ID: p.ID, Title: p.Title, Severity: p.Severity, Levels: map[string]string{}, ResourceTypes: p.ResourceTypes}
		for _, prof := range profiles {
			e.Levels[prof] = string(engine.LevelFor(p, prof, engine.PackConfig{}))
		}
		entries = append(entries, e)
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].ID < entries[j].ID })
	if format == "json" {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(entries)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSEVERITY\tDEV\tSTAGING\tPROD\tTITLE")
	for _, e := range entries {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", e.ID, e.Severity, e.Levels[engine.ProfileDev], e.Levels[engine.ProfileStaging], e.Levels[engine.ProfileProd], e.Title)
	}
	return tw.Flush()
}

func newPoliciesTestCmd() *cobra.Command {
	var verbose bool
	var run string
	cmd := &cobra.Command{
		Use:   "test",
		Short: "Run the policies' Rego tests, as opa test policies/ does",
		Long: `Test runs every Rego test embedded in kvguard (the same files "opa test policies/" reads)
and reports in opa test's format: failures (every test with -v), then "PASS: n/total" lines.
Exit code 1 when a test fails or errors.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runRegoTests(cmd, policies.FS, verbose, run)
		},
	}
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "list every test, not only failures")
	cmd.Flags().StringVarP(&run, "run", "r", "", "run only tests whose package.name matches this `REGEXP`")
	return cmd
}

// runRegoTests runs the Rego tests in fsys through OPA's tester and prints OPA's own report.
func runRegoTests(cmd *cobra.Command, fsys fs.FS, verbose bool, run string) error {
	ctx := cmd.Context()
	modules, data, err := loadRegoTree(fsys)
	if err != nil {
		return badInput(err)
	}
	store := inmem.NewFromObject(data)
	txn, err := store.NewTransaction(ctx)
	if err != nil {
		return fmt.Errorf("open policy store: %w", err)
	}
	defer store.Abort(ctx, txn)

	runner := tester.NewRunner().
		SetStore(store).
		SetModules(modules).
		SetDefaultRegoVersion(ast.RegoV1).
		CapturePrintOutput(true).
		Filter(run)
	ch, err := runner.RunTests(ctx, txn)
	if err != nil {
		return badInput(fmt.Errorf("compile Rego tests: %w", err))
	}
	var results []*tester.Result
	for r := range ch {
		results = append(results, r)
	}
	// Tests finish in any order; sort so two runs print the same report.
	sort.SliceStable(results, func(i, j int) bool {
		a, b := results[i], results[j]
		if a.Location != nil && b.Location != nil && a.Location.File != b.Location.File {
			return a.Location.File < b.Location.File
		}
		if a.Location != nil && b.Location != nil && a.Location.Row != b.Location.Row {
			return a.Location.Row < b.Location.Row
		}
		return a.Package+"."+a.Name < b.Package+"."+b.Name
	})
	if len(results) == 0 {
		return badInput(errors.New("no Rego tests found in the embedded policies (or none match --run)"))
	}
	replay := make(chan *tester.Result, len(results))
	bad := 0
	for _, r := range results {
		if r.Fail || r.Error != nil {
			bad++
		}
		replay <- r
	}
	close(replay)
	reporter := tester.PrettyReporter{Output: cmd.OutOrStdout(), Verbose: verbose, FailureLine: true}
	if err := reporter.Report(replay); err != nil {
		return fmt.Errorf("report Rego tests: %w", err)
	}
	if bad > 0 {
		return &ExitError{Code: engine.ExitViolation, Err: fmt.Errorf("%d of %d Rego tests did not pass", bad, len(results))}
	}
	return nil
}

// loadRegoTree parses every .rego file of fsys (tests included) and merges its .json data files
// at the data root, as `opa test policies/` loads the directory.
func loadRegoTree(fsys fs.FS) (map[string]*ast.Module, map[string]any, error) {
	modules := map[string]*ast.Module{}
	data := map[string]any{}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		name := path.Join("policies", p)
		switch {
		case strings.HasSuffix(p, ".rego"):
			src, err := fs.ReadFile(fsys, p)
			if err != nil {
				return fmt.Errorf("read %q: %w", name, err)
			}
			m, err := ast.ParseModuleWithOpts(name, string(src), ast.ParserOptions{RegoVersion: ast.RegoV1, ProcessAnnotation: true})
			if err != nil {
				return fmt.Errorf("parse %q: %w", name, err)
			}
			modules[name] = m
		case strings.HasSuffix(p, ".json"):
			src, err := fs.ReadFile(fsys, p)
			if err != nil {
				return fmt.Errorf("read %q: %w", name, err)
			}
			var doc map[string]any
			if err := util.UnmarshalJSON(src, &doc); err != nil {
				return fmt.Errorf("parse %q: expected a JSON object: %w", name, err)
			}
			for k, v := range doc {
				if _, dup := data[k]; dup {
					return fmt.Errorf("%q: at %q: expected a key no other data file defines", name, k)
				}
				data[k] = v
			}
		}
		return nil
	})
	return modules, data, err
}

func newPoliciesDocCmd() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "doc",
		Short: "Write the policy reference (docs/policies.md) from the policies' METADATA",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			eng, err := loadEngine()
			if err != nil {
				return badInput(err)
			}
			doc := docgen.PolicyReference(eng.Policies())
			if out == "-" {
				_, err := cmd.OutOrStdout().Write(doc)
				return err
			}
			if err := writeFileAtomic(out, bytes.NewReader(doc)); err != nil {
				return fmt.Errorf("write %q: %w", out, err)
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "kvguard: wrote %s\n", out)
			return nil
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", docgen.DefaultPath, "`FILE` to write, relative to the working directory; \"-\" for stdout")
	return cmd
}
