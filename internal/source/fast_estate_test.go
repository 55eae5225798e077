package source_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kvguard/kvguard/bench/estate"
	"github.com/kvguard/kvguard/internal/source"
)

// TestFastPathMatchesCarefulPathOnEstates checks the fast path of Load against the careful
// path on generated estates, which hold every kind of step the benchmarks time.
func TestFastPathMatchesCarefulPathOnEstates(t *testing.T) {
	for _, stack := range []string{"prod", "dev"} {
		t.Run(stack, func(t *testing.T) {
			data, _, err := estate.Generate(estate.Options{Resources: 3000, Seed: 7, Stack: stack})
			require.NoError(t, err)
			fast, ok := source.LoadPreviewFast("estate", data)
			require.True(t, ok, "the fast path gave up on a generated preview")
			careful, err := source.LoadCareful("estate", data)
			require.NoError(t, err)
			assert.Equal(t, careful, fast)
		})
	}
}
