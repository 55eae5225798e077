package cli

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/kvguard/kvguard/internal/engine"
	"github.com/kvguard/kvguard/internal/model"
	"github.com/kvguard/kvguard/internal/source"
)

func init() { subcommands = append(subcommands, newInputCmd) }

// inputFlags are the flags of `kvguard input`: the subset of check's that shape what policies
// see (stack, profile, settings, time). Exceptions and levels are applied in Go after the
// Rego runs, so they do not change the input document.
type inputFlags struct {
	Stack  string
	Config string
	Now    string
	Output string
}

func newInputCmd() *cobra.Command {
	var f inputFlags
	cmd := &cobra.Command{
		Use:   "input FILE|-",
		Short: "Print the normalised document the policies see as input",
		Long: `Input reads the same files as "kvguard check" and prints, as JSON, the document the Rego
policies receive as input: resources with unknown and secret values removed, plus "now",
"profile" and the effective policy settings under "config". Feed it to "opa eval -i" or
"conftest test" to run the policies in policies/ outside kvguard; they give the same findings.
Secret values are never part of the document.`,
		Example: `  kvguard input preview.json --stack prod --now 2026-12-03 > input.json
  opa eval -d policies -i input.json 'data.kvguard.vault.purge_protection.deny'`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var now string
			if f.Now != "" {
				t, err := engine.ParseNow("--now", f.Now)
				if err != nil {
					return badInput(err)
				}
				now = t.UTC().Format(time.RFC3339)
			}
			if err := distinctFiles(map[string]string{"input": args[0], "--config": f.Config, "--output": f.Output}, "--output"); err != nil {
				return err
			}
			data, err := readInput(cmd.InOrStdin(), args[0])
			if err != nil {
				return badInput(err)
			}
			defer limitMemory(len(data))()
			doc, err := source.Load(args[0], data)
			if err != nil {
				return badInput(err)
			}
			eng, err := loadEngine()
			if err != nil {
				return badInput(err)
			}
			cfg, err := readPackConfig(eng, f.Config)
			if err != nil {
				return err
			}
			rf := reportFlags{Stack: f.Stack}
			doc.Profile = engine.DocumentProfile(rf.stackFor(doc), doc)
			doc.Stack = rf.stackFor(doc)
			if err := eng.ValidateConfigFor(doc.Profile, cfg); err != nil {
				return badInput(err)
			}
			doc.Config = eng.EffectiveSettings(doc.Profile, cfg)
			doc.Now = now
			if doc.Now == "" {
				doc.Now = time.Now().UTC().Format(time.RFC3339)
			}
			fillEmpty(doc)
			return writeJSON(cmd, f.Output, doc)
		},
	}
	fl := cmd.Flags()
	// Each usage quotes one word, the placeholder pflag shows after the flag (see reportFlags.bind).
	fl.StringVar(&f.Stack, "stack", "", "`NAME` of the stack whose profile and settings apply (default: the stack named in the input, else \""+defaultStack+"\")")
	fl.StringVar(&f.Config, "config", "", "policy-pack config `FILE`: the JSON that pulumi up --policy-pack-config takes")
	fl.StringVar(&f.Now, "now", "", "evaluation `TIME`, RFC3339 or YYYY-MM-DD (default: the current time)")
	fl.StringVarP(&f.Output, "output", "o", "", "write the document to `FILE` instead of stdout")
	return cmd
}

// fillEmpty gives every resource empty lists and maps where sources left nil ones, as the
// engine does when it builds the OPA input, so `opa eval` sees [] and {} rather than null.
func fillEmpty(doc *model.Document) {
	if doc.Resources == nil {
		doc.Resources = []model.Resource{}
	}
	for i := range doc.Resources {
		r := &doc.Resources[i]
		if r.Properties == nil {
			r.Properties = map[string]any{}
		}
		if r.Unknown == nil {
			r.Unknown = []string{}
		}
		if r.Secret == nil {
			r.Secret = []string{}
		}
		if r.Dependencies == nil {
			r.Dependencies = []string{}
		}
		if r.PropertyDependencies == nil {
			r.PropertyDependencies = map[string][]string{}
		}
	}
	if doc.Config == nil {
		doc.Config = map[string]map[string]any{}
	}
}

// writeJSON writes v as JSON to path, or to the command's stdout when path is "" or "-".
func writeJSON(cmd *cobra.Command, path string, v any) error {
	out := cmd.OutOrStdout()
	var file *os.File
	if path != "" && path != "-" {
		var err error
		if file, err = os.Create(path); err != nil {
			return fmt.Errorf("write %s: %w", path, errCause(err))
		}
		out = file
	}
	w := bufio.NewWriterSize(out, 1<<20)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	err := enc.Encode(v)
	if err == nil {
		err = w.Flush()
	}
	if file != nil {
		if cerr := file.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return fmt.Errorf("write input document: %w", err)
	}
	return nil
}
