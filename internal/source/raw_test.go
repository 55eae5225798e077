package source

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Splitting in place gives what json.Unmarshal into raw messages gives, and where it cannot
// read the input the same error: the careful path's results and words do not change.
func TestSplittingMatchesEncodingJSON(t *testing.T) {
	deep := strings.Repeat("[", 1500) + strings.Repeat("]", 1500)
	inputs := []string{
		`{}`, `[]`, ` { "a" : 1 , "b" : [1, {"c": null}] } `, `{"steps": [{"urn": "x"}, {"urn": 7}], "s": "t"}`,
		`{"k\u0065y": "escaped key", "é": "non-ASCII key", "a\"b": 1}`, `{"a": 1, "a": 2}`,
		`[1, "two", {"three": 3}, [4], null, true]`, `[ ]`, `{"a": ` + deep + `}`, `[` + deep + `]`,
		`null`, `5`, `"str"`, `{"a": 1`, `[1, 2`, `{"a": 1} x`, `[1] [2]`, `{"a": tru}`, `{"a": 01}`,
		`{"a": "bad \x01 control"}`, `{"a": "\xff"}`, ``, `   `,
	}
	for _, in := range inputs {
		name := in
		if len(name) > 40 {
			name = name[:40]
		}
		t.Run(name, func(t *testing.T) {
			data := []byte(in)
			var wantObj, gotObj map[string]json.RawMessage
			wantErr := json.Unmarshal(data, &wantObj)
			gotErr := unmarshalObject(data, &gotObj)
			assertSameResult(t, wantErr, gotErr)
			if wantErr == nil {
				require.Equal(t, len(wantObj), len(gotObj))
				for k, v := range wantObj {
					assert.Equal(t, string(v), string(gotObj[k]), "member %q", k)
				}
			}
			var wantArr, gotArr []json.RawMessage
			wantErr = json.Unmarshal(data, &wantArr)
			gotErr = unmarshalArray(data, &gotArr)
			assertSameResult(t, wantErr, gotErr)
			if wantErr == nil {
				require.Equal(t, len(wantArr), len(gotArr))
				for i := range wantArr {
					assert.Equal(t, string(wantArr[i]), string(gotArr[i]), "element %d", i)
				}
			}
		})
	}
}

func assertSameResult(t *testing.T, want, got error) {
	t.Helper()
	if want == nil {
		assert.NoError(t, got)
		return
	}
	require.Error(t, got)
	assert.Equal(t, want.Error(), got.Error())
}

// The split values are the input's own bytes, not copies: that is the point of splitting.
func TestSplittingDoesNotCopy(t *testing.T) {
	data := []byte(`{"steps": [{"urn": "a"}, {"urn": "b"}]}`)
	top, ok := splitObject(data)
	require.True(t, ok)
	steps, ok := splitArray(top["steps"])
	require.True(t, ok)
	require.Len(t, steps, 2)
	steps[1][2] = 'X' // {"urn"... → {"Xrn"...
	assert.Contains(t, string(data), `{"Xrn": "b"}`)
}

// findObject returns the object as the input's own bytes when it is well-formed, and words
// what is wrong when it is not, as before.
func TestFindObjectReturnsTheInputsOwnBytes(t *testing.T) {
	data := []byte("plugin installed\n{\"steps\": []}\ntrailing text\n")
	obj, err := findObject("f.json", data)
	require.NoError(t, err)
	require.Equal(t, `{"steps": []}`, string(obj))
	obj[1] = 'X'
	assert.Contains(t, string(data), `{Xsteps`)

	_, err = findObject("f.json", []byte("{\"steps\": [\n"))
	require.ErrorContains(t, err, "truncated before its end")
	_, err = findObject("f.json", []byte("{\"steps\": [}\n"))
	require.ErrorContains(t, err, "malformed JSON on line 1")
}
