package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCheckSARIFValidates checks real reports (every fixture the engine accepts) against the
// SARIF 2.1.0 schema kept with the output package's tests.
func TestCheckSARIFValidates(t *testing.T) {
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	sch, err := c.Compile(filepath.Join("..", "output", "testdata", "sarif-schema-2.1.0.json"))
	require.NoError(t, err)

	entries, err := os.ReadDir(fixtures)
	require.NoError(t, err)
	checked := 0
	for _, e := range entries {
		t.Run(e.Name(), func(t *testing.T) {
			stdout, _, code := runCLI(t, "", "check", fixture(e.Name()), "--format", "sarif", "--now", "2026-12-03")
			if code == 2 {
				t.Skipf("fixture %s is bad input by design", e.Name())
			}
			checked++
			inst, err := jsonschema.UnmarshalJSON(strings.NewReader(stdout))
			require.NoError(t, err)
			assert.NoError(t, sch.Validate(inst))
		})
	}
	assert.NotZero(t, checked, "no fixture produced a SARIF report")
}
