package engine

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kvguard/kvguard/internal/model"
)

const (
	typeVault  = "azure-native:keyvault:Vault"
	typeSecret = "azure-native:keyvault:Secret"
)

var testNow = time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)

// fixtureEngine compiles the fixture policies under testdata/policies.
func fixtureEngine(t testing.TB) *Engine {
	t.Helper()
	e, err := New(os.DirFS("testdata/policies"))
	require.NoError(t, err)
	return e
}

func urn(typ, name string) string {
	return "urn:pulumi:dev::proj::" + typ + "::" + name
}

// vault builds a custom vault resource being created with the given properties.
func vault(name string, props map[string]any, unknown ...string) model.Resource {
	return model.Resource{
		URN: urn(typeVault, name), Type: typeVault, Name: name, Op: model.OpCreate, Custom: true,
		Properties: props, Unknown: unknown,
	}
}

func secret(name string, props map[string]any) model.Resource {
	return model.Resource{
		URN: urn(typeSecret, name), Type: typeSecret, Name: name, Op: model.OpCreate, Custom: true,
		Properties: props,
	}
}

// goodVault passes TST-001 in every profile and TST-002.
func goodVault(name string) model.Resource {
	return vault(name, map[string]any{"softDeleteRetentionInDays": 90.0, "publicNetworkAccess": "Disabled"})
}

func doc(stack string, rs ...model.Resource) *model.Document {
	return &model.Document{Stack: stack, Project: "proj", Source: model.SourcePreview, Resources: rs}
}

// resultKey is the part of a Result the table tests compare.
type resultKey struct {
	Policy string
	Name   string
	Status Status
	Level  Level
	Path   string
}

func keysOf(rep *Report) []resultKey {
	out := make([]resultKey, 0, len(rep.Results))
	for _, r := range rep.Results {
		out = append(out, resultKey{r.PolicyID, r.ResourceName, r.Status, r.Level, r.Path})
	}
	return out
}

func find(rep *Report, policy, name string) (Result, bool) {
	for _, r := range rep.Results {
		if r.PolicyID == policy && r.ResourceName == name {
			return r, true
		}
	}
	return Result{}, false
}

// assertInputIsJSONRoundTrip checks that the OPA input built for d is exactly what opa eval
// and conftest read from d's JSON (kvguard input).
func assertInputIsJSONRoundTrip(t *testing.T, d *model.Document) {
	t.Helper()
	got, err := documentValue(d, false)
	require.NoError(t, err)
	raw, err := json.Marshal(d)
	require.NoError(t, err)
	want, err := ast.ValueFromReader(strings.NewReader(string(raw)))
	require.NoError(t, err)
	assert.Equal(t, 0, want.Compare(got), "got %v, want %v", got, want)
}
