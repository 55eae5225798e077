// Package policies holds kvguard's Rego library, its tests and the role catalogue, embedded so
// the CLI and the analyzer evaluate exactly the files `opa test policies/` checks.
package policies

import "embed"

// FS holds every Rego file (tests included) and JSON data file of the library.
//
//go:embed *.json */*.rego
var FS embed.FS
