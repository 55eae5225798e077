package engine

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kvguard/kvguard/internal/model"
	"github.com/kvguard/kvguard/internal/source"
	"github.com/kvguard/kvguard/policies"
)

// oddValues are the values a hand-edited or foreign input may put where a policy expects
// another type: every JSON type, empty ones, and numbers outside the ranges dates and
// counts take.
var oddValues = []any{"x", "", 5.5, -1.0, 1e13, -1e13, true, nil, []any{"x", 1.0}, []any{}, map[string]any{"a": "b"}}

// TestShippedPoliciesNeverHitBuiltinErrors puts each odd value at every property path of the
// fixture documents' resources and evaluates them. A builtin error (count of a number,
// time.format past 2262) would make a rule quietly lose its finding; Evaluate refuses such a
// check, and no policy may give it cause. The mutated copies of one value share a document
// (each under a URN of its own), so a fixture costs one evaluation per value; a failing one
// is evaluated again copy by copy to name the path.
func TestShippedPoliciesNeverHitBuiltinErrors(t *testing.T) {
	e, err := New(policies.FS)
	require.NoError(t, err)
	now, err := time.Parse(time.RFC3339, "2026-12-03T00:00:00Z")
	require.NoError(t, err)
	settings := Settings{Stack: "prod", Now: now}
	for _, name := range []string{"preview-noncompliant-prod.json", "export-noncompliant-prod.json", "preview-replace-vault.json"} {
		data, err := os.ReadFile(filepath.Join("..", "..", "tests", "testdata", "pulumi", name))
		require.NoError(t, err)
		original := mustLoad(t, name, data)
		for _, v := range oddValues {
			batch := mustLoad(t, name, data)
			var copies []mutation
			for _, r := range original.Resources {
				for _, old := range []bool{false, true} {
					for _, p := range propertyPaths(props(r, old)) {
						m := mutation{urn: r.URN, old: old, path: p, resource: mutated(r, len(copies), old, p, v)}
						copies = append(copies, m)
						batch.Resources = append(batch.Resources, m.resource)
					}
				}
			}
			require.NotEmpty(t, copies)
			if _, err := e.Evaluate(context.Background(), batch, settings); err == nil {
				continue
			}
			for _, m := range copies {
				one := mustLoad(t, name, data)
				one.Resources = append(one.Resources, m.resource)
				_, err := e.Evaluate(context.Background(), one, settings)
				assert.NoError(t, err, "%s: %s %s.%s = %#v", name, m.urn, m.field(), strings.Join(m.path, "."), v)
			}
		}
	}
}

// mutation is a copy of a fixture resource with one odd value at path in its properties or
// (old) its old properties.
type mutation struct {
	urn      string
	old      bool
	path     []string
	resource model.Resource
}

func (m mutation) field() string {
	if m.old {
		return "oldProperties"
	}
	return "properties"
}

// mutated copies r under a URN of its own, with v at path in its properties or old ones.
func mutated(r model.Resource, n int, old bool, path []string, v any) model.Resource {
	c := r
	c.URN = fmt.Sprintf("%s-odd%d", r.URN, n)
	c.Name = fmt.Sprintf("%s-odd%d", r.Name, n)
	c.Properties = deepCopy(r.Properties).(map[string]any)
	if r.OldProperties != nil {
		c.OldProperties = deepCopy(r.OldProperties).(map[string]any)
	}
	setPath(props(c, old), path, v)
	return c
}

func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		c := make(map[string]any, len(x))
		for k, e := range x {
			c[k] = deepCopy(e)
		}
		return c
	case []any:
		c := make([]any, len(x))
		for i, e := range x {
			c[i] = deepCopy(e)
		}
		return c
	}
	return v
}

func mustLoad(t *testing.T, name string, data []byte) *model.Document {
	t.Helper()
	doc, err := source.Load(name, data)
	require.NoError(t, err)
	return doc
}

// propertyPaths lists the paths of every value in v, containers and leaves, in a fixed order.
func propertyPaths(v any) [][]string {
	var out [][]string
	var walk func(v any, path []string)
	walk = func(v any, path []string) {
		switch x := v.(type) {
		case map[string]any:
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				p := append(append([]string(nil), path...), k)
				out = append(out, p)
				walk(x[k], p)
			}
		case []any:
			for i, e := range x {
				p := append(append([]string(nil), path...), fmt.Sprint(i))
				out = append(out, p)
				walk(e, p)
			}
		}
	}
	walk(v, nil)
	return out
}

// setPath replaces the value at path (object keys and array indexes) in props.
func setPath(props map[string]any, path []string, v any) {
	var cur any = props
	for i, seg := range path {
		last := i == len(path)-1
		switch x := cur.(type) {
		case map[string]any:
			if last {
				x[seg] = v
				return
			}
			cur = x[seg]
		case []any:
			var n int
			fmt.Sscan(seg, &n)
			if last {
				x[n] = v
				return
			}
			cur = x[n]
		}
	}
}

// props is r's properties, or its old properties (nil for a resource without them).
func props(r model.Resource, old bool) map[string]any {
	if old {
		return r.OldProperties
	}
	return r.Properties
}
