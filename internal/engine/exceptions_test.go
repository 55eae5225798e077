package engine

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kvguard/kvguard/internal/model"
)

func TestParseExceptions(t *testing.T) {
	want := []Exception{
		{Policy: "TST-002", URNs: []string{"urn:pulumi:dev::proj::azure-native:keyvault:Vault::*"}, Reason: "office network", Expires: "2027-01-31"},
		{Policy: "TST-001", URNs: []string{"urn:a", "urn:b"}, Reason: "two", Expires: "2026-12-03"},
	}
	tests := []struct {
		name string
		data string
	}{
		{"yaml", `exceptions:
  - policy: TST-002
    urns: ["urn:pulumi:dev::proj::azure-native:keyvault:Vault::*"]
    reason: "office network"
    expires: 2027-01-31
  - policy: TST-001
    urn: urn:a
    urns: [urn:b]
    reason: two
    expires: "2026-12-03"
`},
		{"json", `{"exceptions": [
  {"policy": "TST-002", "urns": ["urn:pulumi:dev::proj::azure-native:keyvault:Vault::*"], "reason": "office network", "expires": "2027-01-31"},
  {"policy": "TST-001", "urn": "urn:a", "urns": ["urn:b"], "reason": "two", "expires": "2026-12-03"}
]}`},
	}
	// A leading UTF-8 byte order mark (PowerShell's redirection writes one) and a leading
	// document start marker change nothing.
	for _, tc := range tests[:2] {
		tests = append(tests, struct {
			name string
			data string
		}{tc.name + " with a byte order mark", "\xEF\xBB\xBF" + tc.data})
	}
	tests = append(tests, struct {
		name string
		data string
	}{"yaml with a document start", "---\n" + tests[0].data})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseExceptions("exceptions."+tc.name, []byte(tc.data))
			require.NoError(t, err)
			assert.Equal(t, want, got)
		})
	}
}

