package output

import (
	"encoding/xml"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestJUnitGolden(t *testing.T) {
	goldenTest(t, FormatJUnit, ".xml")
}

func TestJUnitContent(t *testing.T) {
	var got junitSuites
	require.NoError(t, xml.Unmarshal(render(t, FormatJUnit, findingsReport()), &got))
	assert.Equal(t, 10, got.Tests)
	assert.Equal(t, 3, got.Failures)
	assert.Equal(t, 6, got.Skipped)

	type want struct {
		suite, name, failureType, skipped string
	}
	var cases []want
	for _, s := range got.Suites {
		for _, c := range s.Cases {
			w := want{suite: s.Name, name: c.Name}
			if c.Failure != nil {
				w.failureType = c.Failure.Type
			}
			if c.Skipped != nil {
				w.skipped = c.Skipped.Message
			}
			cases = append(cases, w)
		}
	}
	tests := []struct {
		name string
		want want
	}{
		{name: "disabled policy skipped", want: want{suite: "GEN-001: Vaults and identities should carry the required tags", name: "azure-native:managedidentity:UserAssignedIdentity 'store-id'", skipped: "not applicable: policy GEN-001 is disabled for this stack"}},
		{name: "mandatory failure", want: want{suite: "KV-002: Key Vaults should have purge protection enabled", name: "azure-native:keyvault:Vault 'store-vault'", failureType: "mandatory"}},
		{name: "advisory failure", want: want{suite: "KV-004: Key Vaults should not be reachable from public networks", name: "azure-native:keyvault:Vault 'store-vault-2'", failureType: "advisory"}},
		{name: "unverifiable skipped", want: want{suite: "KV-004: Key Vaults should not be reachable from public networks", name: "azure-native:keyvault:Vault 'store-vault'", skipped: "unverifiable: Key Vault 'store-vault' network rules are unknown at preview. (unknown: networkAcls)"}},
		{name: "pass is a plain testcase", want: want{suite: "RBAC-003: Workload identities should only get read roles on Key Vault", name: "azure-native:authorization:RoleAssignment 'store-reader'"}},
		{name: "expired exception listed", want: want{suite: "kvguard exceptions", name: "expired exception: Office network until the VPN lands", skipped: "Exception for KV-004 expired on 2026-11-30 and no longer applies: Office network until the VPN lands"}},
		{name: "unused exception listed", want: want{suite: "kvguard exceptions", name: "unused exception: Legacy secrets keep their content type until migrated", skipped: "Exception for SEC-004 matched no failing resource; remove it or fix its URN patterns: Legacy secrets keep their content type until migrated"}},
		{name: "excepted skipped", want: want{suite: "SEC-004: Secrets should have a content type", name: "azure-native:keyvault:Secret 'store-db-password'", skipped: "excepted: Legacy secret, owner: team-a, 50% migrated | see ticket"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Contains(t, cases, tc.want)
		})
	}
}
