package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kvguard/kvguard/internal/output"
	"github.com/kvguard/kvguard/internal/planner"
	"github.com/kvguard/kvguard/policies"
)

func init() { subcommands = append(subcommands, newPlanCmd) }

// planFlags are plan's own flags; the report flags are shared with check (reportFlags).
type planFlags struct {
	ProjectDir  string
	StackConfig string
	Set         []string
	Out         string
	State       string
	StateOut    string
}

func newPlanCmd() *cobra.Command {
	var f reportFlags
	var pf planFlags
	cmd := &cobra.Command{
		Use:   "plan",
		Short: "Run the secret-store program against a simulated Azure and check what it would deploy",
		Long: `Plan reads Pulumi.yaml and the stack's config (stacks/Pulumi.<stack>.yaml, or --stack-config),
runs the infra program in-process with Pulumi's mocks answering as Azure would, and checks
the result against every policy, with the stack's profile, --config and --exceptions.
No cloud account, no Pulumi CLI and no network are needed.

It prints the resources the update would create, change or delete with the settings that
matter (SKU, network, RBAC, expiry, role and scope), then the findings and a summary.

What is known: as in a real first "pulumi preview", values Azure assigns during the update
(ids, vault URIs, principal ids) are unknown, and inputs built from them show which resource
they come from. Encrypted "secure:" config values are never decrypted; they reach the program
as opaque secrets and appear as "[secret]" everywhere. Tenant and subscription come from
azure-native:tenantId / azure-native:subscriptionId in the stack config, else placeholders
(infra/azuremock's 9c1d2e3f-4a5b-4c6d-8e7f-0a1b2c3d4e5f / 3f2b6c1e-7a9d-4c1b-9e7f-2a5d8c0b4e61).

--now defaults to the current time, but the stack configs' secret expiry dates are explicit
dates: pass --now to get results that do not change as the calendar moves.

Exit codes: 0 clean, 1 a mandatory policy failed, 2 bad input, config or usage.`,
		Example: `  kvguard plan --stack dev
  kvguard plan --stack prod --set secret-store:logRetentionDays=30
  kvguard plan --stack dev --stack-config examples/noncompliant/Pulumi.dev.yaml
  kvguard plan --stack dev --out plan.json && kvguard check plan.json
  kvguard plan --stack dev --state-out state.json
  kvguard plan --stack dev --state state.json --set secret-store:vaultName=kv-renamed-01`,
		// Not cobra.NoArgs, which quotes the argument: "--set KEY VALUE" leaves VALUE, maybe a
		// secret, as a stray argument.
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) > 0 {
				return badInput(fmt.Errorf("plan takes no arguments, got %d (left out: they may be values); --set takes KEY=VALUE", len(args)))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := f.validate(); err != nil {
				return err
			}
			stack := f.Stack
			if stack == "" {
				stack = defaultStack
			}
			// The project and stack files plan reads count too: --out Pulumi.yaml must not
			// replace the project it plans.
			files := map[string]string{"--state": pf.State, "--stack-config": pf.StackConfig, "--config": f.Config,
				"--exceptions": f.Exceptions, "--output": f.Output, "--out": pf.Out, "--state-out": pf.StateOut,
				"the project file": filepath.Join(pf.ProjectDir, "Pulumi.yaml")}
			if p, err := planner.LoadProject(pf.ProjectDir); err == nil && pf.StackConfig == "" {
				files["the stack config"] = p.StackConfigPath(pf.ProjectDir, stack)
			}
			if err := distinctFiles(files, "--output", "--out", "--state-out"); err != nil {
				return err
			}
			if f.Stack == "" {
				f.Stack = defaultStack
			}
			opts := planner.Options{Dir: pf.ProjectDir, Stack: f.Stack, StackConfig: pf.StackConfig, Set: pf.Set}
			if pf.State != "" {
				data, err := os.ReadFile(pf.State)
				if err != nil {
					return badInput(fmt.Errorf("read --state file: %w", err))
				}
				st, err := planner.ParseState(pf.State, data)
				if err != nil {
					return badInput(err)
				}
				opts.State = st
			}
			plan, err := planner.Run(cmd.Context(), opts)
			if err != nil {
				return badInput(err)
			}
			doc, err := plan.Document(f.now)
			if err != nil {
				return badInput(err)
			}
			rep, err := f.evaluate(cmd.Context(), doc, false)
			if err != nil {
				return err
			}
			if pf.Out != "" {
				data, err := plan.PreviewJSON()
				if err != nil {
					return err
				}
				if err := writeFileAtomic(pf.Out, bytes.NewReader(data)); err != nil {
					return fmt.Errorf("write --out %q: %w", pf.Out, err)
				}
			}
			if pf.StateOut != "" {
				if err := writeStateOut(cmd, opts, pf.StateOut, f.now); err != nil {
					return err
				}
			}
			if f.Format == output.FormatText {
				if err := plan.WriteText(cmd.OutOrStdout(), roleNames()); err != nil {
					return fmt.Errorf("write plan: %w", err)
				}
			}
			return f.write(cmd, rep, pf.Out)
		},
	}
	f.bind(cmd)
	fl := cmd.Flags()
	fl.Lookup("stack").Usage = "`NAME` of the stack to plan: dev, staging or prod (default \"" + defaultStack + "\")"
	fl.StringVar(&pf.ProjectDir, "project-dir", ".", "`DIR` holding Pulumi.yaml and the stack configs")
	fl.StringVar(&pf.StackConfig, "stack-config", "", "stack config `FILE` to use instead of <stackConfigDir>/Pulumi.<stack>.yaml")
	fl.StringArrayVar(&pf.Set, "set", nil, "override one config value for this run (repeatable); `KEY=VALUE`, KEY may carry a path: secret-store:secrets[0].expires=2030-01-01")
	fl.StringVar(&pf.Out, "out", "", "also write the plan to `FILE` in the shape of pulumi preview --json (same steps included), for kvguard check")
	fl.StringVar(&pf.State, "state", "", "plan against this stack `EXPORT` (pulumi stack export, version 3 or 4): same, update, replace and delete steps")
	fl.StringVar(&pf.StateOut, "state-out", "", "also write to `FILE` the stack export a simulated pulumi up of this plan would leave, for --state")
	return cmd
}

// writeStateOut runs the program again as `pulumi up` would (every output known) and writes
// the resulting stack export.
func writeStateOut(cmd *cobra.Command, opts planner.Options, path string, now time.Time) error {
	opts.Applied = true
	applied, err := planner.Run(cmd.Context(), opts)
	if err != nil {
		return badInput(err)
	}
	if now.IsZero() {
		now = time.Now()
	}
	data, err := applied.Export(now)
	if err != nil {
		return err
	}
	if err := writeFileAtomic(path, bytes.NewReader(data)); err != nil {
		return fmt.Errorf("write --state-out %q: %w", path, err)
	}
	return nil
}

// roleNames reads the role catalogue the policies use, to name roles in the listing. A
// missing or unreadable catalogue only costs the names.
func roleNames() planner.RoleNames {
	data, err := fs.ReadFile(policies.FS, "roles.json")
	if err != nil {
		return nil
	}
	var cat struct {
		Kvguard struct {
			Roles map[string]struct {
				Name string `json:"name"`
			} `json:"roles"`
		} `json:"kvguard"`
	}
	if json.Unmarshal(data, &cat) != nil {
		return nil
	}
	out := planner.RoleNames{}
	for guid, r := range cat.Kvguard.Roles {
		out[strings.ToLower(guid)] = r.Name
	}
	return out
}
