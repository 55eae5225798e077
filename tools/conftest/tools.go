//go:build tools

// Package conftest pins the conftest CLI that `go run ./bench/compare` builds from source to
// compare kvguard with, because no prebuilt conftest can be downloaded here. It is a separate
// module so conftest's dependencies never enter kvguard's go.mod.
package conftest

import _ "github.com/open-policy-agent/conftest"
