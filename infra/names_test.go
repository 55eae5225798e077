package infra_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/kvguard/kvguard/infra"
)

func TestVaultNameProblems(t *testing.T) {
	tests := []struct {
		name      string
		vault     string
		wantRules []string
	}{
		{name: "valid", vault: "kv-orders-prod-01"},
		{name: "valid minimum", vault: "kv1"},
		{name: "valid maximum", vault: strings.Repeat("a", 24)},
		{name: "too short", vault: "kv", wantRules: []string{"3-24 characters"}},
		{name: "too long", vault: strings.Repeat("a", 25), wantRules: []string{"3-24 characters"}},
		{name: "leading digit", vault: "1kv", wantRules: []string{"start with a letter"}},
		{name: "trailing hyphen", vault: "kv-a-", wantRules: []string{"end with a letter or digit"}},
		{name: "double hyphen", vault: "kv--a", wantRules: []string{"consecutive hyphens"}},
		{name: "dot", vault: "kv.a1", wantRules: []string{"only letters, digits and hyphens"}},
		{name: "several", vault: "-_", wantRules: []string{"3-24 characters", "only letters, digits and hyphens", "start with a letter", "end with a letter or digit"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := infra.VaultNameProblems(tc.vault)
			assert.Len(t, got, len(tc.wantRules), "got %v, want %v", got, tc.wantRules)
			for _, w := range tc.wantRules {
				assert.True(t, containsFragment(got, w), "got %v, want a rule containing %q", got, w)
			}
		})
	}
}

func containsFragment(list []string, fragment string) bool {
	for _, s := range list {
		if strings.Contains(s, fragment) {
			return true
		}
	}
	return false
}

func TestDeriveVaultName(t *testing.T) {
	const subA, subB = "3f2b6c1e-7a9d-4c1b-9e7f-2a5d8c0b4e61", "aaaaaaaa-7a9d-4c1b-9e7f-2a5d8c0b4e61"
	tests := []struct {
		name                        string
		prefix, project, stack, env string
		sub                         string
		wantPrefix                  string
	}{
		{name: "dev", prefix: "kv", project: "secret-store", stack: "dev", env: "dev", sub: subA, wantPrefix: "kv-secret-dev-"},
		{name: "staging fits 24", prefix: "kv", project: "secret-store", stack: "staging", env: "staging", sub: subA, wantPrefix: "kv-secret-staging-"},
		{name: "prefix with hyphen", prefix: "kv-", project: "secret-store", stack: "prod", env: "prod", sub: subA, wantPrefix: "kv-secret-prod-"},
		{name: "long prefix shortens the project", prefix: "vaultkvx", project: "secret-store", stack: "staging", env: "staging", sub: subA, wantPrefix: "vaultkvx-staging-"},
		{name: "odd project characters", prefix: "kv", project: "My_Project.42", stack: "x", env: "dev", sub: subA, wantPrefix: "kv-myproj-dev-"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := infra.DeriveVaultName(tc.prefix, tc.project, tc.stack, tc.env, tc.sub)
			assert.Empty(t, infra.VaultNameProblems(got), "derived %q breaks the rules", got)
			assert.True(t, strings.HasPrefix(got, tc.wantPrefix), "got %q, want prefix %q", got, tc.wantPrefix)
			assert.Equal(t, got, infra.DeriveVaultName(tc.prefix, tc.project, tc.stack, tc.env, tc.sub), "not stable")
			assert.NotEqual(t, got, infra.DeriveVaultName(tc.prefix, tc.project, tc.stack, tc.env, subB), "same name in another subscription")
			assert.NotEqual(t, got, infra.DeriveVaultName(tc.prefix, tc.project, tc.stack+"2", tc.env, tc.sub), "same name for another stack")
		})
	}
}

func TestAssignmentName(t *testing.T) {
	a := infra.AssignmentName("p", "dev", "app", "db")
	assert.True(t, infra.IsGUID(a), "got %q, want a GUID", a)
	assert.Equal(t, byte('5'), a[14], "got %q, want a version 5 UUID", a)
	assert.Equal(t, a, infra.AssignmentName("p", "dev", "app", "db"), "not deterministic")
	assert.NotEqual(t, a, infra.AssignmentName("p", "dev", "app", "db2"))
	assert.NotEqual(t, infra.AssignmentName("a/b", "c"), infra.AssignmentName("a", "b/c"), "parts must not run together")
}
