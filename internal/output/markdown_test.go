package output

import (
	"github.com/kvguard/kvguard/internal/engine"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestMarkdownGolden(t *testing.T) {
	goldenTest(t, FormatMarkdown, ".md")
}

func TestMarkdownSections(t *testing.T) {
	tests := []struct {
		name    string
		report  func() *engine.Report
		present []string
		absent  []string
	}{
		{
			name:   "findings",
			report: findingsReport,
			present: []string{
				"**Blocked:** 2 failures at mandatory level",
				"| Policy | Level | Resource | Message |",
				"| SEC-001 | mandatory | `store-db-password` (azure-native:keyvault:Secret) | Secret 'store-db-password' has no expiry date. |",
				"<details>\n<summary>Remediation</summary>",
				"- **KV-002** Key Vaults should have purge protection enabled: Set enablePurgeProtection: true",
				"### Unverifiable until apply",
				"| KV-004 | `store-vault` (azure-native:keyvault:Vault) | `networkAcls` |",
				"| SEC-004 | `store-db-password` (azure-native:keyvault:Secret) | Legacy secret, owner: team-a, 50% migrated \\| see ticket |",
				"### Expired exceptions",
			},
			absent: []string{"store-reader", "store-id"},
		},
		{
			name:    "clean",
			report:  cleanReport,
			present: []string{"**Clean:**"},
			absent:  []string{"### Failures", "<details>", "### Unverifiable", "### Excepted", "### Expired"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := string(render(t, FormatMarkdown, tc.report()))
			for _, p := range tc.present {
				assert.Contains(t, out, p)
			}
			for _, a := range tc.absent {
				assert.NotContains(t, out, a)
			}
		})
	}
}

func TestMarkdownMandatoryFirst(t *testing.T) {
	out := string(render(t, FormatMarkdown, findingsReport()))
	mandatory := strings.Index(out, "| KV-002 | mandatory |")
	advisory := strings.Index(out, "| KV-004 | advisory |")
	assert.True(t, mandatory >= 0 && advisory >= 0 && mandatory < advisory, "got mandatory at %d, advisory at %d; want mandatory rows first", mandatory, advisory)
}

func TestMarkdownCellEscaping(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{name: "pipe", in: "a|b", want: `a\|b`},
		{name: "html", in: "<script>", want: "&lt;script&gt;"},
		{name: "newline", in: "a\nb", want: "a b"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, mdCell(tc.in))
		})
	}
}
