package jsonscan

import (
	"encoding/binary"
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// Decoder decodes JSON in one pass that validates it, refuses a key given twice and builds
// the values as encoding/json decodes them into an `any`: objects as map[string]any, arrays
// as []any (empty ones too), numbers as float64, strings as encoding/json unquotes them. It
// is the preview fast path's decoder: one pass where encoding/json takes two (it validates
// every value before decoding it) and DuplicateKey a third.
//
// It reads only what it can read exactly as encoding/json would, and fails on anything else:
// malformed JSON, a key given twice (which kvguard's readers refuse), a number a float64
// cannot hold (encoding/json refuses it), nesting deeper than MaxDepth, a control character
// in a string. Strings holding an escape or bytes that are not valid UTF-8 are unquoted by
// encoding/json itself. Once it fails, every later call fails too; the caller then gives way
// to encoding/json and the careful reader that words every error.
type Decoder struct {
	data   []byte
	pos    int
	depth  int
	failed bool
	// strs interns keys and short strings: a preview repeats the same keys, types, URNs and
	// locations thousands of times, and one copy of each saves most string allocations.
	strs map[string]string
	// watch is a key whose appearances are counted in watched (Watch).
	watch   string
	watched int
}

// MaxDepth is the deepest nesting a Decoder reads; encoding/json reads up to 10000 levels,
// and deeper input is left to it.
const MaxDepth = 1000

// maxInterned bounds what a Decoder interns: strings up to this long, up to maxStrs of them.
const (
	maxInterned = 160
	maxStrs     = 1 << 15
)

// NewDecoder returns a Decoder reading data from offset pos, at nesting depth depth (the
// number of objects and arrays around pos).
func NewDecoder(data []byte, pos, depth int) *Decoder {
	return &Decoder{data: data, pos: pos, depth: depth, strs: make(map[string]string, 1024)}
}

// Data is the data the decoder reads.
func (d *Decoder) Data() []byte { return d.data }

// Pos is the offset the decoder has reached.
func (d *Decoder) Pos() int { return d.pos }

// Reset moves the decoder to offset pos at nesting depth depth and clears a failure.
func (d *Decoder) Reset(pos, depth int) { d.pos, d.depth, d.failed = pos, depth, false }

// Watch has the decoder count the object keys equal to key (once unquoted); Watched is the count.
func (d *Decoder) Watch(key string) { d.watch = key }

// Watched is how many object keys equal to the watched key the decoder has read.
func (d *Decoder) Watched() int { return d.watched }

// Failed reports whether the decoder met input it does not read.
func (d *Decoder) Failed() bool { return d.failed }

func (d *Decoder) fail() bool {
	d.failed = true
	return false
}

// Peek skips white space and returns the next byte, 0 at the end of the data.
func (d *Decoder) Peek() byte {
	d.pos = SkipSpace(d.data, d.pos)
	if d.pos >= len(d.data) {
		return 0
	}
	return d.data[d.pos]
}

// Consume skips white space and the byte c, and reports whether c was there.
func (d *Decoder) Consume(c byte) bool {
	if d.failed || d.Peek() != c {
		return d.fail()
	}
	d.pos++
	return true
}

// Value decodes the next value into an `any`.
func (d *Decoder) Value() (any, bool) {
	if d.failed {
		return nil, false
	}
	switch c := d.Peek(); c {
	case '{':
		return d.object()
	case '[':
		return d.array()
	case '"':
		s, ok := d.String()
		return s, ok
	case 't':
		return true, d.literal("true")
	case 'f':
		return false, d.literal("false")
	case 'n':
		return nil, d.literal("null")
	default:
		if c == '-' || ('0' <= c && c <= '9') {
			f, ok := d.number()
			return f, ok
		}
	}
	return nil, d.fail()
}

// Skip validates and skips the next value as Value reads it, without building it: it fails
// where Value fails (a key given twice, a number out of range...) and counts watched keys.
func (d *Decoder) Skip() bool {
	if d.failed {
		return false
	}
	switch c := d.Peek(); c {
	case '{':
		return d.skipObject()
	case '[':
		return d.skipArray()
	case '"':
		_, ok := d.unquotedBytes()
		return ok
	case 't':
		return d.literal("true")
	case 'f':
		return d.literal("false")
	case 'n':
		return d.literal("null")
	default:
		if c == '-' || ('0' <= c && c <= '9') {
			_, ok := d.number()
			return ok
		}
	}
	return d.fail()
}

// skipObject and skipArray are Skip for an object and an array.
func (d *Decoder) skipObject() bool {
	return d.members(func([]byte) bool { return d.Skip() })
}

func (d *Decoder) skipArray() bool {
	return d.elements(d.Skip)
}

// Raw validates the next value and returns its bytes.
func (d *Decoder) Raw() ([]byte, bool) {
	start := SkipSpace(d.data, d.pos)
	if !d.Skip() {
		return nil, false
	}
	return d.data[start:d.pos], true
}

// Null skips a null if one comes next and reports whether it did.
func (d *Decoder) Null() bool {
	if d.Peek() != 'n' {
		return false
	}
	return d.literal("null")
}

// Bool decodes a boolean into b; null leaves b alone, as encoding/json does.
func (d *Decoder) Bool(b *bool) bool {
	switch d.Peek() {
	case 't':
		*b = true
		return d.literal("true")
	case 'f':
		*b = false
		return d.literal("false")
	case 'n':
		return d.literal("null")
	}
	return d.fail()
}

// StringInto decodes a string into s; null leaves s alone, as encoding/json does.
func (d *Decoder) StringInto(s *string) bool {
	switch d.Peek() {
	case '"':
		v, ok := d.String()
		*s = v
		return ok
	case 'n':
		return d.literal("null")
	}
	return d.fail()
}

// Strings decodes an array of strings; null gives nil, as encoding/json does. A null element
// fails (encoding/json would leave it empty; Pulumi never writes one).
func (d *Decoder) Strings() ([]string, bool) {
	if d.Null() {
		return nil, true
	}
	out := []string{}
	ok := d.Array(func() bool {
		if d.Peek() != '"' {
			return d.fail()
		}
		s, ok := d.String()
		out = append(out, s)
		return ok
	})
	return out, ok
}

func (d *Decoder) literal(word string) bool {
	if d.failed || len(d.data)-d.pos < len(word) || string(d.data[d.pos:d.pos+len(word)]) != word {
		return d.fail()
	}
	d.pos += len(word)
	return true
}

// Object reads the object that comes next, calling member for each key with the decoder at
// its value; member must read the value. It fails on a key given twice (compared once
// unquoted, as DuplicateKey compares them).
func (d *Decoder) Object(member func(key string) bool) bool {
	return d.members(func(key []byte) bool { return member(d.intern(key)) })
}

// Array reads the array that comes next, calling element with the decoder at each element;
// element must read it.
func (d *Decoder) Array(element func() bool) bool {
	return d.elements(element)
}

// members reads the object that comes next, calling member with each key, unquoted (the
// bytes are the input's own when they are the key's value, so valid until the next read),
// and the decoder at its value, which member must read. It fails on malformed JSON, nesting
// past MaxDepth and a key given twice. Keys are compared in a list while they are few.
func (d *Decoder) members(member func(key []byte) bool) bool {
	if !d.open('{') {
		return false
	}
	if d.closes('}') {
		return true
	}
	var small [32][]byte
	keys := small[:0]
	var many map[string]bool // the keys, once there are more than small holds
	for {
		key, ok := d.unquotedBytes()
		if !ok || !d.Consume(':') {
			return d.fail()
		}
		if many == nil {
			for _, k := range keys {
				if string(k) == string(key) {
					return d.fail()
				}
			}
			if len(keys) < len(small) {
				keys = append(keys, key)
			} else {
				many = make(map[string]bool, 2*len(small))
				for _, k := range keys {
					many[string(k)] = true
				}
			}
		}
		if many != nil {
			if many[string(key)] {
				return d.fail()
			}
			many[string(key)] = true
		}
		if d.watch != "" && string(key) == d.watch {
			d.watched++
		}
		if !member(key) || d.failed {
			return d.fail()
		}
		if more, ok := d.next('}'); !more {
			return ok
		}
	}
}

// elements reads the array that comes next, calling element with the decoder at each
// element, which element must read.
func (d *Decoder) elements(element func() bool) bool {
	if !d.open('[') {
		return false
	}
	if d.closes(']') {
		return true
	}
	for {
		if !element() || d.failed {
			return d.fail()
		}
		if more, ok := d.next(']'); !more {
			return ok
		}
	}
}

// open reads the opening byte of an object or array, one level deeper.
func (d *Decoder) open(opening byte) bool {
	if !d.Consume(opening) {
		return false
	}
	if d.depth++; d.depth > MaxDepth {
		return d.fail()
	}
	return true
}

// closes reads the closing byte when it comes next (an empty object or array).
func (d *Decoder) closes(closing byte) bool {
	if d.Peek() != closing {
		return false
	}
	d.pos++
	d.depth--
	return true
}

// next reads what follows a member or element: a comma (more to come) or the closing byte.
func (d *Decoder) next(closing byte) (more, ok bool) {
	switch d.Peek() {
	case ',':
		d.pos++
		return true, true
	case closing:
		d.pos++
		d.depth--
		return false, true
	}
	return false, d.fail()
}

func (d *Decoder) object() (any, bool) {
	m := make(map[string]any)
	ok := d.members(func(key []byte) bool {
		v, ok := d.Value()
		m[d.intern(key)] = v
		return ok
	})
	if !ok {
		return nil, false
	}
	return m, true
}

func (d *Decoder) array() (any, bool) {
	out := []any{}
	ok := d.elements(func() bool {
		v, ok := d.Value()
		out = append(out, v)
		return ok
	})
	if !ok {
		return nil, false
	}
	return out, true
}

// plainByte holds for the bytes a string can hold as they are: not the closing quote, a
// backslash, a control character or part of a multi-byte UTF-8 sequence.
var plainByte = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// String decodes the string whose opening quote is next (after white space).
func (d *Decoder) String() (string, bool) {
	start := d.pos + 1
	raw, plain, ok := d.scanString()
	switch {
	case !ok:
		return "", false
	case plain:
		return d.intern(raw), true
	case !utf8.Valid(raw):
		return "", d.fail() // refused by the careful path (jsonscan.InvalidUTF8)
	}
	// Escapes are unquoted by encoding/json.
	var s string
	if json.Unmarshal(d.data[start-1:d.pos], &s) != nil {
		return "", d.fail()
	}
	return s, true
}

// unquotedBytes is String without a string: its raw bytes when they are its value.
func (d *Decoder) unquotedBytes() ([]byte, bool) {
	start := d.pos + 1
	raw, plain, ok := d.scanString()
	switch {
	case !ok:
		return nil, false
	case plain:
		return raw, true
	case !utf8.Valid(raw):
		return nil, d.fail()
	}
	var s string
	if json.Unmarshal(d.data[start-1:d.pos], &s) != nil {
		return nil, d.fail()
	}
	return []byte(s), true
}

// scanString reads the string whose opening quote is next: its bytes between the quotes,
// and whether they are plain (no escape, valid UTF-8), so its value as they are.
func (d *Decoder) scanString() (raw []byte, plain, ok bool) {
	if d.failed || d.Peek() != '"' {
		return nil, false, d.fail()
	}
	data := d.data
	start := d.pos + 1
	i := start
	// Eight bytes at a time while none needs attention, then byte by byte.
	for i+8 <= len(data) && plainWord(binary.LittleEndian.Uint64(data[i:])) {
		i += 8
	}
	for i < len(data) && plainByte[data[i]] {
		i++
	}
	if i < len(data) && data[i] == '"' {
		d.pos = i + 1
		return data[start:i], true, true
	}
	// An escape, a control character or a byte of a multi-byte sequence.
	escaped := false
	for ; i < len(data); i++ {
		switch c := data[i]; {
		case c == '\\':
			escaped = true
			i++
		case c == '"':
			d.pos = i + 1
			raw := data[start:i]
			return raw, !escaped && utf8.Valid(raw), true
		case c < 0x20:
			return nil, false, d.fail()
		}
	}
	return nil, false, d.fail()
}

// plainWord reports whether all eight bytes of w are plain (plainByte): none is above 0x7F,
// a control character, a quote or a backslash. Once no byte has its high bit set, subtracting
// 0x20 from each byte, or 1 from each byte of w XOR the quote (or backslash), borrows (and
// sets the byte's high bit) exactly where a byte is below 0x20 (or is the quote or backslash).
func plainWord(w uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	if w&highs != 0 {
		return false
	}
	return ((w-0x20*ones)|((w^'"'*ones)-ones)|((w^'\\'*ones)-ones))&highs == 0
}

func (d *Decoder) intern(b []byte) string {
	if len(b) > maxInterned {
		return string(b)
	}
	if s, ok := d.strs[string(b)]; ok {
		return s
	}
	s := string(b)
	if len(d.strs) < maxStrs {
		d.strs[s] = s
	}
	return s
}

// number decodes a JSON number as encoding/json does into an `any`: strconv.ParseFloat,
// which fails for one a float64 cannot hold. Integers of up to 15 digits, which a float64
// holds exactly, are converted without it.
func (d *Decoder) number() (float64, bool) {
	data := d.data
	start := d.pos
	i := start
	neg := data[i] == '-'
	if neg {
		i++
	}
	var mant uint64
	digits := 0
	switch {
	case i < len(data) && data[i] == '0':
		i++
	case i < len(data) && '1' <= data[i] && data[i] <= '9':
		for ; i < len(data) && '0' <= data[i] && data[i] <= '9'; i++ {
			mant = mant*10 + uint64(data[i]-'0')
			digits++
		}
	default:
		return 0, d.fail()
	}
	simple := true
	if i < len(data) && data[i] == '.' {
		simple = false
		i++
		if i >= len(data) || data[i] < '0' || data[i] > '9' {
			return 0, d.fail()
		}
		for i < len(data) && '0' <= data[i] && data[i] <= '9' {
			i++
		}
	}
	if i < len(data) && (data[i] == 'e' || data[i] == 'E') {
		simple = false
		i++
		if i < len(data) && (data[i] == '+' || data[i] == '-') {
			i++
		}
		if i >= len(data) || data[i] < '0' || data[i] > '9' {
			return 0, d.fail()
		}
		for i < len(data) && '0' <= data[i] && data[i] <= '9' {
			i++
		}
	}
	d.pos = i
	if simple && digits <= 15 {
		f := float64(mant)
		if neg {
			f = -f // -0 too, as ParseFloat gives it
		}
		return f, true
	}
	f, err := strconv.ParseFloat(string(data[start:i]), 64)
	if err != nil {
		return 0, d.fail()
	}
	return f, true
}
