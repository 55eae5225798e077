// Package source turns kvguard's inputs into the one model.Document policies read.
//
// Inputs, one file each: preview.go (`pulumi preview --json`), export.go (`pulumi stack export`,
// deployment versions 3 and 4) and engine.go (resource.PropertyMap from the Pulumi engine or its
// mocks, for the analyzer and the planner). normalize.go holds the rules they share: unknown
// values and secrets are removed and their paths recorded, so no policy ever evaluates the
// unknown sentinel (itself a valid GUID) or reads a secret.
//
// Load detects the kind of input. A bare deployment object (what sits under "deployment" in an
// export) is refused with an error saying so: Pulumi never prints one, and accepting it would
// make a hand-cut file look like real state.
package source

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"

	"github.com/kvguard/kvguard/internal/jsonscan"
	"github.com/kvguard/kvguard/internal/model"
)

// errUnexpectedEnd is what json.Decoder reports for input cut short.
var errUnexpectedEnd = io.ErrUnexpectedEOF

// Load reads one input (a preview or a stack export, possibly with text around the JSON) into
// a document. name labels errors; "-" reads as "<stdin>". Document.Now is left for the caller.
// Every failure is an *InputError; input that holds no JSON object, a truncated one or several
// is an error, never an empty document.
func Load(name string, data []byte) (*model.Document, error) {
	file := displayName(name)
	if doc, ok := loadPreviewFast(file, data); ok {
		return doc, nil
	}
	// What the fast path decoded before it gave up is garbage now, as much as the document
	// would have been; collect it before the careful path builds the document again, or both
	// are in memory at once.
	runtime.GC()
	return loadCareful(file, data)
}

// loadCareful is Load without the fast path: every step of the way is checked and every
// error worded. It is the reference the fast path is tested against.
func loadCareful(file string, data []byte) (*model.Document, error) {
	obj, err := findObject(file, data)
	if err != nil {
		return nil, err
	}
	if path, dup := jsonscan.DuplicateKey(obj); dup {
		return nil, &InputError{File: file, Path: path, Expected: "each key once (Pulumi never repeats one)", Got: "a key given twice"}
	}
	if path, bad := jsonscan.InvalidUTF8(obj); bad {
		return nil, &InputError{File: file, Path: path, Expected: "UTF-8 text (Pulumi writes UTF-8)", Got: "bytes that are not UTF-8"}
	}
	if path, dup := jsonscan.CaseVariantKey(obj, bagKeys...); dup {
		return nil, &InputError{File: file, Path: path, Expected: "each key once, in the case Pulumi writes it", Got: "a key given twice in different letter case (read as one field, the last kept)"}
	}
	var top map[string]json.RawMessage
	if err := unmarshalObject(obj, &top); err != nil {
		return nil, decodeError(file, "", err)
	}
	_, hasSteps := top["steps"]
	_, hasDeployment := top["deployment"]
	_, hasVersion := top["version"]
	_, hasResources := top["resources"]
	_, hasManifest := top["manifest"]
	switch {
	case hasDeployment || hasVersion:
		return loadExport(file, top)
	case hasSteps || isEmptyPreview(top):
		return loadPreview(file, top)
	case hasResources || hasManifest:
		return nil, &InputError{File: file,
			Expected: `a whole "pulumi stack export" ({"version": 3, "deployment": {...}})`,
			Got:      "a bare deployment object"}
	}
	return nil, &InputError{File: file,
		Expected: `"pulumi preview --json" output (an object with "steps") or "pulumi stack export" output (an object with "version" and "deployment")`,
		Got:      "an object with neither"}
}

// bagKeys are the members whose values are decoded into maps and keep their keys as written
// (property bags, config, counts by op, a secrets provider's state): keys there may differ
// only in letter case. Everywhere else encoding/json matches keys to struct fields
// regardless of case, so two such keys would be read as one.
var bagKeys = []string{"inputs", "outputs", "propertyDependencies", "detailedDiff", "config", "changeSummary", "state"}

// isEmptyPreview recognises a preview of a program with no resource steps: Pulumi omits empty
// "steps" but always writes the change summary.
func isEmptyPreview(top map[string]json.RawMessage) bool {
	_, hasSummary := top["changeSummary"]
	return hasSummary
}

// Read is Load over a reader.
func Read(name string, r io.Reader) (*model.Document, error) {
	data, err := ReadAll(name, r, 0)
	if err != nil {
		return nil, err
	}
	return Load(name, data)
}

