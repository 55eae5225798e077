// Command secret-store is the Pulumi program of the kvguard secret store: it loads the stack's
// config, builds the store and exports its outputs. Everything else lives in package infra.
package main

import (
	"github.com/kvguard/kvguard/infra"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

func main() {
	pulumi.Run(infra.Run)
}
