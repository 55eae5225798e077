package source

import (
	"encoding/json"
	"errors"
	"maps"
	"reflect"
	"slices"
	"strings"

	"github.com/kvguard/kvguard/internal/jsonscan"
)

// InputError reports input kvguard cannot read: the file, the JSON path inside it and what was
// expected there. It never carries a property value from the input, because any value may be
// a secret; Got names a kind ("a string", "2 objects"), or quotes one of the structural words
// Pulumi writes around values (a step op, a type token, a field name), which are never secret.
// The CLI maps it to exit code 2.
type InputError struct {
	// File is the input's name as the user gave it ("<stdin>" for "-").
	File string
	// Path is the JSON path inside the file ("steps[3].newState"), empty for the whole file.
	Path string
	// Expected says what kvguard needed at Path ("an object", "exactly one JSON object").
	Expected string
	// Got names the kind of what was found, never its value; may be empty.
	Got string
	// Err is the underlying cause, if any; its text must not contain input values either.
	Err error
}

// Error renders "file: path: expected X, got Y: cause", leaving out empty parts.
func (e *InputError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Path != "" {
		b.WriteString(": ")
		b.WriteString(e.Path)
	}
	if e.Expected != "" {
		b.WriteString(": expected ")
		b.WriteString(e.Expected)
		if e.Got != "" {
			b.WriteString(", got ")
			b.WriteString(e.Got)
		}
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the underlying cause.
func (e *InputError) Unwrap() error { return e.Err }

// displayName is how errors name an input; "-" is the CLI's spelling of stdin.
func displayName(name string) string {
	switch name {
	case "-":
		return "<stdin>"
	case "":
		return "<input>"
	}
	return name
}

// JoinPath appends an element to a dot-separated path, the form of every path kvguard reports
// (unknown, secret and plaintext paths; error paths). Field names from encoding/json are dot
// separated too.
func JoinPath(base, elem string) string {
	switch {
	case elem == "":
		return base
	case base == "":
		return elem
	}
	return base + "." + elem
}

// decodeErrorIn is decodeError for the JSON value raw found at path. encoding/json names a
// number out of range only by the field holding it when that is a map of properties; the
// error then names the number's own path (jsonscan.NumberOutOfRange).
func decodeErrorIn(file, path string, raw []byte, err error) *InputError {
	ie := decodeError(file, path, err)
	if ie.Expected == numberInRange {
		if at, found := jsonscan.NumberOutOfRange(raw); found {
			ie.Path, ie.Got = JoinPath(path, at), "one out of range"
		}
	}
	return ie
}

// numberInRange is what a decode error expects of a number a float64 cannot hold.
const numberInRange = "a number that fits in 64 bits"

// decodeError turns an encoding/json error into an InputError under path. encoding/json's own
// messages are not used verbatim: UnmarshalTypeError.Value holds the literal of a number, and
// SyntaxError messages quote input characters, either of which may be part of a secret.
func decodeError(file, path string, err error) *InputError {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		ie := &InputError{
			File:     file,
			Path:     JoinPath(path, te.Field),
			Expected: describeGoType(te.Type),
			Got:      describeJSONKind(te.Value),
		}
		if ie.Got == "a number" && isNumberKind(te.Type) {
			// A number of the right kind that does not fit (1e400 overflows a float64).
			ie.Expected, ie.Got = numberInRange, "one out of range somewhere in this value"
		}
		return ie
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return &InputError{File: file, Path: path, Expected: "valid JSON", Got: "a syntax error"}
	}
	if errors.Is(err, errUnexpectedEnd) {
		return &InputError{File: file, Path: path, Expected: "complete JSON", Got: "a truncated value"}
	}
	return &InputError{File: file, Path: path, Expected: "valid JSON", Got: "undecodable input"}
}

// describeJSONKind maps UnmarshalTypeError.Value ("string", "number 3.5", "object") to an
// article-prefixed kind, dropping any literal.
func describeJSONKind(v string) string {
	kind, _, _ := strings.Cut(v, " ")
	switch kind {
	case "string":
		return "a string"
	case "number":
		return "a number"
	case "object":
		return "an object"
	case "array":
		return "an array"
	case "bool":
		return "a boolean"
	case "null":
		return "null"
	}
	return "a value of another kind"
}

// isNumberKind reports whether t (or what it points to) is a Go number type.
func isNumberKind(t reflect.Type) bool { return describeGoType(t) == "a number" }

func describeGoType(t reflect.Type) string {
	if t == nil {
		return "a value of another kind"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return "a number"
	}
	return "a value of another kind"
}

// kindOf names the JSON kind of a decoded value without revealing it.
func kindOf(raw json.RawMessage) string {
	s := strings.TrimSpace(string(raw))
	if s == "" {
		return "nothing"
	}
	switch s[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

// knownFields refuses a field Pulumi does not write in the object at path. Without it a
// misspelt or renamed field ("Resources", "resourcez") would read as an empty stack and pass.
// Field names are not secret, so the error quotes the first unknown one.
func knownFields(file, path string, obj map[string]json.RawMessage, fields []string) error {
	for _, k := range slices.Sorted(maps.Keys(obj)) {
		if !slices.Contains(fields, k) {
			return &InputError{File: file, Path: JoinPath(path, k),
				Expected: "one of the fields Pulumi writes here (" + strings.Join(fields, ", ") + ")",
				Got:      "an unknown field"}
		}
	}
	return nil
}
