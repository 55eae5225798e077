package infra_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kvguard/kvguard/infra/azuremock"
)

// unmarked returns the paths under v where a string containing planted is not inside a secret.
func unmarked(v resource.PropertyValue, planted, path string, inSecret bool) []string {
	switch {
	case v.IsSecret():
		return unmarked(v.SecretValue().Element, planted, path, true)
	case v.IsOutput():
		o := v.OutputValue()
		return unmarked(o.Element, planted, path, inSecret || o.Secret)
	case v.IsString():
		if !inSecret && strings.Contains(v.StringValue(), planted) {
			return []string{path}
		}
	case v.IsArray():
		var out []string
		for i, e := range v.ArrayValue() {
			out = append(out, unmarked(e, planted, fmt.Sprintf("%s[%d]", path, i), inSecret)...)
		}
		return out
	case v.IsObject():
		var out []string
		for k, e := range v.ObjectValue() {
			out = append(out, unmarked(e, planted, path+"."+string(k), inSecret)...)
		}
		return out
	}
	return nil
}

// TestUnmarkedScanner proves the scanner can fail: a planted value outside a secret is found,
// the same value inside one is not.
func TestUnmarkedScanner(t *testing.T) {
	const planted = "planted-value"
	tests := []struct {
		name string
		pm   resource.PropertyMap
		want []string
	}{
		{name: "plain", pm: resource.PropertyMap{"a": resource.NewProperty("x-" + planted)}, want: []string{".a"}},
		{name: "nested plain", pm: resource.PropertyMap{"p": resource.NewProperty(resource.PropertyMap{"v": resource.NewProperty(planted)})}, want: []string{".p.v"}},
		{name: "secret", pm: resource.PropertyMap{"a": resource.MakeSecret(resource.NewProperty(planted))}},
		{name: "secret output", pm: resource.PropertyMap{"a": resource.NewProperty(resource.Output{Element: resource.NewProperty(planted), Known: true, Secret: true})}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := unmarked(resource.NewProperty(tc.pm), planted, "", false)
			assert.Equal(t, tc.want, got, "got %v, want %v", got, tc.want)
		})
	}
}

// TestPlantedSecretNeverUnmarked runs every stack file with its `secure:` values replaced by
// known test plaintexts and checks no registration carries one outside a Pulumi secret, in
// inputs or outputs.
func TestPlantedSecretNeverUnmarked(t *testing.T) {
	for _, stack := range []string{"dev", "staging", "prod"} {
		t.Run(stack, func(t *testing.T) {
			sc := loadStack(t, filepath.Join("..", "stacks", "Pulumi."+stack+".yaml"))
			require.NotEmpty(t, sc.secretKeys, "stack file has no secure values to plant")
			m, err := run(t, stack, sc, azuremock.Options{})
			require.NoError(t, err)
			regs := m.Registrations()
			require.NotEmpty(t, regs)
			for _, key := range sc.secretKeys {
				planted := testSecretValue(key)
				found := false
				for _, r := range regs {
					for side, pm := range map[string]resource.PropertyMap{"inputs": r.Inputs, "outputs": r.Outputs} {
						paths := unmarked(resource.NewProperty(pm), planted, "", false)
						assert.Empty(t, paths, "%s %s: value of %q unmarked at %v", r.Name, side, key, paths)
						if v, ok := lookup(pm, "properties.value"); ok && plain(v) == planted {
							found = true
						}
					}
				}
				assert.True(t, found, "value of %q never reached a secret's properties.value", key)
			}
			for _, c := range m.Calls() {
				for _, key := range sc.secretKeys {
					assert.Empty(t, unmarked(resource.NewProperty(c.Args), testSecretValue(key), "", false), "invoke %s carries %q", c.Token, key)
				}
			}
		})
	}
}
