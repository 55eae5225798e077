//go:build tools

// Package pulumicli pins the Pulumi CLI that the end-to-end tests build from source,
// because the prebuilt CLI cannot be downloaded in CI.
package pulumicli

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
