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

// The two halves bind the same sets as the single query, wherever a relational policy's deny
// is placed: the results on a generated estate (every policy has findings) are the same.
func TestHalvesGiveTheSingleQuerysResults(t *testing.T) {
	eng, err := New(policies.FS)
	require.NoError(t, err)
	require.Len(t, eng.parts, 2)
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
	single, halves := evaluate(1), evaluate(2)
	require.NotZero(t, single.Counts().Fail)
	assert.Equal(t, single.Results, halves.Results)
}
