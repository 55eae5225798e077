// Command pulumi-analyzer-policy-kvguard is kvguard's Pulumi policy pack: an analyzer plugin
// serving the same engine and policies as `kvguard check`. Pulumi starts it for
// `--policy-pack <this binary>` or `--policy-pack <this directory>` (PulumiPolicy.yaml).
// Installed as pulumi-language-kvguard it is also the `kvguard` runtime that starts the
// directory pack in policy-pack/ (see docs/policy-pack.md).
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/kvguard/kvguard/internal/analyzer"
	"github.com/kvguard/kvguard/internal/engine"
	"github.com/kvguard/kvguard/policies"
)

// version is the pack's version; release builds set it with -ldflags "-X main.version=...".
var version = "0.1.0"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	var err error
	if analyzer.IsLanguageHost(os.Args[0], os.Getenv) {
		err = analyzer.RunLanguageHost(ctx, version, os.Stdout)
	} else {
		err = analyzer.Run(ctx, policies.FS, version, os.Getenv, os.Stdout)
	}
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "kvguard policy pack: %v\n", err)
		os.Exit(engine.ExitBadInput)
	}
}
