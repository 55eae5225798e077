package cli

import (
	"os"
	"runtime/debug"
)

// A soft memory limit proportional to the input keeps a large check's peak memory near what
// it holds live. Without one the Go collector lets the heap grow to twice the live data, and
// the pages it frees are returned to the system only slowly: a 100k-resource preview (412 MB)
// peaked at 2.1 GB for 1.0 GB live. With the limit the same check peaks at 1.5 GB and takes
// about 5% longer (docs/performance.md, run G).
const (
	// memoryPerInputByte leaves room for the collector over the live data, which stays under
	// 2.5 times the preview at every measured size, and for the memory Go does not manage
	// (the binary's pages), within 4 times the input.
	memoryPerInputByte = 3.5
	// memoryFloor is the least limit set: below it a check's whole footprint is small, and
	// collecting more often would cost time for nothing (a 10k-resource check peaks at about
	// 260 MB unlimited).
	memoryFloor = 256 << 20
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

// limitMemory sets the soft memory limit for an input of inputBytes bytes (memoryLimitFor).
// It is soft: when the live data outgrows it, the collector runs more often (at most half the
// CPU), and the check goes on.
func limitMemory(inputBytes int) {
	if limit, ok := memoryLimitFor(inputBytes, os.Getenv("GOMEMLIMIT")); ok {
		debug.SetMemoryLimit(limit)
	}
}
