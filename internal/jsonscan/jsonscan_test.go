package jsonscan

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestDuplicateKeyScan(t *testing.T) {
	tests := []struct {
		in, want string
		found    bool
	}{
		{in: `{"a": 1, "b": {"c": [1, {"d": 2, "e": "}\"{"}]}}`},
		{in: `{"a": 1, "a": 2}`, want: "a", found: true},
		{in: `{"a": {"b": [{}, {"c": 1, "c": 1}]}}`, want: "a.b[1].c", found: true},
		{in: `{"v\u0061lue": 1, "value": 2}`, want: "value", found: true},
		{in: `[{"x": 1}, {"x": 1}]`},
		{in: `"plain"`},
	}
	for _, tt := range tests {
		got, found := DuplicateKey([]byte(tt.in))
		assert.Equal(t, tt.found, found, tt.in)
		assert.Equal(t, tt.want, got, tt.in)
	}
}

func TestNumberOutOfRange(t *testing.T) {
	tests := []struct {
		name, data, want string
		found            bool
	}{
		{"none", `{"a": [1, 2.5e300, -3], "b": "1e400"}`, "", false},
		{"in an object", `{"a": {"b": 1e400}}`, "a.b", true},
		{"in an array", `{"rules": [{"v": 1}, {"v": -1e999}]}`, "rules[1].v", true},
		{"top level", `[9e999]`, "[0]", true},
		{"a string that looks like one", `{"a": "9e999"}`, "", false},
		{"malformed input is left to the decoder", `{"a": [1e400`, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, found := NumberOutOfRange([]byte(tt.data))
			if found != tt.found || got != tt.want {
				t.Fatalf("NumberOutOfRange(%s) = %q, %v; want %q, %v", tt.data, got, found, tt.want, tt.found)
			}
		})
	}
}
