package source

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
)

// duplicateKey returns the path of the first object key given twice in the well-formed JSON
// value data, and whether there is one. encoding/json keeps the last of two equal keys without
// a word, so `"value": "<plain>", "value": {<ciphertext>}` would hide a plain secret and a
// second "deployment" would replace the first; Pulumi never writes either. One pass over the
// bytes, allocating nothing unless a duplicate is found; keys are compared raw unless they
// hold an escape.
func duplicateKey(data []byte) (string, bool) {
	_, rev, found := dupScan(data, skipSpace(data, 0))
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

// dupScan scans the value at i and returns the index just past it or, when a key is given
// twice inside it, that key's path from the inside out. Malformed input ends the scan with
// nothing found: decoding reports it.
func dupScan(data []byte, i int) (int, []string, bool) {
	if i >= len(data) {
		return -1, nil, false
	}
	switch data[i] {
	case '{':
		var small [16][]byte // most objects have fewer keys: no allocation for them
		keys := small[:0]
		i = skipSpace(data, i+1)
		for i < len(data) && data[i] != '}' {
			end := stringEnd(data, i)
			if data[i] != '"' || end < 0 {
				return -1, nil, false
			}
			key := unquoteKey(data[i:end])
			for _, k := range keys {
				if bytes.Equal(k, key) {
					return 0, []string{string(key)}, true
				}
			}
			keys = append(keys, key)
			i = skipSpace(data, end)
			if i >= len(data) || data[i] != ':' {
				return -1, nil, false
			}
			next, rev, found := dupScan(data, skipSpace(data, i+1))
			if found {
				return 0, append(rev, string(key)), true
			}
			if next < 0 {
				return -1, nil, false
			}
			i = skipSpace(data, next)
			if i < len(data) && data[i] == ',' {
				i = skipSpace(data, i+1)
			}
		}
		return i + 1, nil, false
	case '[':
		i = skipSpace(data, i+1)
		for n := 0; i < len(data) && data[i] != ']'; n++ {
			next, rev, found := dupScan(data, i)
			if found {
				return 0, append(rev, "["+strconv.Itoa(n)+"]"), true
			}
			if next < 0 {
				return -1, nil, false
			}
			i = skipSpace(data, next)
			if i < len(data) && data[i] == ',' {
				i = skipSpace(data, i+1)
			}
		}
		return i + 1, nil, false
	}
	return valueEnd(data, i), nil, false
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
