package jsonscan

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// decodeAll decodes data as one value with a Decoder, white space around it allowed.
func decodeAll(data []byte) (any, bool) {
	d := NewDecoder(data, 0, 0)
	v, ok := d.Value()
	if !ok || d.Failed() || SkipSpace(data, d.Pos()) != len(data) {
		return nil, false
	}
	return v, true
}

// checkSkipLikeValue fails t when Skip reads data otherwise than Value: it must fail where
// Value fails, end where it ends, and count the same keys.
func checkSkipLikeValue(t *testing.T, data []byte) {
	t.Helper()
	value, skip := NewDecoder(data, 0, 0), NewDecoder(data, 0, 0)
	value.Watch("k")
	skip.Watch("k")
	_, valueOK := value.Value()
	skipOK := skip.Skip()
	if valueOK != skipOK || (valueOK && (value.Pos() != skip.Pos() || value.Watched() != skip.Watched())) {
		t.Fatalf("%q: Value gives ok %v at %d, %d watched; Skip ok %v at %d, %d watched",
			data, valueOK, value.Pos(), value.Watched(), skipOK, skip.Pos(), skip.Watched())
	}
}

// checkLikeEncodingJSON fails t when the Decoder reads data other than encoding/json does: a
// value it decodes must be the one encoding/json decodes (-0 included), and hold no key twice.
func checkLikeEncodingJSON(t *testing.T, data []byte) (decoded bool) {
	t.Helper()
	checkSkipLikeValue(t, data)
	got, ok := decodeAll(data)
	if !ok {
		return false
	}
	var want any
	if err := json.Unmarshal(data, &want); err != nil {
		t.Fatalf("Decoder read %q, encoding/json refuses it: %v", data, err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Decoder read %q as %#v, encoding/json as %#v", data, got, want)
	}
	gotText, _ := json.Marshal(got)
	wantText, _ := json.Marshal(want)
	if string(gotText) != string(wantText) {
		t.Fatalf("Decoder read %q as %s, encoding/json as %s", data, gotText, wantText)
	}
	if path, dup := DuplicateKey(data); dup {
		t.Fatalf("Decoder read %q, which gives %s twice", data, path)
	}
	return true
}

var decoderReads = []string{
	`{}`, `[]`, ` {"a": [1, -2.5, 3e2, 1E-2, -0, 0, 0.0, 123456789012345, 1234567890123456789, 1.7976931348623157e308]} `,
	`{"s": "plain", "t": true, "f": false, "n": null, "e": "", "o": {}, "a": [[], {}]}`,
	`{"esc": "a\"b\\c\/d\b\f\n\r\t\u00e9\u2028", "nul": "\u0000", "pair": "\ud83d\ude00"}`,
	`{"lone surrogate": "\ud800", "reversed": "\udc00\ud800"}`,
	`{"é": "ünïcödé", "emoji": "😀"}`,
	`{"v\u0061lue": 1, "other": 2}`,
	`"\u212a"`, `-1`, `1e308`, `5e-324`, `1e-400`,
	`{"k": {"k": [{"k": 1, "a": {"k": null}}], "k\u0020": 2}, "x": {"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"j":10,"k":11,"l":12,"m":13,"n":14,"o":15,"p":16,"q":17,"r":18,"s":19,"t":20,"u":21,"v":22,"w":23,"x":24,"y":25,"z":26,"A":27,"B":28,"C":29,"D":30,"E":31,"F":32,"G":33,"H":34}}`,
}

var decoderRefuses = []string{
	``, ` `, `{`, `[`, `{"a"}`, `{"a":}`, `{"a":1,}`, `[1,]`, `[1 2]`, `{"a":1 "b":2}`, `{1:2}`,
	`{"a": 1, "a": 2}`, `{"x": {"a": 1, "\u0061": 2}}`, `[{"k": [], "k": {}}]`,
	"{\"a\xff\": 1, \"a\xfe\": 2}",                      // both become "a\uFFFD" for encoding/json
	"{\"invalid utf-8\": \"a\xffb\"}", "{\"k\xfe\": 1}", // refused by jsonscan.InvalidUTF8
	`1e400`, `-1e400`, `[1.]`, `[.5]`, `[01]`, `[-]`, `[1e]`, `[1e+]`, `[+1]`, `[0x10]`, `[NaN]`, `[Infinity]`,
	`[tru]`, `[nul]`, `[True]`, `["a` + "\n" + `"]`, `["a` + "\t" + `"]`, `["\q"]`, `["\u12"]`, `["abc`,
	`[1]x`, `{} {}`, `'a'`,
	strings.Repeat("[", MaxDepth+1) + strings.Repeat("]", MaxDepth+1),
}

func TestDecoderReadsAsEncodingJSON(t *testing.T) {
	for _, in := range decoderReads {
		if !checkLikeEncodingJSON(t, []byte(in)) {
			t.Errorf("Decoder refused %q", in)
		}
	}
	deep := strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth)
	if !checkLikeEncodingJSON(t, []byte(deep)) {
		t.Errorf("Decoder refused %d levels", MaxDepth)
	}
}

