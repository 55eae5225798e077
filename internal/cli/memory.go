package cli

import (
	"os"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// A soft memory limit proportional to the input keeps a large check's peak memory near what
// it holds live. Without one the Go collector lets the heap grow to twice the live data, and
// the pages it frees are returned to the system only slowly: a 100k-resource preview (412 MB)
// peaked at 2.1 GB for 1.0 GB live. With the limit the same check peaks at 1.5 GB and takes
// about 5% longer (docs/performance.md, run G).
//
// Under the limit the collector's own pacing (GOGC) is switched off, so it runs only when the
// heap nears the limit: a 10k-resource check collected about ten times for a live heap under
// 100 MB, a fifth of its time; with collections left to the 256 MiB floor it takes 0.84 s
// instead of 1.1 s and peaks at 290 MB instead of 220 MB (docs/performance.md, run I).
const (
	// memoryPerInputByte leaves room for the collector over the live data, which stays under
	// 2.5 times the preview on the generated estates, and for the memory Go does not manage
	// (the binary's pages), within 4 times the input.
	memoryPerInputByte = 3.5
	// memoryFloor is the least limit set: below it a check's whole footprint is small, and
	// collecting more often would cost time for nothing (a 10k-resource check peaks at about
	// 260 MB unlimited).
	memoryFloor = 256 << 20
	// memoryHeadroom is the least room the limit keeps over the live heap. Some inputs hold
	// more live data than 3.5 times their size (tens of thousands of role assignments cost
	// more to evaluate than their JSON does); under a limit that close the collector would run
	// almost without pause (an export of 40k assignments took 39.5 s instead of 18.7 s), so
	// the limit grows with the live heap instead. With 70% headroom a collection comes at
	// most about 1.4 times as often as Go's default pacing allows: that export takes 18.1 s
	// and 0.9 GB instead of 16.5 s and 1.2 GB unlimited (40%: 24.4 s, 0.7 GB).
	memoryHeadroom = 1.7
	// memoryWatchInterval is how often the live heap is compared with the limit.
	memoryWatchInterval = 20 * time.Millisecond
)

// memoryLimitFor is the soft memory limit for a check of inputBytes bytes: memoryPerInputByte
// times the input, at least memoryFloor. ok is false when the user chose a limit (GOMEMLIMIT,
// including "off"), which kvguard leaves as it is.
func memoryLimitFor(inputBytes int, gomemlimit string) (limit int64, ok bool) {
	if gomemlimit != "" {
		return 0, false
	}
	return max(int64(memoryPerInputByte*float64(inputBytes)), memoryFloor), true
}

// raisedLimit is limit, or memoryHeadroom times the live heap when that is more.
func raisedLimit(limit int64, liveBytes uint64) int64 {
	return max(limit, int64(memoryHeadroom*float64(liveBytes)))
}

// limitMemory sets the soft memory limit for an input of inputBytes bytes (memoryLimitFor)
// and, until stop is called, raises it whenever the live heap leaves less than
// memoryHeadroom. The limit is soft either way: the check never fails for it.
//
// Unless GOGC is set, the collector's proportional pacing is off until stop, which restores
// it: collections come when the heap nears the limit.
func limitMemory(inputBytes int) (stop func()) {
	limit, ok := memoryLimitFor(inputBytes, os.Getenv("GOMEMLIMIT"))
	if !ok {
		return func() {}
	}
	debug.SetMemoryLimit(limit)
	restoreGC := func() {}
	if os.Getenv("GOGC") == "" {
		prev := debug.SetGCPercent(-1)
		restoreGC = func() { debug.SetGCPercent(prev) }
	}
	done := make(chan struct{})
	go func() {
		live := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		tick := time.NewTicker(memoryWatchInterval)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				metrics.Read(live)
				if live[0].Value.Kind() != metrics.KindUint64 {
					return
				}
				if raised := raisedLimit(limit, live[0].Value.Uint64()); raised > limit {
					limit = raised
					debug.SetMemoryLimit(limit)
				}
			}
		}
	}()
	return func() {
		close(done)
		restoreGC()
	}
}
