package output

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestTextGolden(t *testing.T) {
	goldenTest(t, FormatText, ".txt")
}

func TestTextContent(t *testing.T) {
	out := string(render(t, FormatText, findingsReport()))
	tests := []struct {
		name    string
		want    string
		present bool
	}{
		{name: "summary line", want: "5 resources checked, 3 failures (2 mandatory, 1 advisory), 1 unverifiable, 1 excepted, 1 passing, 2 not applicable.", present: true},
		{name: "failure with level and message", want: "FAIL KV-002 [mandatory] Key Vault 'store-vault' does not have purge protection enabled.", present: true},
		{name: "source position", want: "at: infra/vault.go:42", present: true},
		{name: "remediation from catalogue", want: "remediation: Set enablePurgeProtection: true", present: true},
		{name: "multi-line remediation indented", want: "remediation: Set attributes.expires (Unix seconds).\n        Keep it within maxValidityDays.", present: true},
		{name: "unverifiable path", want: "unknown: networkAcls", present: true},
		{name: "exception reason", want: "exception: Legacy secret, owner: team-a, 50% migrated | see ticket", present: true},
		{name: "expired exception", want: "KV-004 expired 2026-11-30: Office network until the VPN lands", present: true},
		{name: "resource grouped with type and name", want: "azure-native:keyvault:Vault \"store-vault\"\n  urn: " + urnVault, present: true},
		{name: "passing resource not listed", want: urnAssign, present: false},
		{name: "not-applicable resource not listed", want: urnIdentity, present: false},
		{name: "pass status never listed", want: "PASS ", present: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.present {
				assert.Contains(t, out, tc.want)
			} else {
				assert.NotContains(t, out, tc.want)
			}
		})
	}
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	assert.Equal(t, "5 resources checked, 3 failures (2 mandatory, 1 advisory), 1 unverifiable, 1 excepted, 1 passing, 2 not applicable.", lines[len(lines)-1], "got last line %q, want the summary", lines[len(lines)-1])
}
