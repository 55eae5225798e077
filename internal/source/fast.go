package source

import (
	"encoding/json"
	"runtime"
	"sync"

	"github.com/kvguard/kvguard/internal/jsonscan"
	"github.com/kvguard/kvguard/internal/model"
)

// loadPreviewFast is the fast path of Load for the common case: one well-formed
// `pulumi preview --json` object, possibly with text around it. The careful path finds the
// object, splits it into raw top-level values, the steps into raw steps and decodes each step
// again: eight passes over a preview of hundreds of megabytes, on one core. Here one quick
// pass finds where each top-level value and each step starts and ends, then the steps are
// decoded (which validates them) on every CPU. Each step is decoded into the same PreviewStep
// and turned into a resource by the same fromStep, so a document it returns is the document
// the careful path builds (TestFastPathMatchesCarefulPath).
//
// It gives up (ok false) on anything out of the ordinary: an export, a second object, a
// duplicate or unexpected top-level value, a step that is not an object, a failed preview,
// malformed JSON, any decode or step error. Load then runs the careful path, which is the one
// that words every error, so the fast path never changes what an input error says.
func loadPreviewFast(file string, data []byte) (doc *model.Document, ok bool) {
	start := nextCandidate(data, 0)
	// Input that opens with '[' (an array, or a "[info]" log line) is for the careful path.
	if start < 0 || opensArray(data) {
		return nil, false
	}
	i := start + 1 // past '{'
	seen := map[string]bool{}
	var steps [][]byte
	var summary, config []byte
	for first := true; ; first = false {
		i = jsonscan.SkipSpace(data, i)
		if i >= len(data) {
			return nil, false
		}
		if data[i] == '}' && first {
			break
		}
		if !first {
			if data[i] == '}' {
				break
			}
			if data[i] != ',' {
				return nil, false
			}
			i = jsonscan.SkipSpace(data, i+1)
		}
		// A key.
		if i >= len(data) || data[i] != '"' {
			return nil, false
		}
		end := jsonscan.ValueEnd(data, i)
		if end < 0 {
			return nil, false
		}
		var key string
		if err := json.Unmarshal(data[i:end], &key); err != nil || seen[key] {
			return nil, false
		}
		seen[key] = true
		i = jsonscan.SkipSpace(data, end)
		if i >= len(data) || data[i] != ':' {
			return nil, false
		}
		i = jsonscan.SkipSpace(data, i+1)
		end = jsonscan.ValueEnd(data, i)
		if end < 0 {
			return nil, false
		}
		value := data[i:end]
		switch key {
		case "steps":
			if steps = splitSteps(value); steps == nil {
				return nil, false
			}
		case "diagnostics":
			var diags []PreviewDiagnostic
			if err := json.Unmarshal(value, &diags); err != nil {
				return nil, false
			}
			for _, d := range diags {
				if d.Severity == "error" {
					return nil, false
				}
			}
		case "changeSummary":
			summary = value
		case "config":
			if !json.Valid(value) {
				return nil, false
			}
			config = value
		case "duration":
			if !json.Valid(value) {
				return nil, false
			}
		case "maybeCorrupt":
			if string(value) != "false" {
				return nil, false // true or malformed: the careful path refuses it in words
			}
		default:
			// An export ("version", "deployment"), a bare deployment or anything else: the
			// careful path decides what it is.
			return nil, false
		}
		i = end
	}
	if !seen["steps"] && !seen["changeSummary"] {
		return nil, false
	}
	if nextCandidate(data, i+1) >= 0 {
		return nil, false // more than one object: let the careful path say so
	}
	for _, v := range [][]byte{summary, config} {
		if _, dup := jsonscan.DuplicateKey(v); dup {
			return nil, false
		}
	}
	resources, first, ok := decodeSteps(file, steps)
	if !ok {
		return nil, false
	}
	doc, err := previewDocument(file, resources, first, summary, config)
	return doc, err == nil
}

// decodeSteps decodes the steps and builds their resources on every CPU, in order.
func decodeSteps(file string, steps [][]byte) ([]model.Resource, urnParts, bool) {
	resources := make([]model.Resource, len(steps))
	parts := make([]urnParts, len(steps))
	workers := min(runtime.GOMAXPROCS(0), max(1, len(steps)/500))
	failed := make([]bool, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(steps); i += workers {
				var step PreviewStep
				if _, dup := jsonscan.DuplicateKey(steps[i]); dup {
					failed[w] = true // the careful path names the key
					return
				}
				if err := json.Unmarshal(steps[i], &step); err != nil {
					failed[w] = true
					return
				}
				if refuseDamagedStates(file, steps[i], step.states("")) != nil {
					failed[w] = true // the careful path names the value
					return
				}
				r, u, err := fromStep(file, "", &step)
				if err != nil {
					failed[w] = true
					return
				}
				resources[i], parts[i] = r, u
			}
		}()
	}
	wg.Wait()
	for _, f := range failed {
		if f {
			return nil, urnParts{}, false
		}
	}
	var first urnParts
	if len(parts) > 0 {
		first = parts[0]
	}
	for _, u := range parts {
		if !u.sameStack(first) {
			return nil, urnParts{}, false // the careful path names the step
		}
	}
	return resources, first, true
}

// splitSteps returns the elements of a JSON array of objects, nil when value is anything
// else (null included) or an element is not an object. Elements are not validated here;
// decoding them does that.
func splitSteps(value []byte) [][]byte {
	if len(value) < 2 || value[0] != '[' {
		return nil
	}
	out := [][]byte{}
	i := jsonscan.SkipSpace(value, 1)
	if i < len(value) && value[i] == ']' {
		return out
	}
	for {
		if i >= len(value) || value[i] != '{' {
			return nil
		}
		end := jsonscan.ValueEnd(value, i)
		if end < 0 {
			return nil
		}
		out = append(out, value[i:end])
		i = jsonscan.SkipSpace(value, end)
		if i >= len(value) {
			return nil
		}
		switch value[i] {
		case ']':
			if jsonscan.SkipSpace(value, i+1) != len(value) {
				return nil
			}
			return out
		case ',':
			i = jsonscan.SkipSpace(value, i+1)
		default:
			return nil
		}
	}
}
