package source

import (
	"encoding/json"

	"github.com/kvguard/kvguard/internal/jsonscan"
)

// The careful path finds the object in the input (findObject, through wellFormedValueAt)
// and splits it into raw values at three levels (the top-level object, an export's
// deployment, the steps or resources) before decoding each piece. json.Unmarshal into
// json.RawMessage copies every value it returns, so for a preview of hundreds of megabytes
// each split held another copy of the whole: a 100k-resource preview rejected at its last
// step peaked at 2.07 GB, five times its size. These work in place: the values are the
// input's own bytes. On anything they do not read (malformed JSON; for the splits also a key
// given twice, nesting past jsonscan.MaxDepth, another kind than the one asked for) they
// report false, and the caller decodes with encoding/json as before, so results and error
// words are encoding/json's either way.

// wellFormedValueAt returns the JSON value that starts at start, as the input's own bytes,
// when it is well-formed. json.Decoder, which findObject used alone, held it twice more: in
// its read buffer, grown by doubling, and in the copy it returns (1.2 GB for a 412 MB
// preview, on top of the preview).
func wellFormedValueAt(data []byte, start int) ([]byte, bool) {
	end := jsonscan.ValueEnd(data, start)
	if end < 0 || !json.Valid(data[start:end]) {
		return nil, false
	}
	return data[start:end], true
}

// splitObject is json.Unmarshal(data, &map[string]json.RawMessage) without the copies.
func splitObject(data []byte) (map[string]json.RawMessage, bool) {
	d := jsonscan.NewDecoder(data, 0, 0)
	if d.Peek() != '{' {
		return nil, false
	}
	members := map[string]json.RawMessage{}
	ok := d.Object(func(key string) bool {
		raw, ok := d.Raw()
		members[key] = raw
		return ok
	})
	return members, ok && atEnd(data, d.Pos())
}

// splitArray is json.Unmarshal(data, &[]json.RawMessage) without the copies.
func splitArray(data []byte) ([]json.RawMessage, bool) {
	d := jsonscan.NewDecoder(data, 0, 0)
	if d.Peek() != '[' {
		return nil, false
	}
	elements := []json.RawMessage{}
	ok := d.Array(func() bool {
		raw, ok := d.Raw()
		elements = append(elements, raw)
		return ok
	})
	return elements, ok && atEnd(data, d.Pos())
}

// atEnd reports whether only white space follows offset pos.
func atEnd(data []byte, pos int) bool {
	return jsonscan.SkipSpace(data, pos) == len(data)
}

// unmarshalObject splits data in place when it can and unmarshals it otherwise.
func unmarshalObject(data []byte, members *map[string]json.RawMessage) error {
	if m, ok := splitObject(data); ok {
		*members = m
		return nil
	}
	return json.Unmarshal(data, members)
}

// unmarshalArray splits data in place when it can and unmarshals it otherwise.
func unmarshalArray(data []byte, elements *[]json.RawMessage) error {
	if e, ok := splitArray(data); ok {
		*elements = e
		return nil
	}
	return json.Unmarshal(data, elements)
}
