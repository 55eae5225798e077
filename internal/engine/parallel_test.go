package engine

import (
	"context"
	"runtime"
	"strings"
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

// The library's values annotated shared come each after the shared values it reads, which
// are its dependencies (workloads and privileged_assignments read by_type), so a worker
// never computes a value before what it reads is done.
func TestSharedValuesComeAfterWhatTheyRead(t *testing.T) {
	eng, err := New(policies.FS)
	require.NoError(t, err)
	at := map[string]int{}
	for i, q := range eng.shared {
		at[strings.TrimPrefix(q.ref.String(), "data.kvguard.lib.")] = i
		for _, d := range q.deps {
			assert.Less(t, d, i, "%s reads a shared value listed after it", q.ref)
		}
	}
	for _, name := range []string{"by_type", "unreadable", "urns_by_id", "workloads", "privileged_assignments"} {
		assert.Contains(t, at, name)
	}
	for _, reader := range []string{"workloads", "privileged_assignments"} {
		assert.Contains(t, eng.shared[at[reader]].deps, at["by_type"], "%s reads by_type", reader)
	}
	assert.Empty(t, eng.shared[at["urns_by_id"]].deps, "urns_by_id reads the input only")
}

// The shipped policies are evaluated in a fixed number of queries per document, shared
// values included, whatever the document's size.
func TestShippedPoliciesTakeAFixedNumberOfQueries(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	eng, err := New(policies.FS)
	require.NoError(t, err)
	for _, n := range []int{300, 1000} {
		data, _, err := estate.Generate(estate.Options{Resources: n, Seed: 1, Stack: "prod"})
		require.NoError(t, err)
		doc, err := source.Load("preview.json", data)
		require.NoError(t, err)
		before := eng.evals.Load()
		_, err = eng.Evaluate(context.Background(), doc, Settings{Stack: "prod", Now: estate.DefaultNow})
		require.NoError(t, err)
		assert.Equal(t, int64(eng.queriesPerDocument()), eng.evals.Load()-before, "%d resources", n)
	}
}
