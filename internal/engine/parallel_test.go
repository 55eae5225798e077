package engine

import (
	"context"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kvguard/kvguard/bench/estate"
	"github.com/kvguard/kvguard/internal/source"
	"github.com/kvguard/kvguard/policies"
)

// Evaluated one policy at a time on several CPUs, with GEN-002 reading the sets the other
// workers computed, a generated estate (every policy has findings) gives the single query's
// results, whichever worker ran which policy.
func TestParallelEvaluationGivesTheSingleQuerysResults(t *testing.T) {
	eng, err := New(policies.FS)
	require.NoError(t, err)
	require.NotEmpty(t, eng.readers, "GEN-002 reads the other policies' sets")
	data, _, err := estate.Generate(estate.Options{Resources: 1000, Seed: 1, Stack: "prod"})
	require.NoError(t, err)
	evaluate := func(procs int) *Report {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		doc, err := source.Load("preview.json", data)
		require.NoError(t, err)
		rep, err := eng.Evaluate(context.Background(), doc, Settings{Stack: "prod", Now: estate.DefaultNow})
		require.NoError(t, err)
		return rep
	}
	single := evaluate(1)
	require.NotZero(t, single.Counts().Fail)
	for _, procs := range []int{2, 3} {
		assert.Equal(t, single.Results, evaluate(procs).Results, "GOMAXPROCS %d", procs)
	}
}

// The library's values annotated shared are computed by level: a value that reads another
// (workloads and privileged_assignments read by_type) comes after it, so the values of one
// level can be computed side by side.
func TestSharedValuesAreLevelledByDependency(t *testing.T) {
	eng, err := New(policies.FS)
	require.NoError(t, err)
	level := map[string]int{}
	for l, qs := range eng.shared {
		for _, q := range qs {
			level[q.ref.String()] = l
		}
	}
	for _, ref := range []string{"by_type", "unreadable", "urns_by_id", "workloads", "privileged_assignments"} {
		assert.Contains(t, level, "data.kvguard.lib."+ref)
	}
	for _, dep := range []struct{ rule, reads string }{
		{"workloads", "by_type"},
		{"privileged_assignments", "by_type"},
	} {
		assert.Greater(t, level["data.kvguard.lib."+dep.rule], level["data.kvguard.lib."+dep.reads], "%s reads %s", dep.rule, dep.reads)
	}
}