func TestDecoderRefuses(t *testing.T) {
	many := make([]string, 40)
	for i := range many {
		many[i] = fmt.Sprintf(`"k%d": %d`, i, i)
	}
	for _, in := range append(decoderRefuses, "{"+strings.Join(many, ", ")+`, "k7": 1}`) {
		checkSkipLikeValue(t, []byte(in))
		if _, ok := decodeAll([]byte(in)); ok {
			t.Errorf("Decoder read %q", in)
		}
	}
}

func TestDecoderStructHelpers(t *testing.T) {
	data := []byte(`{"s": "x", "n": null, "b": true, "l": ["a", "b"], "e": [], "ln": null, "k": 1, "k2": {"a": 1}}`)
	d := NewDecoder(data, 0, 0)
	var s, n string = "", "kept"
	var b bool
	var l, e, ln []string
	ok := d.Object(func(key string) bool {
		switch key {
		case "s":
			return d.StringInto(&s)
		case "n":
			return d.StringInto(&n)
		case "b":
			return d.Bool(&b)
		case "l":
			var ok bool
			l, ok = d.Strings()
			return ok
		case "e":
			var ok bool
			e, ok = d.Strings()
			return ok
		case "ln":
			var ok bool
			ln, ok = d.Strings()
			return ok
		case "k2":
			raw, ok := d.Raw()
			if string(raw) != `{"a": 1}` {
				t.Errorf("Raw = %s", raw)
			}
			return ok
		}
		return d.Skip()
	})
	if !ok || s != "x" || n != "kept" || !b || !reflect.DeepEqual(l, []string{"a", "b"}) || e == nil || len(e) != 0 || ln != nil {
		t.Fatalf("ok %v s %q n %q b %v l %v e %#v ln %#v", ok, s, n, b, l, e, ln)
	}
	many := make([]string, 40)
	for i := range many {
		many[i] = fmt.Sprintf(`"k%d": %d`, i, i)
	}
	d = NewDecoder([]byte("{"+strings.Join(many, ", ")+"}"), 0, 0)
	if !d.Object(func(string) bool { return d.Skip() }) {
		t.Error("Object refused 40 keys")
	}
	for _, in := range []string{`{"a": 1, "a": 2}`, `{"a": 1,}`, `{"a" 1}`, `[]`,
		"{" + strings.Join(many, ", ") + `, "k3": 1}`, "{" + strings.Join(many, ", ") + `, "k39": 1}`, "{" + strings.Join(many[:16], ", ") + `, "k0": 1}`} {
		d := NewDecoder([]byte(in), 0, 0)
		if d.Object(func(string) bool { return d.Skip() }) {
			t.Errorf("Object read %s", in)
		}
	}
	for _, in := range []string{`[null]`, `[1]`, `{}`, `"a"`} {
		d := NewDecoder([]byte(in), 0, 0)
		if _, ok := d.Strings(); ok {
			t.Errorf("Strings read %s", in)
		}
	}
}

func FuzzDecoder(f *testing.F) {
	for _, in := range append(append([]string{}, decoderReads...), decoderRefuses...) {
		f.Add([]byte(in))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkLikeEncodingJSON(t, data)
	})
}

func TestDecoderWatch(t *testing.T) {
	data := []byte(`{"k": {"k": 1, "x": [{"k\u0020": 2, "k ": 3}]}, "y": "k"}`)
	d := NewDecoder(data, 0, 0)
	d.Watch("k ")
	if _, ok := d.Value(); ok {
		t.Fatal("a key given twice (once escaped) must fail")
	}
	data = []byte(`{"k": {"k": 1, "x": [{"k\u0020": 2}, {"k ": 3}]}, "y": "k "}`)
	d = NewDecoder(data, 0, 0)
	d.Watch("k ")
	if _, ok := d.Value(); !ok || d.Watched() != 2 {
		t.Fatalf("ok %v, watched %d, want 2", ok, d.Watched())
	}
	d = NewDecoder(data, 0, 0)
	d.Watch("k ")
	if !d.Object(func(string) bool { return d.Skip() }) || d.Watched() != 2 {
		t.Fatalf("watched %d, want 2", d.Watched())
	}
}

func TestPlainWord(t *testing.T) {
	for c := range 256 {
		for pos := range 8 {
			word := []byte("abcdefgh")
			word[pos] = byte(c)
			got := plainWord(binary.LittleEndian.Uint64(word))
			if want := plainByte[c]; got != want {
				t.Fatalf("plainWord with %#x at %d = %v, want %v", c, pos, got, want)
			}
		}
	}
	for _, w := range []string{"        ", "~~~~~~~~", "\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f", "!#$%&'()", "[]{}:,09"} {
		if !plainWord(binary.LittleEndian.Uint64([]byte(w))) {
			t.Errorf("plainWord(%q) = false", w)
		}
	}
	for _, w := range []string{"\x00\x00\x00\x00\x00\x00\x00\x00", "\"\"\"\"\"\"\"\"", "\x1f       ", "       \x80", "\\\\\\\\\\\\\\\\", "\xff\xff\xff\xff\xff\xff\xff\xff"} {
		if plainWord(binary.LittleEndian.Uint64([]byte(w))) {
			t.Errorf("plainWord(%q) = true", w)
		}
	}
}
