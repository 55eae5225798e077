package cli

import (
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestMemoryLimitFor(t *testing.T) {
	tests := []struct {
		name       string
		inputBytes int
		gomemlimit string
		want       int64
		wantOK     bool
	}{
		{name: "small input gets the floor", inputBytes: 4 << 20, want: memoryFloor, wantOK: true},
		{name: "empty input gets the floor", inputBytes: 0, want: memoryFloor, wantOK: true},
		{name: "large input scales", inputBytes: 400 << 20, want: 1400 << 20, wantOK: true},
		{name: "just over the floor scales", inputBytes: 80 << 20, want: 280 << 20, wantOK: true},
		{name: "GOMEMLIMIT wins", inputBytes: 400 << 20, gomemlimit: "1GiB", wantOK: false},
		{name: "GOMEMLIMIT off wins", inputBytes: 400 << 20, gomemlimit: "off", wantOK: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := memoryLimitFor(tc.inputBytes, tc.gomemlimit)
			assert.Equal(t, tc.wantOK, ok)
			if tc.wantOK {
				assert.Equal(t, tc.want, got)
			}
		})
	}
}

func TestRaisedLimitKeepsHeadroomOverTheLiveHeap(t *testing.T) {
	assert.Equal(t, int64(1000<<20), raisedLimit(1000<<20, 100<<20), "a live heap well under the limit leaves it")
	assert.Equal(t, int64(1700<<20), raisedLimit(1000<<20, 1000<<20), "a live heap at the limit raises it")
	assert.Equal(t, int64(memoryHeadroom*float64(900<<20)), raisedLimit(1000<<20, 900<<20))
}

// The check and input commands set the limit for the input they read, and leave one the user
// set with GOMEMLIMIT alone.
func TestCommandsLimitMemory(t *testing.T) {
	before := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(before) })
	const sentinel = 123 << 20
	for _, command := range []string{"check", "input"} {
		t.Run(command, func(t *testing.T) {
			t.Setenv("GOMEMLIMIT", "")
			debug.SetMemoryLimit(sentinel)
			_, stderr, code := runCLI(t, "", command, fixture("preview-clean-dev.json"), "--stack", "dev")
			assert.Equal(t, 0, code, stderr)
			assert.Equal(t, int64(memoryFloor), debug.SetMemoryLimit(-1))

			t.Setenv("GOMEMLIMIT", "2GiB")
			debug.SetMemoryLimit(sentinel)
			_, stderr, code = runCLI(t, "", command, fixture("preview-clean-dev.json"), "--stack", "dev")
			assert.Equal(t, 0, code, stderr)
			assert.Equal(t, int64(sentinel), debug.SetMemoryLimit(-1), "a limit chosen with GOMEMLIMIT is the user's")
		})
	}
}

// Under kvguard's own limit the collector's proportional pacing is off until stop restores
// it; a GOGC or GOMEMLIMIT the user set leaves the collector as it is.
func TestLimitMemoryLeavesCollectionsToTheLimit(t *testing.T) {
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))
	gcPercent := func() int {
		p := debug.SetGCPercent(100)
		debug.SetGCPercent(p)
		return p
	}
	tests := []struct {
		name, gogc, gomemlimit string
		wantDuring             int
	}{
		{name: "kvguard's limit", wantDuring: -1},
		{name: "GOGC set", gogc: "150", wantDuring: 100},
		{name: "GOMEMLIMIT set", gomemlimit: "2GiB", wantDuring: 100},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("GOGC", tc.gogc)
			t.Setenv("GOMEMLIMIT", tc.gomemlimit)
			defer debug.SetGCPercent(debug.SetGCPercent(100))
			stop := limitMemory(10 << 20)
			assert.Equal(t, tc.wantDuring, gcPercent(), "during the check")
			stop()
			assert.Equal(t, 100, gcPercent(), "after stop")
		})
	}
}
