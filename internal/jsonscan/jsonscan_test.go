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
