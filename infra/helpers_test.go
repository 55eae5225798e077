package infra_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/kvguard/kvguard/infra"
	"github.com/kvguard/kvguard/infra/azuremock"
)

const project = "secret-store"

// stackConfig is a stack's config as the Pulumi engine hands it to the program: Pulumi.yaml
// defaults first, then the stack file; structured values as JSON; `secure:` values replaced by
// a test plaintext (the ciphertext placeholders cannot be decrypted) and listed as secret keys.
type stackConfig struct {
	values     map[string]string
	secretKeys []string
}

func (s stackConfig) clone() stackConfig {
	v := make(map[string]string, len(s.values))
	for k, x := range s.values {
		v[k] = x
	}
	return stackConfig{values: v, secretKeys: append([]string(nil), s.secretKeys...)}
}

// testSecretValue is the plaintext the tests put in place of a stack file's ciphertext.
func testSecretValue(key string) string {
	return "plaintext-for-" + strings.TrimPrefix(key, project+":")
}

func loadProjectDefaults(t *testing.T) map[string]string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "Pulumi.yaml"))
	require.NoError(t, err)
	var proj struct {
		Name   string `yaml:"name"`
		Config map[string]struct {
			Default any `yaml:"default"`
		} `yaml:"config"`
	}
	require.NoError(t, yaml.Unmarshal(raw, &proj))
	require.Equal(t, project, proj.Name, "Pulumi.yaml project name")
	out := map[string]string{}
	for k, c := range proj.Config {
		if c.Default != nil {
			out[project+":"+k] = configString(t, c.Default)
		}
	}
	return out
}

func loadStack(t *testing.T, path string) stackConfig {
	t.Helper()
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	var file struct {
		Config map[string]any `yaml:"config"`
	}
	require.NoError(t, yaml.Unmarshal(raw, &file), "parse %q", path)
	sc := stackConfig{values: loadProjectDefaults(t)}
	for k, v := range file.Config {
		if m, ok := v.(map[string]any); ok {
			if _, secure := m["secure"]; secure && len(m) == 1 {
				sc.values[k] = testSecretValue(k)
				sc.secretKeys = append(sc.secretKeys, k)
				continue
			}
		}
		sc.values[k] = configString(t, v)
	}
	sort.Strings(sc.secretKeys)
	return sc
}

func configString(t *testing.T, v any) string {
	t.Helper()
	switch x := v.(type) {
	case string:
		return x
	case int:
		return strconv.Itoa(x)
	case bool:
		return strconv.FormatBool(x)
	default:
		b, err := json.Marshal(x)
		require.NoError(t, err)
		return string(b)
	}
}

// run runs infra.Run for a stack and returns the recording monitor.
func run(t *testing.T, stack string, sc stackConfig, opts azuremock.Options) (*azuremock.Monitor, error) {
	t.Helper()
	m := azuremock.New(opts)
	err := azuremock.Run(project, stack, sc.values, sc.secretKeys, m, infra.Run)
	return m, err
}

// lookup walks a dotted path ("properties.sku.name", "logs.0.categoryGroup") through secret
// and output wrappers.
func lookup(pm resource.PropertyMap, path string) (resource.PropertyValue, bool) {
	v := resource.NewObjectProperty(pm)
	for _, part := range strings.Split(path, ".") {
		v = unwrap(v)
		switch {
		case v.IsObject():
			next, ok := v.ObjectValue()[resource.PropertyKey(part)]
			if !ok {
				return resource.PropertyValue{}, false
			}
			v = next
		case v.IsArray():
			i, err := strconv.Atoi(part)
			if err != nil || i < 0 || i >= len(v.ArrayValue()) {
				return resource.PropertyValue{}, false
			}
			v = v.ArrayValue()[i]
		default:
			return resource.PropertyValue{}, false
		}
	}
	return v, true
}

func unwrap(v resource.PropertyValue) resource.PropertyValue {
	for {
		switch {
		case v.IsSecret():
			v = v.SecretValue().Element
		case v.IsOutput() && v.OutputValue().Known:
			v = v.OutputValue().Element
		default:
			return v
		}
	}
}

// plain renders a property for comparison: strings, float64, bool, []any, map, "<unknown>".
func plain(v resource.PropertyValue) any {
	v = unwrap(v)
	switch {
	case v.IsNull():
		return nil
	case v.IsComputed() || v.IsOutput():
		return "<unknown>"
	case v.IsString():
		return v.StringValue()
	case v.IsNumber():
		return v.NumberValue()
	case v.IsBool():
		return v.BoolValue()
	case v.IsArray():
		out := []any{}
		for _, e := range v.ArrayValue() {
			out = append(out, plain(e))
		}
		return out
	case v.IsObject():
		out := map[string]any{}
		for k, e := range v.ObjectValue() {
			out[string(k)] = plain(e)
		}
		return out
	}
	return fmt.Sprintf("<%s>", v.TypeString())
}

func prop(t *testing.T, r azuremock.Registration, path string) any {
	t.Helper()
	v, ok := lookup(r.Inputs, path)
	if !ok {
		return nil
	}
	return plain(v)
}

func find(t *testing.T, m *azuremock.Monitor, typ, name string) azuremock.Registration {
	t.Helper()
	r, ok := m.Find(typ, name)
	require.True(t, ok, "resource %s %q not registered; got %v", typ, name, names(m))
	return r
}

func names(m *azuremock.Monitor) []string {
	var out []string
	for _, r := range m.Registrations() {
		out = append(out, r.Type+"::"+r.Name)
	}
	return out
}
