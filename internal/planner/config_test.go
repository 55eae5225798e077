package planner

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func loadDemo(t *testing.T) (*Project, *StackConfig) {
	t.Helper()
	p, err := LoadProject("testdata/project")
	require.NoError(t, err)
	sc, err := LoadStackConfig(p, p.StackConfigPath("testdata/project", "dev"))
	require.NoError(t, err)
	return p, sc
}

func TestLoadStackConfig(t *testing.T) {
	p, sc := loadDemo(t)
	assert.Equal(t, "demo", p.Name)
	tests := []struct {
		name       string
		key        string
		want       string
		wantSecret bool
	}{
		{name: "stack value beats project default", key: "demo:color", want: "red"},
		{name: "project default applies", key: "demo:sizes", want: "[1,2]"},
		{name: "namespaced project default", key: "other:ns", want: "plain-default"},
		{name: "secure value stays ciphertext and secret", key: "demo:token", want: "v1:T0tFTg==", wantSecret: true},
		{name: "nested secure marks the whole key secret", key: "demo:nested", want: `{"a":1,"b":["x","v1:TkVTVEVE"]}`, wantSecret: true},
		{name: "scalar as text", key: "demo:flag", want: "true"},
		{name: "structured as JSON", key: "demo:items", want: `[{"expires":"2027-01-01","name":"one"}]`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := sc.Values[tc.key]
			require.True(t, ok, "key %q missing", tc.key)
			assert.Equal(t, tc.want, got, "got %q, want %q", got, tc.want)
			assert.Equal(t, tc.wantSecret, sc.IsSecret(tc.key), "secret: got %v, want %v", sc.IsSecret(tc.key), tc.wantSecret)
		})
	}
	disp := sc.Display()
	assert.Equal(t, "[secret]", disp["demo:token"])
	assert.Equal(t, "red", disp["demo:color"])
}

func TestApplyOverride(t *testing.T) {
	tests := []struct {
		name       string
		override   string
		key        string
		want       string
		wantSecret bool
	}{
		{name: "bare key gets the project namespace", override: "color=green", key: "demo:color", want: "green"},
		{name: "namespaced key", override: "azure-native:location=northeurope", key: "azure-native:location", want: "northeurope"},
		{name: "value may contain equals", override: "demo:color=a=b", key: "demo:color", want: "a=b"},
		{name: "secret key stays secret", override: "demo:token=plain", key: "demo:token", want: "plain", wantSecret: true},
		{name: "path into a list", override: "demo:items[0].expires=2099-12-31", key: "demo:items", want: `[{"expires":"2099-12-31","name":"one"}]`},
		{name: "path appends to a list", override: "demo:items[1].name=two", key: "demo:items", want: `[{"expires":"2027-01-01","name":"one"},{"name":"two"}]`},
		{name: "path types numbers", override: "demo:sizes[0]=30", key: "demo:sizes", want: "[30,2]"},
		{name: "path creates a new object", override: "demo:tags.team=blue", key: "demo:tags", want: `{"team":"blue"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, sc := loadDemo(t)
			require.NoError(t, sc.Apply("demo", tc.override))
			assert.Equal(t, tc.want, sc.Values[tc.key])
			assert.Equal(t, tc.wantSecret, sc.IsSecret(tc.key))
		})
	}
}

func TestApplyOverrideErrors(t *testing.T) {
	tests := []struct {
		name     string
		override string
		wantPath string
	}{
		{name: "no equals, nothing echoed", override: "demo:color PLANTED", wantPath: redactOverride("")},
		{name: "empty key, value not echoed", override: "=x", wantPath: ""},
		{name: "path into a scalar", override: "demo:color.x=1", wantPath: "demo:color"},
		{name: "index past the end", override: "demo:items[5].name=x", wantPath: "demo:items[5].name"},
		{name: "bad index", override: "demo:items[x]=1", wantPath: "demo:items[x]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, sc := loadDemo(t)
			err := sc.Apply("demo", tc.override)
			var ie *InputError
			require.True(t, errors.As(err, &ie), "got %v, want *InputError", err)
			assert.Equal(t, "--set", ie.File)
			assert.Equal(t, tc.wantPath, ie.Path)
		})
	}
}

func TestLoadErrorsNameFileAndPath(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(body), 0o600))
		return p
	}
	tests := []struct {
		name     string
		project  string
		stack    string
		wantFile string
		wantPath string
	}{
		{name: "project without name", project: "runtime: go\n", wantFile: "Pulumi.yaml", wantPath: "name"},
		{name: "project not YAML", project: "name: [unclosed\n", wantFile: "Pulumi.yaml"},
		{name: "stack not YAML", project: "name: p\n", stack: "config: [x\n", wantFile: "Pulumi.dev.yaml"},
		{name: "stack config is a list", project: "name: p\n", stack: "config:\n  - a\n", wantFile: "Pulumi.dev.yaml"},
		{name: "self-referencing alias", project: "name: p\n", stack: "config:\n  p:tags: &a\n    x: *a\n", wantFile: "Pulumi.dev.yaml", wantPath: "config.p:tags"},
		{name: "key twice inside a value", project: "name: p\n", stack: "config:\n  p:secrets:\n    - name: a\n      name: b\n", wantFile: "Pulumi.dev.yaml", wantPath: "config.p:secrets"},
		{name: "second stack document", project: "name: p\n", stack: "config:\n  p:owner: a\n---\nconfig:\n  p:owner: b\n", wantFile: "Pulumi.dev.yaml", wantPath: "line 3"},
		{name: "second project document", project: "name: p\n---\nname: q\n", wantFile: "Pulumi.yaml", wantPath: "line 2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			write("Pulumi.yaml", tc.project)
			p, err := LoadProject(dir)
			if err == nil {
				_, err = LoadStackConfig(p, write("Pulumi.dev.yaml", tc.stack))
			}
			var ie *InputError
			require.True(t, errors.As(err, &ie), "got %v, want *InputError", err)
			assert.Equal(t, tc.wantFile, filepath.Base(ie.File))
			assert.Equal(t, tc.wantPath, ie.Path)
		})
	}
}

func TestMissingStackConfig(t *testing.T) {
	p, err := LoadProject("testdata/project")
	require.NoError(t, err)
	_, err = LoadStackConfig(p, p.StackConfigPath("testdata/project", "nope"))
	var ie *InputError
	require.True(t, errors.As(err, &ie), "got %v, want *InputError", err)
	assert.Contains(t, ie.File, "Pulumi.nope.yaml")
}
