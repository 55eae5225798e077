package source

import (
	"bytes"
	"encoding/json"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"

	"github.com/kvguard/kvguard/internal/jsonscan"
	"github.com/kvguard/kvguard/internal/model"
)

// loadPreviewFast is the fast path of Load for the common case: one well-formed
// `pulumi preview --json` object, possibly with text around it. The careful path finds the
// object, splits it into raw top-level values, the steps into raw steps and decodes each step
// again: eight passes over a preview of hundreds of megabytes, on one core. Here one pass of
// jsonscan.Decoder reads the top-level values and the steps, pieces of the steps array on
// every CPU (decodeSteps), validating the JSON, refusing repeated keys and decoding each step
// into the PreviewStep encoding/json would build (decodeStep). Each step is turned into a
// resource by the same fromStep, so a document it returns is the document the careful path
// builds (TestFastPathMatchesCarefulPath).
//
// It gives up (ok false) on anything out of the ordinary: an export, a second object, a
// duplicate or unexpected top-level value, a step that is not an object, a failed preview,
// malformed JSON, a key given twice anywhere, anything its decoder leaves to encoding/json
// (TestStepDecoderGivesWay), any step error. Load then runs the careful path, which is the one
// that words every error, so the fast path never changes what an input error says.
func loadPreviewFast(file string, data []byte) (doc *model.Document, ok bool) {
	start := nextCandidate(data, 0)
	// Input that opens with '[' (an array, or a "[info]" log line) is for the careful path.
	if start < 0 || opensArray(data) {
		return nil, false
	}
	d := jsonscan.NewDecoder(data, start, 0)
	var resources []model.Resource
	var first urnParts
	var summary, config []byte
	var hasSteps, hasSummary bool
	// Object refuses a key given twice.
	read := d.Object(func(key string) bool {
		switch key {
		case "steps":
			hasSteps = true
			rs, u, end, stepsOK := decodeSteps(file, data, d.Pos())
			resources, first = rs, u
			d.Reset(end, 1)
			return stepsOK
		case "diagnostics":
			value, valid := d.Raw()
			var diags []PreviewDiagnostic
			if !valid || json.Unmarshal(value, &diags) != nil {
				return false
			}
			// encoding/json reads "Severity" and "severity" as one field: the careful path
			// refuses that.
			if _, variant := jsonscan.CaseVariantKey(value); variant {
				return false
			}
			for _, diag := range diags {
				if diag.Severity == "error" {
					return false
				}
			}
			return true
		case "changeSummary":
			hasSummary = true
			var valid bool
			summary, valid = d.Raw()
			return valid
		case "config":
			var valid bool
			config, valid = d.Raw()
			return valid
		case "duration":
			return d.Skip()
		case "maybeCorrupt":
			value, valid := d.Raw()
			return valid && string(value) == "false" // true or anything else: the careful path refuses it in words
		}
		// An export ("version", "deployment"), a bare deployment or anything else: the
		// careful path decides what it is.
		return false
	})
	if !read || d.Failed() || (!hasSteps && !hasSummary) {
		return nil, false
	}
	if nextCandidate(data, d.Pos()) >= 0 {
		return nil, false // more than one object: let the careful path say so
	}
	doc, err := previewDocument(file, resources, first, summary, config)
	return doc, err == nil
}

