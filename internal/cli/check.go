package cli

import (
	"github.com/spf13/cobra"

	"github.com/kvguard/kvguard/internal/source"
)

func init() { subcommands = append(subcommands, newCheckCmd) }

func newCheckCmd() *cobra.Command {
	var f reportFlags
	cmd := &cobra.Command{
		Use:   "check FILE|-",
		Short: "Check a pulumi preview --json or pulumi stack export file against the policies",
		Long: `Check reads the output of "pulumi preview --json" or "pulumi stack export" from FILE, or
from stdin when FILE is "-", and evaluates every policy for the stack.

Exit codes: 0 clean, 1 a mandatory policy failed, 2 bad input, config or usage.`,
		Example: `  pulumi preview --stack prod --json --show-sames > preview.json
  kvguard check preview.json --stack prod --format sarif --output kvguard.sarif
  pulumi stack export --stack prod | kvguard check -`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := f.validate(); err != nil {
				return err
			}
			files := map[string]string{"input": args[0], "--config": f.Config, "--exceptions": f.Exceptions, "--output": f.Output}
			if err := distinctFiles(files, "--output"); err != nil {
				return err
			}
			// Compile the policies while the input is read and parsed: both take a while
			// and neither needs the other. evaluate waits for the result.
			go func() { _, _ = loadEngine() }()
			name := args[0]
			data, err := readInput(cmd.InOrStdin(), name)
			if err != nil {
				return badInput(err)
			}
			defer limitMemory(len(data))()
			doc, err := source.Load(name, data)
			if err != nil {
				return badInput(err)
			}
			// Code scanning drops a result without a file, and a stack export piped in has
			// none: point at the project file, which every Pulumi repository has.
			artifact := name
			if name == "-" {
				artifact = "Pulumi.yaml"
			}
			return f.report(cmd, doc, artifact)
		},
	}
	f.bind(cmd)
	return cmd
}
