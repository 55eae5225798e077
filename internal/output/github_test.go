package output

import (
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestGitHubGolden(t *testing.T) {
	goldenTest(t, FormatGitHub, ".txt", WithArtifact("preview.json"))
}

// workflowCommand is one annotation line; a property value or message with an unescaped
// newline would break it across lines and fail this match.
var workflowCommand = regexp.MustCompile(`^::(error|warning|notice)( [a-z]+=[^,:\r\n]*(,[a-z]+=[^,:\r\n]*)*)?::[^\r\n]*$`)

func TestGitHubCommands(t *testing.T) {
	out := string(render(t, FormatGitHub, findingsReport()))
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	var commands []string
	for _, l := range lines[:len(lines)-1] {
		assert.Regexp(t, workflowCommand, l)
		commands = append(commands, l)
	}
	assert.Equal(t, summaryLine(findingsReport().Counts()), lines[len(lines)-1])

	tests := []struct {
		name   string
		prefix string
	}{
		{name: "advisory failure is a warning", prefix: "::warning title=KV-004::Key Vault 'store-vault-2' allows public network access: 100%25 open, default: Allow.%0AResource: " + urnVault2},
		{name: "mandatory failure with position", prefix: "::error file=infra/secrets.go,line=57,title=SEC-001::Secret 'store-db-password' has no expiry date.%0AResource: " + urnSecret + "%0ARemediation: Set attributes.expires (Unix seconds). Keep it within maxValidityDays."},
		{name: "second mandatory failure", prefix: "::error file=infra/vault.go,line=42,title=KV-002::"},
		{name: "unverifiable is a notice", prefix: "::notice title=KV-004::Key Vault 'store-vault' network rules are unknown at preview. (unknown: networkAcls)"},
		{name: "expired exception warns", prefix: "::warning title=expired exception KV-004::Exception for KV-004 expired on 2026-11-30"},
		{name: "unused exception is a notice", prefix: "::notice title=unused exception SEC-004::Exception for SEC-004 matched no failing resource"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			found := false
			for _, c := range commands {
				if strings.HasPrefix(c, tc.prefix) {
					found = true
				}
			}
			assert.True(t, found, "no command starts with %q in:\n%s", tc.prefix, out)
		})
	}
	assert.Len(t, commands, 6, "want no annotation for pass, excepted or not-applicable results")
}

func TestGitHubEscaping(t *testing.T) {
	tests := []struct {
		name      string
		in        string
		wantData  string
		wantProps string
	}{
		{name: "percent first", in: "100%0A", wantData: "100%250A", wantProps: "100%250A"},
		{name: "newlines", in: "a\r\nb", wantData: "a%0D%0Ab", wantProps: "a%0D%0Ab"},
		{name: "separators", in: "k=v,x:y", wantData: "k=v,x:y", wantProps: "k=v%2Cx%3Ay"},
		{name: "command injection", in: "x\n::error::forged", wantData: "x%0A::error::forged", wantProps: "x%0A%3A%3Aerror%3A%3Aforged"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.wantData, escapeData(tc.in))
			assert.Equal(t, tc.wantProps, escapeProperty(tc.in))
		})
	}
}