// decodeSteps decodes the steps array that starts at pos (after white space) and builds the
// steps' resources, on every CPU for a large array, and returns them in order with the first
// step's URN and the offset just past the array.
//
// A JSON array cannot be split for parallel decoding without a pass that finds its elements,
// and that pass would cost half as much as decoding them. So the array is split where a step
// probably starts (stepStarts) and each piece is decoded from there on its own, in order,
// until the next piece's start. The pieces are then joined from the first, which starts at a
// real step: a piece is kept only when the one before it ended exactly where it starts, which
// proves its start a real step (decoding from a real step start is what one sequential pass
// does, so its steps are the ones that pass would find). A piece that started inside a value
// is decoded again from where the one before it really ended. Any failure in a kept piece
// fails the whole (the careful path words it).
func decodeSteps(file string, data []byte, pos int) ([]model.Resource, urnParts, int, bool) {
	pos = jsonscan.SkipSpace(data, pos)
	if pos >= len(data) || data[pos] != '[' {
		return nil, urnParts{}, 0, false // null included: the careful path refuses it
	}
	pos = jsonscan.SkipSpace(data, pos+1)
	if pos < len(data) && data[pos] == ']' {
		return []model.Resource{}, urnParts{}, pos + 1, true
	}
	starts := stepStarts(data, pos)
	pieces := make([]stepPiece, len(starts))
	for i, s := range starts {
		pieces[i].start, pieces[i].stop = s, -1
		if i+1 < len(starts) {
			pieces[i].stop = starts[i+1]
		}
	}
	workers := min(runtime.GOMAXPROCS(0), len(pieces))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sd := newStepDecoder(data)
			for {
				i := int(next.Add(1)) - 1
				if i >= len(pieces) {
					return
				}
				pieces[i].decode(file, sd)
			}
		}()
	}
	wg.Wait()

	// The pieces that start at a step, in order.
	var chain []*stepPiece
	var sd *stepDecoder
	p := &pieces[0]
	for k := 1; ; {
		if p.failed {
			return nil, urnParts{}, 0, false
		}
		chain = append(chain, p)
		if p.next < 0 {
			break
		}
		for k < len(pieces) && pieces[k].start < p.next {
			k++ // started inside the piece just joined: not at a step
		}
		if k < len(pieces) && pieces[k].start == p.next {
			p = &pieces[k]
			k++
			continue
		}
		// No piece starts where this one ended: decode from there to the next piece's start.
		again := &stepPiece{start: p.next, stop: -1}
		if k < len(pieces) {
			again.stop = pieces[k].start
		}
		if sd == nil {
			sd = newStepDecoder(data)
		}
		again.decode(file, sd)
		p = again
	}
	n := 0
	first := chain[0].first
	for _, p := range chain {
		if p.mixed || !p.first.sameStack(first) {
			return nil, urnParts{}, 0, false // the careful path names the step
		}
		n += len(p.resources)
	}
	resources := make([]model.Resource, 0, n)
	for _, p := range chain {
		resources = append(resources, p.resources...)
	}
	return resources, first, p.end, true
}

// stepPiece is a run of steps decoded on its own, from start to the first step that starts
// at or after stop (-1: to the end of the array).
type stepPiece struct {
	start, stop int
	resources   []model.Resource
	// first is the URN of the piece's first step; mixed is set when another of its steps is
	// of another stack or project.
	first urnParts
	mixed bool
	// next is where the step after the piece's last starts, -1 when the array ended; end is
	// then the offset just past the array.
	next, end int
	failed    bool
}

// stepDecoder is what one CPU decodes pieces of steps with: a decoder, whose interned strings
// serve all of them, and the two states of the step it decodes, used again for every step
// (fromStep keeps nothing of them).
type stepDecoder struct {
	d      *jsonscan.Decoder
	states [2]apitype.ResourceV3
}

func newStepDecoder(data []byte) *stepDecoder {
	d := jsonscan.NewDecoder(data, 0, 2)
	d.Watch(model.SecretSigKey)
	return &stepDecoder{d: d}
}

// stepBytes is a guess at a step's size, to size a piece's resources without growing them
// often.
const stepBytes = 2048

