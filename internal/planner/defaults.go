package planner

import "github.com/kvguard/kvguard/infra"

// defaultProgram is the secret-store program main.go runs.
var defaultProgram = infra.Run
