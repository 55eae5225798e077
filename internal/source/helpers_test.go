package source

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kvguard/kvguard/internal/model"
)

// fixtureDir holds the shared Pulumi-shaped fixtures.
var fixtureDir = filepath.Join("..", "..", "tests", "testdata", "pulumi")

// planted is the secret value planted in the show-secrets and plaintext exports.
const planted = "kvguard-planted-SECRET-9f8e7d"

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(fixtureDir, name))
	require.NoError(t, err)
	return data
}

func loadFixture(t *testing.T, name string) *model.Document {
	t.Helper()
	doc, err := Load(name, readFixture(t, name))
	require.NoError(t, err, "load %s", name)
	return doc
}

// mustJSON decodes a JSON object written inline in a test.
func mustJSON(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(s), &m), "test JSON")
	return m
}

// lookup follows a dot-separated path (array indexes as numbers) into properties.
func lookup(props map[string]any, path string) (any, bool) {
	var cur any = props
	for _, elem := range strings.Split(path, ".") {
		switch x := cur.(type) {
		case map[string]any:
			v, ok := x[elem]
			if !ok {
				return nil, false
			}
			cur = v
		case []any:
			i, err := strconv.Atoi(elem)
			if err != nil || i < 0 || i >= len(x) {
				return nil, false
			}
			cur = x[i]
		default:
			return nil, false
		}
	}
	return cur, true
}

// find returns the resources of doc with the given name, in document order.
func find(doc *model.Document, name string) []model.Resource {
	var out []model.Resource
	for _, r := range doc.Resources {
		if r.Name == name {
			out = append(out, r)
		}
	}
	return out
}

// one returns the single resource named name.
func one(t *testing.T, doc *model.Document, name string) model.Resource {
	t.Helper()
	rs := find(doc, name)
	require.Len(t, rs, 1, "resources named %q", name)
	return rs[0]
}