// decode decodes the piece's steps and builds their resources.
func (p *stepPiece) decode(file string, sd *stepDecoder) {
	d := sd.d
	data := d.Data()
	pos := p.start
	d.Reset(pos, 2)
	end := p.stop
	if end < 0 {
		end = len(data)
	}
	p.resources = make([]model.Resource, 0, min((end-pos)/stepBytes+16, 1<<16))
	for {
		if p.stop >= 0 && pos >= p.stop {
			p.next = pos
			return
		}
		if pos >= len(data) || data[pos] != '{' {
			p.failed = true // cut short, or not an object: the careful path names it
			return
		}
		var step PreviewStep
		watched := d.Watched()
		if !decodeStep(d, &step, &sd.states, true) {
			// Decoded again in full, for a same step whose old state needs it, or to fail.
			step = PreviewStep{}
			d.Reset(pos, 2)
			if !decodeStep(d, &step, &sd.states, false) {
				p.failed = true
				return
			}
		}
		// refuseDamagedStates, as the careful path runs it: only a step that holds the
		// signature key can hold a damaged secret.
		if d.Watched() != watched && refuseDamagedSecrets(file, data[pos:d.Pos()], step.states("")) != nil {
			p.failed = true // the careful path names the value
			return
		}
		if side, _ := misshapedProperties(step.NewState); side != "" {
			p.failed = true
			return
		}
		if side, _ := misshapedProperties(step.OldState); side != "" {
			p.failed = true
			return
		}
		r, u, err := fromStep(file, "", &step)
		if err != nil {
			p.failed = true
			return
		}
		if len(p.resources) == 0 {
			p.first = u
		} else if !u.sameStack(p.first) {
			p.mixed = true
		}
		p.resources = append(p.resources, r)
		switch d.Peek() {
		case ',':
			pos = jsonscan.SkipSpace(data, d.Pos()+1)
			d.Reset(pos, 2)
		case ']':
			p.next, p.end = -1, d.Pos()+1
			return
		default:
			p.failed = true
			return
		}
	}
}

// pieceBytes is about how much of a preview one piece of steps decodes: large enough that
// pieces cost nothing to join, small enough that a CPU slowed by other work holds up little.
// Tests lower it to split small previews.
var pieceBytes = 1 << 20

// stepStarts returns where the pieces of the steps array whose first step starts at first
// start: first, then one place at or after every pieceBytes that looks like the start of a
// step. A step is recognised by the text before and at its start, taken from the first step:
// a comma, the first step's line break and indentation when it has them, and its brace and
// first key (`,\n    {\n      "op"`), so a place inside a value is seldom taken for one; one
// that is costs time, not correctness (decodeSteps).
func stepStarts(data []byte, first int) []int {
	starts := []int{first}
	if len(data)-first < 2*pieceBytes {
		return starts
	}
	// The indentation before the first step, when a line break precedes it.
	indentStart := first
	for indentStart > 0 && (data[indentStart-1] == ' ' || data[indentStart-1] == '\t') {
		indentStart--
	}
	lineBreak := indentStart > 0 && data[indentStart-1] == '\n'
	if lineBreak {
		indentStart--
	}
	// The brace and the first key.
	keyEnd := first + 1
	if k := jsonscan.SkipSpace(data, keyEnd); k < len(data) && data[k] == '"' {
		keyEnd = jsonscan.StringEnd(data, k)
	}
	if keyEnd < 0 {
		return starts
	}
	pattern := data[indentStart:keyEnd]
	brace := first - indentStart // the brace's offset in pattern
	for at := first + pieceBytes; at < len(data); {
		i := bytes.Index(data[at:], pattern)
		if i < 0 {
			break
		}
		i += at
		if before := lastNonSpace(data, i); before >= 0 && data[before] == ',' {
			starts = append(starts, i+brace)
			at = i + brace + pieceBytes
		} else {
			at = i + 1
		}
	}
	return starts
}

// lastNonSpace is the index of the last byte before i that is not JSON white space, -1 if none.
func lastNonSpace(data []byte, i int) int {
	for i--; i >= 0; i-- {
		switch data[i] {
		case ' ', '\t', '\n', '\r':
		default:
			return i
		}
	}
	return -1
}