func TestParseExceptionsErrors(t *testing.T) {
	tests := []struct {
		name         string
		data         string
		wantPath     string
		wantExpected string
	}{
		{"empty", "", "", "the file is empty"},
		{"bad yaml", "exceptions: [\n", "", "valid YAML"},
		{"bad json", `{"exceptions": [}`, "line 1, column 17", "valid JSON"},
		{"not a mapping", "- a\n", "", "an \"exceptions\" list"},
		{"missing list", "other: 1\n", "other", "only the key"},
		{"list is a string", "exceptions: nope\n", "exceptions", "a list"},
		{"item not an object", "exceptions: [3]\n", "exceptions[0]", "an object"},
		{"missing reason", "exceptions:\n  - {policy: TST-001, urns: [a], expires: 2027-01-01}\n", "exceptions[0].reason", "a non-empty reason"},
		{"missing expires", "exceptions:\n  - {policy: TST-001, urns: [a], reason: r}\n", "exceptions[0].expires", "YYYY-MM-DD"},
		{"bad date", "exceptions:\n  - {policy: TST-001, urns: [a], reason: r, expires: 31/01/2027}\n", "exceptions[0].expires", "YYYY-MM-DD"},
		{"no urns", "exceptions:\n  - {policy: TST-001, reason: r, expires: 2027-01-01}\n", "exceptions[0].urns", "at least one"},
		{"bad glob", "exceptions:\n  - {policy: TST-001, urns: [\"urn:{a\"], reason: r, expires: 2027-01-01}\n", "exceptions[0].urns[0]", "glob"},
		{"urn not a string", "exceptions:\n  - {policy: TST-001, urns: [[a]], reason: r, expires: 2027-01-01}\n", "exceptions[0].urns[0]", "a URN pattern"},
		{"unknown field", "exceptions:\n  - {policy: TST-001, urns: [a], reason: r, expires: 2027-01-01, until: x}\n", "exceptions[0].until", "one of policy"},
		{"missing policy", "exceptions:\n  - {urns: [a], reason: r, expires: 2027-01-01}\n", "exceptions[0].policy", "a policy id"},
		{"self-referencing alias", "exceptions: &a\n  - {policy: TST-001, urns: [a], reason: *a, expires: 2027-01-01}\n", "exceptions[0].reason (line 2)", "not a YAML alias"},
		{"alias bomb", "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nexceptions: []\n", "b[0] (line 2)", "not a YAML alias"},
		// A key given twice would silently keep the last: "exceptions: []" after the list
		// drops every exception.
		{"duplicate top-level key", "exceptions:\n  - {policy: TST-001, urns: [a], reason: r, expires: 2027-01-01}\nexceptions: []\n", "exceptions (line 3)", "each key once, given twice"},
		{"duplicate field", "exceptions:\n  - policy: TST-001\n    urns: [a]\n    reason: r\n    reason: s\n    expires: 2027-01-01\n", "exceptions[0].reason (line 5)", "each key once, given twice"},
		{"duplicate field in a flow mapping", "exceptions:\n  - {policy: TST-001, urns: [a], reason: r, expires: 2027-01-01}\n  - {policy: TST-001, urns: [a], urns: [b], reason: r, expires: 2027-01-01}\n", "exceptions[1].urns (line 3)", "each key once, given twice"},
		{"duplicate key in an ignored value", "a: {b: 1, b: 2}\nexceptions: []\n", "a.b (line 1)", "each key once, given twice"},
		{"json duplicate top-level key", `{"exceptions": [{"policy": "TST-001", "urns": ["a"], "reason": "r", "expires": "2027-01-01"}], "exceptions": []}`, "exceptions", "each key once, given twice"},
		{"json duplicate field", `{"exceptions": [{"policy": "TST-001", "urns": ["a"], "reason": "r", "reason": "s", "expires": "2027-01-01"}]}`, "exceptions[0].reason", "each key once, given twice"},
		// yaml.v3 reads the first document only: a second one would be ignored.
		{"second document", "exceptions: []\n---\nexceptions:\n  - {policy: TST-001, urns: [a], reason: r, expires: 2027-01-01}\n", "line 2", "one YAML document"},
		{"empty second document", "exceptions: []\n---\n", "line 2", "one YAML document"},
		{"broken second document", "exceptions: []\n--- [\n", "", "at or after line 2)"},
		{"bad json after a byte order mark", "\xEF\xBB\xBF{\"exceptions\": [}", "line 1, column 17", "valid JSON"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseExceptions("exc.yaml", []byte(tc.data))
			require.Error(t, err, "got no error, want one")
			var ce *ConfigError
			require.True(t, errors.As(err, &ce), "got %T, want *ConfigError", err)
			assert.Equal(t, "exc.yaml", ce.File)
			assert.Equal(t, tc.wantPath, ce.Path)
			assert.Contains(t, ce.Expected, tc.wantExpected)
		})
	}
}