// findObject returns the one top-level JSON object in data. Pulumi writes plugin install
// messages before its JSON and pipelines often capture stderr with it, so text around the
// object is tolerated. An object starts at a '{' that opens a line (after optional blanks);
// nested braces of pretty-printed JSON never get that far because a decoded object is skipped
// whole, and a candidate that fails to decode stops the search with an error rather than
// falling back to an inner brace, which could otherwise pass a fragment off as the input.
func findObject(file string, data []byte) ([]byte, error) {
	// `[` then a pretty-printed object on its own line would pass the line-start rule, and
	// the array's first element would be judged as if it were the whole input.
	if isJSONArray(data) {
		return nil, &InputError{File: file, Expected: "a JSON object", Got: "a JSON array"}
	}
	var found [][]byte
	firstStart := -1
	for pos := 0; pos < len(data); {
		start := nextCandidate(data, pos)
		if start < 0 {
			break
		}
		if raw, ok := wellFormedValueAt(data, start); ok {
			if firstStart < 0 {
				firstStart = start
			}
			found = append(found, raw)
			pos = start + len(raw)
			continue
		}
		// Not well-formed: json.Decoder words what is wrong with it, and where.
		dec := json.NewDecoder(bytes.NewReader(data[start:]))
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			line := lineOf(data, start)
			if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
				return nil, &InputError{File: file, Expected: "a complete JSON object",
					Got: fmt.Sprintf("one truncated before its end (it starts on line %d)", line)}
			}
			var se *json.SyntaxError
			if errors.As(err, &se) && tooDeep(se) {
				return nil, &InputError{File: file, Expected: "JSON nested at most 10000 levels deep",
					Got: fmt.Sprintf("deeper nesting on line %d", lineOf(data, start+int(se.Offset)-1))}
			}
			if errors.As(err, &se) {
				return nil, &InputError{File: file, Expected: "a well-formed JSON object",
					Got: fmt.Sprintf("malformed JSON on line %d (object starting on line %d)",
						lineOf(data, start+int(se.Offset)-1), line)}
			}
			return nil, &InputError{File: file, Expected: "a well-formed JSON object",
				Got: fmt.Sprintf("undecodable JSON starting on line %d", line)}
		}
		if firstStart < 0 {
			firstStart = start
		}
		found = append(found, raw)
		pos = start + int(dec.InputOffset())
	}
	switch len(found) {
	case 0:
		if len(bytes.TrimSpace(data)) == 0 {
			return nil, &InputError{File: file, Expected: "a JSON object", Got: "empty input"}
		}
		if json.Valid(bytes.TrimSpace(data)) {
			return nil, &InputError{File: file, Expected: "a JSON object", Got: "JSON that is not an object"}
		}
		return nil, &InputError{File: file, Expected: "a JSON object", Got: "none (the input is not JSON)"}
	case 1:
		return found[0], nil
	}
	// "x{" then a pretty-printed object: the outer brace is not at a line start, so its inner
	// objects were found one by one. Say what went wrong rather than count them.
	if brace := bytes.IndexByte(data, '{'); brace >= 0 && brace < firstStart {
		return nil, &InputError{File: file, Expected: "the JSON object to start on a line of its own",
			Got: fmt.Sprintf("text right before its '{' on line %d (end that text with a line break)", lineOf(data, brace))}
	}
	return nil, &InputError{File: file, Expected: "exactly one JSON object",
		Got: fmt.Sprintf("%d objects (give one preview or export per file)", len(found))}
}

// tooDeep reports encoding/json's nesting limit (10000), which valid JSON can exceed; its
// message names no input character, only the limit.
func tooDeep(se *json.SyntaxError) bool { return strings.HasSuffix(se.Error(), "exceeded max depth") }

// content is data without a leading byte order mark and surrounding blanks.
func content(data []byte) []byte { return bytes.TrimSpace(jsonscan.StripBOM(data)) }

// opensArray reports whether the input's content starts with '[': a JSON array, or a
// "[info] ..." log line before the JSON.
func opensArray(data []byte) bool { return bytes.HasPrefix(content(data), []byte("[")) }

// isJSONArray reports whether the input's content is one JSON array; text that merely starts
// with '[' is not.
func isJSONArray(data []byte) bool { return opensArray(data) && json.Valid(content(data)) }

// nextCandidate finds the next '{' at or after pos that has only blanks before it on its line,
// or only blanks since pos (the end of the previous object, so "}{" counts as two objects).
func nextCandidate(data []byte, pos int) int {
	lineStart := true
	for i := pos; i < len(data); i++ {
		switch c := data[i]; c {
		case '\n', '\r':
			lineStart = true
		case ' ', '\t', '\f', '\v':
			// Blanks keep the line's state.
		case '{':
			if lineStart {
				return i
			}
		default:
			if c == 0xEF && i == 0 && bytes.HasPrefix(data, jsonscan.ByteOrderMark) {
				// A UTF-8 byte order mark (PowerShell's redirection writes one).
				i += 2
				continue
			}
			lineStart = false
		}
	}
	return -1
}

// lineOf returns the 1-based line of offset in data.
func lineOf(data []byte, offset int) int {
	if offset > len(data) {
		offset = len(data)
	}
	if offset < 0 {
		offset = 0
	}
	return bytes.Count(data[:offset], []byte("\n")) + 1
}
