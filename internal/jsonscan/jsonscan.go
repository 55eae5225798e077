// Package jsonscan reads the structure of JSON bytes without decoding them: where a value
// ends, whether an object repeats a key, and where a number out of range is. Every reader of
// JSON input (previews, exports, policy config, exceptions) refuses duplicate keys with it,
// since encoding/json silently keeps the last one. Its Decoder is the preview fast path's:
// one pass that validates, refuses repeated keys and decodes as encoding/json does.
package jsonscan

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// DuplicateKey returns the path of the first object key given twice in the well-formed JSON
// value data, and whether there is one. encoding/json keeps the last of two equal keys without
// a word, so `"value": "<plain>", "value": {<ciphertext>}` would hide a plain secret and a
// second "deployment" would replace the first; Pulumi never writes either. One pass over the
// bytes, allocating nothing unless a duplicate is found; keys are compared raw unless they
// hold an escape.
func DuplicateKey(data []byte) (string, bool) {
	return finder{duplicateKeys: true}.find(data)
}

// NumberOutOfRange returns the path of the first number in the JSON value data that a
// float64 cannot hold (1e400), and whether there is one. encoding/json names such a number
// only by the field that holds it when that field is a map (a resource's inputs), so an error
// could not say where in the properties it is.
func NumberOutOfRange(data []byte) (string, bool) {
	return finder{scalar: outOfRange}.find(data)
}

// CaseVariantKey returns the path of the first object that holds two keys differing only in
// letter case (Unicode simple folding, as encoding/json matches struct fields), outside the
// values of the members named in bags, and whether there is one. encoding/json reads
// `"newState"` and `"NEWSTATE"` as one field and keeps the last, so a second copy could hide
// the first; Pulumi writes every key in one case. A bag's keys are the data's own (property
// names, config keys): its values are decoded into maps, which keep every key as it is.
func CaseVariantKey(data []byte, bags ...string) (string, bool) {
	return finder{caseVariants: true, bags: bags}.find(data)
}

// InvalidUTF8 returns the path of the first key or string value that is not valid UTF-8, and
// whether there is one. encoding/json replaces such bytes with U+FFFD, so two keys that differ
// only in them would become one; Pulumi writes UTF-8.
func InvalidUTF8(data []byte) (string, bool) {
	return finder{invalidUTF8: true}.find(data)
}

func outOfRange(v []byte) bool {
	if len(v) == 0 || (v[0] != '-' && (v[0] < '0' || v[0] > '9')) {
		return false
	}
	_, err := strconv.ParseFloat(string(v), 64)
	return err != nil
}

// finder looks for the first place in a JSON value that holds what it is set to find: a key
// given twice in one object, or a scalar value (number, string, literal, as raw bytes) for
// which scalar holds.
type finder struct {
	duplicateKeys bool
	caseVariants  bool     // keys equal but for letter case, outside bags
	bags          []string // members whose values hold the data's own keys
	invalidUTF8   bool     // keys and strings that are not UTF-8
	scalar        func(v []byte) bool
}

// find returns the path of the first place found ("a.b[0].c"), and whether there is one.
func (f finder) find(data []byte) (string, bool) {
	_, rev, found := f.scan(data, SkipSpace(data, 0), false)
	if !found {
		return "", false
	}
	slices.Reverse(rev)
	var b strings.Builder
	for _, elem := range rev {
		if b.Len() > 0 && !strings.HasPrefix(elem, "[") {
			b.WriteByte('.')
		}
		b.WriteString(elem)
	}
	return b.String(), true
}