func TestEvaluateExceptions(t *testing.T) {
	e := fixtureEngine(t)
	badVault := func(name string) model.Resource {
		return vault(name, map[string]any{"softDeleteRetentionInDays": 1.0, "publicNetworkAccess": "Enabled"})
	}
	tests := []struct {
		name        string
		exceptions  string
		wantStatus  map[string]Status // "policy/name" -> status
		wantReason  string
		wantExpired int
		wantUnused  []string // reasons of the live exceptions that excepted nothing
	}{
		{
			name:       "none",
			exceptions: "exceptions: []\n",
			wantStatus: map[string]Status{"TST-001/a": StatusFail, "TST-001/b": StatusFail, "TST-002/a": StatusFail},
		},
		{
			name: "glob matches one vault",
			exceptions: `exceptions:
  - policy: TST-001
    urns: ["urn:pulumi:dev::*::azure-native:keyvault:Vault::a"]
    reason: migrating
    expires: 2027-01-31
`,
			wantStatus: map[string]Status{"TST-001/a": StatusExcepted, "TST-001/b": StatusFail, "TST-002/a": StatusFail},
			wantReason: "migrating",
		},
		{
			name: "star spans colons and alternatives",
			exceptions: `exceptions:
  - policy: TST-001
    urns: ["*Vault::{a,b}"]
    reason: all vaults
    expires: 2026-12-03
`,
			wantStatus: map[string]Status{"TST-001/a": StatusExcepted, "TST-001/b": StatusExcepted, "TST-002/a": StatusFail},
			wantReason: "all vaults",
		},
		{
			name: "expired yesterday",
			exceptions: `exceptions:
  - policy: TST-001
    urns: ["*"]
    reason: old
    expires: 2026-12-02
`,
			wantStatus:  map[string]Status{"TST-001/a": StatusFail, "TST-001/b": StatusFail, "TST-002/a": StatusFail},
			wantExpired: 1,
		},
		{
			name: "other policy untouched",
			exceptions: `exceptions:
  - policy: TST-002
    urns: ["*"]
    reason: network later
    expires: 2030-01-01
`,
			wantStatus: map[string]Status{"TST-001/a": StatusFail, "TST-001/b": StatusFail, "TST-002/a": StatusExcepted},
			wantReason: "network later",
		},
		{
			name: "pattern that matches nothing is reported unused",
			exceptions: `exceptions:
  - policy: TST-001
    urns: ["urn:pulumi:dev::proj::azure-native:keyvault:Vault::a"]
    reason: used
    expires: 2030-01-01
  - policy: TST-001
    urns: ["urn:pulumi:prod::proj::azure-native:keyvault:Vault::nope"]
    reason: typo
    expires: 2030-01-01
`,
			wantStatus: map[string]Status{"TST-001/a": StatusExcepted, "TST-001/b": StatusFail, "TST-002/a": StatusFail},
			wantReason: "used",
			wantUnused: []string{"typo"},
		},
		{
			// The second one covers a too, and outlives the first: it is in use.
			name: "an overlapping exception is not unused",
			exceptions: `exceptions:
  - policy: TST-001
    urns: ["*Vault::a"]
    reason: narrow
    expires: 2027-01-01
  - policy: TST-001
    urns: ["*::a"]
    reason: broad
    expires: 2027-06-01
`,
			wantStatus: map[string]Status{"TST-001/a": StatusExcepted, "TST-002/a": StatusFail},
			wantReason: "narrow",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			exc, err := ParseExceptions("exc.yaml", []byte(tc.exceptions))
			require.NoError(t, err)
			rep, err := e.Evaluate(context.Background(), doc("prod", badVault("a"), badVault("b")),
				Settings{Stack: "prod", Now: testNow, Exceptions: exc, ExceptionsFile: "exc.yaml"})
			require.NoError(t, err)
			for key, want := range tc.wantStatus {
				var policy, name string
				policy, name = key[:7], key[8:]
				r, ok := find(rep, policy, name)
				require.True(t, ok, "no result for %s", key)
				assert.Equal(t, want, r.Status, "got status of %s, want %s", key, want)
				if want == StatusExcepted {
					assert.Equal(t, tc.wantReason, r.Exception)
				} else {
					assert.Empty(t, r.Exception)
				}
			}
			assert.Len(t, rep.ExpiredExceptions, tc.wantExpired)
			var unused []string
			for _, ex := range rep.UnusedExceptions {
				unused = append(unused, ex.Reason)
			}
			assert.Equal(t, tc.wantUnused, unused, "unused exceptions")
		})
	}
}

func TestEvaluateExceptionUnknownPolicy(t *testing.T) {
	e := fixtureEngine(t)
	exc, err := ParseExceptions("exc.yaml", []byte("exceptions:\n  - {policy: TST-001, urns: [a], reason: r, expires: 2027-01-01}\n  - {policy: KV-999, urns: [a], reason: r, expires: 2027-01-01}\n"))
	require.NoError(t, err)
	_, err = e.Evaluate(context.Background(), doc("dev"), Settings{Stack: "dev", Now: testNow, Exceptions: exc, ExceptionsFile: "exc.yaml"})
	var ce *ConfigError
	require.True(t, errors.As(err, &ce), "got %v, want *ConfigError", err)
	assert.Equal(t, ConfigError{File: "exc.yaml", Path: "exceptions[1].policy", Expected: "a known policy id"}, *ce)
}

func TestExceptionsOnlyWaiveMandatoryExit(t *testing.T) {
	e := fixtureEngine(t)
	d := doc("dev", vault("a", map[string]any{"softDeleteRetentionInDays": 1.0}))
	exc := []Exception{{Policy: "TST-001", URNs: []string{"*"}, Reason: "r", Expires: "2026-12-03"}}
	tests := []struct {
		name string
		exc  []Exception
		want int
	}{
		{"without exception", nil, ExitViolation},
		{"with exception", exc, ExitClean},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := e.Evaluate(context.Background(), d, Settings{Stack: "dev", Now: testNow, Exceptions: tc.exc})
			require.NoError(t, err)
			assert.Equal(t, tc.want, rep.ExitCode(), "got exit code, want %d", tc.want)
		})
	}
}
