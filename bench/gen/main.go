// Command gen writes a `pulumi preview --json` document of a large secret-store estate for
// kvguard's benchmarks (see docs/performance.md):
//
//	go run ./bench/gen -n 10000 -seed 1 -stack prod -o /tmp/preview-10k.json
//
// The same flags always give the same bytes.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"time"

	"github.com/kvguard/kvguard/bench/estate"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintf(os.Stderr, "gen: %v\n", err)
		os.Exit(2)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	n := fs.Int("n", 10000, "number of resource steps")
	seed := fs.Uint64("seed", 1, "random seed")
	stack := fs.String("stack", "prod", "stack name (prod adds locks and protect)")
	now := fs.String("now", estate.DefaultNow.Format(time.RFC3339), "time secret expiries are relative to (RFC3339)")
	out := fs.String("o", "-", "output file, - for stdout")
	quiet := fs.Bool("q", false, "do not print a summary on stderr")
	if err := fs.Parse(args); err != nil {
		return err
	}
	t, err := time.Parse(time.RFC3339, *now)
	if err != nil {
		return fmt.Errorf("-now %q: expected RFC3339: %w", *now, err)
	}
	data, st, err := estate.Generate(estate.Options{Resources: *n, Seed: *seed, Stack: *stack, Now: t})
	if err != nil {
		return err
	}
	if *out == "-" {
		w := bufio.NewWriter(stdout)
		if _, err := w.Write(data); err != nil {
			return err
		}
		if err := w.Flush(); err != nil {
			return err
		}
	} else if err := os.WriteFile(*out, data, 0o644); err != nil {
		return fmt.Errorf("write %q: %w", *out, err)
	}
	if !*quiet {
		fmt.Fprintf(stderr, "gen: %d resources (%d vaults), %d bytes\n", st.Resources, st.Vaults, len(data))
		for _, m := range []map[string]int{st.ByType, st.ByOp} {
			keys := make([]string, 0, len(m))
			for k := range m {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				fmt.Fprintf(stderr, "  %-55s %7d\n", k, m[k])
			}
		}
	}
	return nil
}
