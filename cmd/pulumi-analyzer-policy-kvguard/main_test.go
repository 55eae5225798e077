package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
)

// TestPulumiPolicyYAML loads the directory pack's manifest with both loaders Pulumi uses on it:
// LoadPolicyPack (version, description) and LoadPluginProject (the runtime that launches it).
func TestPulumiPolicyYAML(t *testing.T) {
	tests := []struct {
		name string
		load func() (runtime string, version string, err error)
	}{
		{name: "policy pack loader", load: func() (string, string, error) {
			p, err := workspace.LoadPolicyPack("PulumiPolicy.yaml")
			if err != nil {
				return "", "", err
			}
			return p.Runtime.Name(), p.Version, nil
		}},
		{name: "plugin launcher", load: func() (string, string, error) {
			p, err := workspace.LoadPluginProject("PulumiPolicy.yaml")
			if err != nil {
				return "", "", err
			}
			return p.Runtime.Name(), "", nil
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			runtime, version, err := tt.load()
			require.NoError(t, err)
			assert.Equal(t, "go", runtime, "got runtime %q, want go", runtime)
			assert.Empty(t, version, "got version %q, want none so the binary's version is the only one", version)
		})
	}
}