// scan scans the value at i and returns the index just past it or, when it finds what f looks
// for inside it, that place's path from the inside out. Malformed input ends the scan with
// nothing found: decoding reports it.
//
// inBag is true inside a bag's value, where keys are not compared for letter case.
func (f finder) scan(data []byte, i int, inBag bool) (int, []string, bool) {
	if i >= len(data) {
		return -1, nil, false
	}
	switch data[i] {
	case '{':
		var small [16][]byte // most objects have fewer keys: no allocation for them
		keys := small[:0]
		i = SkipSpace(data, i+1)
		for i < len(data) && data[i] != '}' {
			end := StringEnd(data, i)
			if data[i] != '"' || end < 0 {
				return -1, nil, false
			}
			key := unquoteKey(data[i:end])
			if f.invalidUTF8 && !utf8.Valid(data[i+1:end-1]) {
				return 0, []string{strings.ToValidUTF8(string(key), "\uFFFD")}, true
			}
			if f.duplicateKeys || (f.caseVariants && !inBag) {
				for _, k := range keys {
					if f.duplicateKeys && bytes.Equal(k, key) || f.caseVariants && bytes.EqualFold(k, key) {
						return 0, []string{string(key)}, true
					}
				}
				keys = append(keys, key)
			}
			i = SkipSpace(data, end)
			if i >= len(data) || data[i] != ':' {
				return -1, nil, false
			}
			next, rev, found := f.scan(data, SkipSpace(data, i+1), inBag || slices.Contains(f.bags, string(key)))
			if found {
				return 0, append(rev, string(key)), true
			}
			if i = afterElement(data, next); i < 0 {
				return -1, nil, false
			}
		}
		return i + 1, nil, false
	case '[':
		i = SkipSpace(data, i+1)
		for n := 0; i < len(data) && data[i] != ']'; n++ {
			next, rev, found := f.scan(data, i, inBag)
			if found {
				return 0, append(rev, "["+strconv.Itoa(n)+"]"), true
			}
			if i = afterElement(data, next); i < 0 {
				return -1, nil, false
			}
		}
		return i + 1, nil, false
	}
	end := ValueEnd(data, i)
	if end > i && f.scalar != nil && f.scalar(data[i:end]) {
		return 0, nil, true
	}
	if end > i && f.invalidUTF8 && data[i] == '"' && !utf8.Valid(data[i+1:end-1]) {
		return 0, nil, true
	}
	return end, nil, false
}

// afterElement is where the next member or element starts once a value has ended at next:
// past spaces and one comma. -1 when the value was malformed (next < 0).
func afterElement(data []byte, next int) int {
	if next < 0 {
		return -1
	}
	i := SkipSpace(data, next)
	if i < len(data) && data[i] == ',' {
		i = SkipSpace(data, i+1)
	}
	return i
}

// unquoteKey returns a quoted key's text: its raw bytes, decoded only when it holds an escape.
func unquoteKey(quoted []byte) []byte {
	raw := quoted[1 : len(quoted)-1]
	if bytes.IndexByte(raw, '\\') < 0 {
		return raw
	}
	var s string
	if json.Unmarshal(quoted, &s) != nil {
		return raw
	}
	return []byte(s)
}

// SkipSpace returns the index of the first byte at or after i that is not JSON whitespace.
func SkipSpace(data []byte, i int) int {
	for i < len(data) {
		switch data[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// ValueEnd returns the index just past the JSON value starting at i, or -1 when the data
// ends first. Objects and arrays are matched bracket for bracket, strings to their closing
// quote (escapes skipped), anything else up to the next delimiter. The value is not validated.
func ValueEnd(data []byte, i int) int {
	if i >= len(data) {
		return -1
	}
	switch data[i] {
	case '{', '[':
		depth := 0
		for j := i; j < len(data); j++ {
			switch data[j] {
			case '"':
				end := StringEnd(data, j)
				if end < 0 {
					return -1
				}
				j = end - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1
				}
			}
		}
		return -1
	case '"':
		return StringEnd(data, i)
	}
	for j := i; j < len(data); j++ {
		switch data[j] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			if j == i {
				return -1
			}
			return j
		}
	}
	return -1
}

// StringEnd returns the index just past the JSON string whose opening quote is at i, or -1.
func StringEnd(data []byte, i int) int {
	for j := i + 1; j < len(data); j++ {
		switch data[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return -1
}

// ByteOrderMark is what PowerShell's redirection and Windows editors write before UTF-8 text.
// Every reader of JSON or YAML input accepts one.
var ByteOrderMark = []byte("\xEF\xBB\xBF")

// StripBOM drops a leading UTF-8 byte order mark. Line and column numbers in errors then count
// from the first character after it, which is what an editor shows as column 1.
func StripBOM(data []byte) []byte { return bytes.TrimPrefix(data, ByteOrderMark) }
