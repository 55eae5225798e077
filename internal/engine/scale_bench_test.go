package engine

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"

	"github.com/kvguard/kvguard/bench/estate"
	"github.com/kvguard/kvguard/internal/model"
	"github.com/kvguard/kvguard/internal/source"
	"github.com/kvguard/kvguard/policies"
)

// scaleSizes are the estate sizes of docs/performance.md. Run one with
// go test ./internal/engine -run '^$' -bench 'Scale.*/n=10000$' -benchtime 3x
var scaleSizes = []int{1000, 10000, 100000}

var (
	previewsMu sync.Mutex
	previews   = map[int][]byte{}
)

// estatePreview returns the generated preview of n resources (seed 1, stack prod), built once
// per process because the 100k document takes seconds to generate.
func estatePreview(b *testing.B, n int) []byte {
	b.Helper()
	previewsMu.Lock()
	defer previewsMu.Unlock()
	if data, ok := previews[n]; ok {
		return data
	}
	data, _, err := estate.Generate(estate.Options{Resources: n, Seed: 1, Stack: "prod"})
	if err != nil {
		b.Fatal(err)
	}
	previews[n] = data
	return data
}

// reportPerResource reports throughput and allocated bytes per resource; allocations are
// measured around the timed loop only.
func reportPerResource(b *testing.B, n int, before runtime.MemStats) {
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	total := float64(n) * float64(b.N)
	b.ReportMetric(total/b.Elapsed().Seconds(), "resources/s")
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/total, "B/resource")
}

// BenchmarkScaleEvaluate times Evaluate with the shipped policies over a normalised estate
// document: input conversion, the one OPA query and the Go-side results.
func BenchmarkScaleEvaluate(b *testing.B) {
	eng, err := New(policies.FS)
	if err != nil {
		b.Fatal(err)
	}
	for _, n := range scaleSizes {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			doc, err := source.Load("preview.json", estatePreview(b, n))
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			var before runtime.MemStats
			runtime.ReadMemStats(&before)
			b.ResetTimer()
			for b.Loop() {
				if _, err := eng.Evaluate(ctx, doc, Settings{Stack: "prod", Now: estate.DefaultNow}); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			reportPerResource(b, n, before)
		})
	}
}

// BenchmarkScaleLoad times parsing and normalising the raw preview (source.Load): finding the
// JSON object, decoding every step, overlaying outputs on inputs, removing unknown and secret
// values.
func BenchmarkScaleLoad(b *testing.B) {
	for _, n := range scaleSizes {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			data := estatePreview(b, n)
			var before runtime.MemStats
			runtime.ReadMemStats(&before)
			b.ResetTimer()
			for b.Loop() {
				if _, err := source.Load("preview.json", data); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			reportPerResource(b, n, before)
			b.ReportMetric(float64(len(data))*float64(b.N)/1e6/b.Elapsed().Seconds(), "MB/s")
		})
	}
}

// BenchmarkScaleInput times only the conversion of the document into OPA's input value.
func BenchmarkScaleInput(b *testing.B) {
	for _, n := range scaleSizes {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			doc, err := source.Load("preview.json", estatePreview(b, n))
			if err != nil {
				b.Fatal(err)
			}
			var before runtime.MemStats
			runtime.ReadMemStats(&before)
			b.ResetTimer()
			for b.Loop() {
				if _, err := documentValue(doc, false); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			reportPerResource(b, n, before)
		})
	}
}

// BenchmarkScaleCheck times what `kvguard check` does per file after start-up: parse and
// normalise the raw preview, then evaluate it.
func BenchmarkScaleCheck(b *testing.B) {
	eng, err := New(policies.FS)
	if err != nil {
		b.Fatal(err)
	}
	for _, n := range scaleSizes {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			data := estatePreview(b, n)
			ctx := context.Background()
			var before runtime.MemStats
			runtime.ReadMemStats(&before)
			b.ResetTimer()
			for b.Loop() {
				var doc *model.Document
				if doc, err = source.Load("preview.json", data); err != nil {
					b.Fatal(err)
				}
				if _, err := eng.Evaluate(ctx, doc, Settings{Stack: "prod", Now: estate.DefaultNow}); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			reportPerResource(b, n, before)
			b.ReportMetric(float64(len(data))/float64(n), "input-B/resource")
		})
	}
}
