// Command kvguard checks Pulumi Azure Key Vault stacks against kvguard's Rego policies. It
// only wires the CLI to the process: arguments, streams, signals and the exit code.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/kvguard/kvguard/internal/cli"
)

// version is kvguard's version; release builds set it with -ldflags "-X main.version=...".
var version = "0.1.0"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := cli.Execute(ctx, version, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "kvguard: %v\n", err)
	}
	os.Exit(cli.ExitCode(err))
}
