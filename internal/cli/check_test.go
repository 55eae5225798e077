package cli

import (
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kvguard/kvguard/internal/output"
)

// fixtures is the shared fixture directory the source helper maintains.
const fixtures = "../../tests/testdata/pulumi"

// plantedSecret is the secret value planted in the fixtures' exports; it must never be printed.
const plantedSecret = "kvguard-planted-SECRET-9f8e7d"

func fixture(name string) string { return filepath.Join(fixtures, name) }

func TestCheckExitCodes(t *testing.T) {
	dir := t.TempDir()
	badConfig := filepath.Join(dir, "pack.json")
	require.NoError(t, os.WriteFile(badConfig, []byte(`{"NOPE-999": "mandatory"}`), 0o644))
	badExceptions := filepath.Join(dir, "exceptions.yaml")
	require.NoError(t, os.WriteFile(badExceptions, []byte("exceptions:\n  - policy: KV-004\n"), 0o644))
	cleanExport, err := os.ReadFile(fixture("export-clean-dev.json"))
	require.NoError(t, err)
	var interrupted map[string]any
	require.NoError(t, json.Unmarshal(cleanExport, &interrupted))
	interrupted["deployment"].(map[string]any)["pending_operations"] = []any{map[string]any{
		"resource": map[string]any{"urn": "urn:pulumi:dev::secret-store::azure-native:keyvault:Secret::extra", "custom": true, "type": "azure-native:keyvault:Secret"},
		"type":     "creating",
	}}
	interruptedExport, err := json.Marshal(interrupted)
	require.NoError(t, err)

	tests := []struct {
		name       string
		args       []string
		stdin      string
		wantCode   int
		wantStderr string
	}{
		{name: "clean export", args: []string{"check", fixture("export-clean-dev.json")}, wantCode: 0},
		{name: "clean preview", args: []string{"check", fixture("preview-clean-dev.json")}, wantCode: 0},
		{name: "clean export from stdin", args: []string{"check", "-"}, stdin: string(cleanExport), wantCode: 0},
		{name: "preview with text around the JSON", args: []string{"check", fixture("preview-with-text.txt")}, wantCode: 0},
		{name: "plaintext secret value", args: []string{"check", fixture("export-plaintext-secret.json")}, wantCode: 1, wantStderr: "mandatory policy violation"},
		{name: "noncompliant prod export", args: []string{"check", fixture("export-noncompliant-prod.json")}, wantCode: 1, wantStderr: `mandatory policy violations in stack "prod"`},
		{name: "noncompliant prod preview", args: []string{"check", fixture("preview-noncompliant-prod.json")}, wantCode: 1, wantStderr: `mandatory policy violations in stack "prod"`},
		{name: "truncated preview", args: []string{"check", fixture("preview-truncated.json")}, wantCode: 2, wantStderr: "preview-truncated.json"},
		{name: "not JSON", args: []string{"check", fixture("not-json.txt")}, wantCode: 2, wantStderr: "not-json.txt"},
		{name: "two objects", args: []string{"check", fixture("two-objects.txt")}, wantCode: 2, wantStderr: "two-objects.txt"},
		{name: "empty stdin", args: []string{"check", "-"}, stdin: "", wantCode: 2, wantStderr: "<stdin>"},
		{name: "a prod stack judged as dev says so", args: []string{"check", fixtures + "/export-noncompliant-prod.json", "--stack", "dev"}, wantCode: 1, wantStderr: `the input is of stack "prod" (profile prod), stricter than --stack "dev" (profile dev): judging it as prod`},
		{name: "preview without checked types names the types", args: []string{"check", "-"},
			stdin:    `{"steps": [{"op": "create", "urn": "urn:pulumi:dev::p::azure-native:resources:ResourceGroup::rg", "newState": {"urn": "urn:pulumi:dev::p::azure-native:resources:ResourceGroup::rg", "type": "azure-native:resources:ResourceGroup", "custom": true, "inputs": {}, "outputs": {}}}], "changeSummary": {"create": 1}}`,
			wantCode: 0, wantStderr: "none of the 1 resources in the input is one the policies check (a resource of one of these types that the change does not delete: azure-native:authorization:ManagementLockAtResourceGroupLevel, azure-native:authorization:ManagementLockAtResourceLevel, "},
		{name: "pending operations are named", args: []string{"check", "-"}, stdin: string(interruptedExport), wantCode: 0, wantStderr: "the export lists 1 pending operation an interrupted update left behind"},
		{name: "preview without resources says so", args: []string{"check", "-"}, stdin: `{"steps": [], "changeSummary": {"same": 3}}`, wantCode: 0, wantStderr: "lists no resources"},
		{name: "preview inside an array", args: []string{"check", "-"}, stdin: "[\n" + string(cleanExport) + "\n]\n", wantCode: 2, wantStderr: "a JSON array"},
		{name: "truncated stdin", args: []string{"check", "-"}, stdin: string(cleanExport[:len(cleanExport)/2]), wantCode: 2, wantStderr: "<stdin>"},
		{name: "missing file", args: []string{"check", filepath.Join(dir, "missing.json")}, wantCode: 2, wantStderr: "missing.json"},
		{name: "unknown format", args: []string{"check", "--format", "yaml", fixture("export-clean-dev.json")}, wantCode: 2, wantStderr: `unknown output format "yaml"`},
		{name: "bad --now", args: []string{"check", "--now", "tomorrow", fixture("export-clean-dev.json")}, wantCode: 2, wantStderr: `--now "tomorrow"`},
		{name: "--now before 1970", args: []string{"check", "--now", "0001-01-01", fixture("export-clean-dev.json")}, wantCode: 2, wantStderr: "1970 or later"},
		{name: "unknown policy in config", args: []string{"check", "--config", badConfig, fixture("export-clean-dev.json")}, wantCode: 2, wantStderr: "pack.json"},
		{name: "missing config file", args: []string{"check", "--config", filepath.Join(dir, "nope.json"), fixture("export-clean-dev.json")}, wantCode: 2, wantStderr: "nope.json"},
		{name: "incomplete exception", args: []string{"check", "--exceptions", badExceptions, fixture("export-clean-dev.json")}, wantCode: 2, wantStderr: "exceptions.yaml"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// A fixed --now first, so a case's own --now (later on the line) wins.
			args := append([]string{tc.args[0], "--now", "2026-12-03T00:00:00Z"}, tc.args[1:]...)
			stdout, stderr, code := runCLI(t, tc.stdin, args...)
			assert.Equal(t, tc.wantCode, code, "got exit %d, want %d; stderr: %s", code, tc.wantCode, stderr)
			if tc.wantStderr != "" {
				assert.Contains(t, stderr, tc.wantStderr)
			}
			if tc.wantCode == 2 {
				assert.Empty(t, stdout, "bad input must not produce a report")
			} else {
				assert.Contains(t, stdout, "resources checked, ", "want the summary line on stdout")
			}
		})
	}
}

// TestCheckNeverPrintsSecrets runs every fixture through every format, to stdout and to
// --output, and looks for the planted secret value in everything kvguard wrote.
func TestCheckNeverPrintsSecrets(t *testing.T) {
	entries, err := os.ReadDir(fixtures)
	require.NoError(t, err)
	planted := 0
	for _, e := range entries {
		data, err := os.ReadFile(fixture(e.Name()))
		require.NoError(t, err)
		if strings.Contains(string(data), plantedSecret) {
			planted++
		}
	}
	require.NotZero(t, planted, "no fixture holds the planted secret %q; the test would prove nothing", plantedSecret)

	dir := t.TempDir()
	for _, e := range entries {
		for _, format := range output.Formats() {
			t.Run(e.Name()+"/"+format, func(t *testing.T) {
				stdout, stderr, _ := runCLI(t, "", "check", fixture(e.Name()), "--format", format, "--now", "2026-12-03")
				assert.NotContains(t, stdout, plantedSecret)
				assert.NotContains(t, stderr, plantedSecret)

				out := filepath.Join(dir, e.Name()+"."+format)
				_, stderr, code := runCLI(t, "", "check", fixture(e.Name()), "--format", format, "--output", out)
				assert.NotContains(t, stderr, plantedSecret)
				if code == 2 {
					return
				}
				written, err := os.ReadFile(out)
				require.NoError(t, err)
				assert.NotContains(t, string(written), plantedSecret)
			})
		}
	}
}

func TestCheckOutputFile(t *testing.T) {
	tests := []struct {
		name        string
		input       string
		wantCode    int
		wantWritten bool
	}{
		{name: "clean input writes the report", input: "export-clean-dev.json", wantCode: 0, wantWritten: true},
		{name: "violations still write the report", input: "export-plaintext-secret.json", wantCode: 1, wantWritten: true},
		{name: "truncated input leaves the file alone", input: "preview-truncated.json", wantCode: 2},
		{name: "non-JSON input leaves the file alone", input: "not-json.txt", wantCode: 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			existing := filepath.Join(dir, "report.json")
			require.NoError(t, os.WriteFile(existing, []byte("previous report\n"), 0o644))
			fresh := filepath.Join(dir, "fresh.json")

			for _, target := range []string{existing, fresh} {
				stdout, stderr, code := runCLI(t, "", "check", fixture(tc.input), "--format", "json", "--output", target, "--now", "2026-12-03")
				require.Equal(t, tc.wantCode, code, "stderr: %s", stderr)
				assert.Empty(t, stdout, "with --output nothing goes to stdout")
			}
			got, err := os.ReadFile(existing)
			require.NoError(t, err)
			_, statErr := os.Stat(fresh)
			if !tc.wantWritten {
				assert.Equal(t, "previous report\n", string(got), "got the existing --output file changed on bad input")
				assert.True(t, os.IsNotExist(statErr), "got %q created on bad input", fresh)
				return
			}
			var rep struct {
				Results  []json.RawMessage `json:"results"`
				ExitCode int               `json:"exitCode"`
			}
			require.NoError(t, json.Unmarshal(got, &rep), "--output should hold the JSON report")
			assert.Equal(t, tc.wantCode, rep.ExitCode)
			assert.NotEmpty(t, rep.Results)
			assert.NoError(t, statErr)
			leftovers, err := filepath.Glob(filepath.Join(dir, ".*"))
			require.NoError(t, err)
			assert.Empty(t, leftovers, "temporary files left behind")
		})
	}
}

func TestCheckStackAndNow(t *testing.T) {
	tests := []struct {
		name        string
		args        []string
		wantStack   string
		wantProfile string
		wantNow     string
		wantNote    string
	}{
		{name: "stack from the document", args: nil, wantStack: "dev", wantProfile: "dev", wantNow: "2026-12-03T00:00:00Z"},
		// --stack can raise the profile; the report still names the stack the resources are of.
		{name: "stack flag raises the profile", args: []string{"--stack", "prod"}, wantStack: "dev", wantProfile: "prod", wantNow: "2026-12-03T00:00:00Z", wantNote: `the input is of stack "dev", not --stack "prod": the report names "dev"`},
		{name: "staging profile", args: []string{"--stack", "stg-weu"}, wantStack: "dev", wantProfile: "staging", wantNow: "2026-12-03T00:00:00Z", wantNote: `not --stack "stg-weu"`},
		{name: "same stack, no note", args: []string{"--stack", "dev"}, wantStack: "dev", wantProfile: "dev", wantNow: "2026-12-03T00:00:00Z"},
		{name: "same stack by its full name, kept", args: []string{"--stack", "myorg/secret-store/dev"}, wantStack: "myorg/secret-store/dev", wantProfile: "dev", wantNow: "2026-12-03T00:00:00Z"},
		{name: "same stack by org/stack, kept", args: []string{"--stack", "myorg/dev"}, wantStack: "myorg/dev", wantProfile: "dev", wantNow: "2026-12-03T00:00:00Z"},
		{name: "another project's stack of that name", args: []string{"--stack", "myorg/other/dev"}, wantStack: "dev", wantProfile: "dev", wantNow: "2026-12-03T00:00:00Z", wantNote: `not --stack "myorg/other/dev"`},
		{name: "date-only now", args: []string{"--now", "2027-01-15"}, wantStack: "dev", wantProfile: "dev", wantNow: "2027-01-15T00:00:00Z"},
		{name: "offset now in UTC", args: []string{"--now", "2027-01-15T02:00:00+02:00"}, wantStack: "dev", wantProfile: "dev", wantNow: "2027-01-15T00:00:00Z"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args := []string{"check", fixture("export-clean-dev.json"), "--format", "json", "--now", "2026-12-03T00:00:00Z"}
			stdout, stderr, code := runCLI(t, "", append(args, tc.args...)...)
			require.NotEqual(t, 2, code, "stderr: %s", stderr)
			var rep struct{ Stack, Profile, Now string }
			require.NoError(t, json.Unmarshal([]byte(stdout), &rep))
			assert.Equal(t, tc.wantStack, rep.Stack)
			assert.Equal(t, tc.wantProfile, rep.Profile)
			assert.Equal(t, tc.wantNow, rep.Now)
			if tc.wantNote != "" {
				assert.Contains(t, stderr, tc.wantNote)
			} else {
				assert.NotContains(t, stderr, "note:")
			}
		})
	}
}

func TestCheckFormatsAreWellFormed(t *testing.T) {
	tests := []struct {
		format string
		parse  func([]byte) error
	}{
		{format: "json", parse: func(b []byte) error { var v map[string]any; return json.Unmarshal(b, &v) }},
		{format: "sarif", parse: func(b []byte) error {
			var v struct {
				Version string `json:"version"`
			}
			if err := json.Unmarshal(b, &v); err != nil {
				return err
			}
			if v.Version != "2.1.0" {
				return os.ErrInvalid
			}
			return nil
		}},
		{format: "junit", parse: func(b []byte) error { var v struct{ XMLName xml.Name }; return xml.Unmarshal(b, &v) }},
	}
	for _, tc := range tests {
		t.Run(tc.format, func(t *testing.T) {
			stdout, stderr, code := runCLI(t, "", "check", fixture("export-plaintext-secret.json"), "--format", tc.format, "--now", "2026-12-03")
			require.Equal(t, 1, code, "stderr: %s", stderr)
			assert.NoError(t, tc.parse([]byte(stdout)), "got malformed %s output", tc.format)
			assert.Contains(t, stdout, "SEC-005")
		})
	}
}

// TestCheckArtifact covers where SARIF puts a result that has no source position: code
// scanning drops a result without a file, so stdin falls back to Pulumi.yaml.
func TestCheckArtifact(t *testing.T) {
	export, err := os.ReadFile(fixture("export-plaintext-secret.json"))
	require.NoError(t, err)
	tests := []struct {
		name    string
		args    []string
		stdin   string
		wantURI string
	}{
		{name: "file input points at the file", args: []string{fixture("export-plaintext-secret.json")}, wantURI: filepath.ToSlash(fixture("export-plaintext-secret.json"))},
		{name: "stdin points at the project file", args: []string{"-"}, stdin: string(export), wantURI: "Pulumi.yaml"},
		{name: "--artifact wins", args: []string{"-", "--artifact", "infra/secretstore.go"}, stdin: string(export), wantURI: "infra/secretstore.go"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"check", "--format", "sarif", "--now", "2026-12-03"}, tc.args...)
			stdout, stderr, code := runCLI(t, tc.stdin, args...)
			require.Equal(t, 1, code, "stderr: %s", stderr)
			var log struct {
				Runs []struct {
					Results []struct {
						Locations []struct {
							PhysicalLocation struct {
								ArtifactLocation struct {
									URI string `json:"uri"`
								} `json:"artifactLocation"`
							} `json:"physicalLocation"`
						} `json:"locations"`
					} `json:"results"`
				} `json:"runs"`
			}
			require.NoError(t, json.Unmarshal([]byte(stdout), &log))
			require.Len(t, log.Runs, 1)
			require.NotEmpty(t, log.Runs[0].Results)
			for _, r := range log.Runs[0].Results {
				require.NotEmpty(t, r.Locations)
				assert.Equal(t, tc.wantURI, r.Locations[0].PhysicalLocation.ArtifactLocation.URI)
			}
		})
	}
}

// A --stack laxer than the input's own stack does not lower its levels: a prod export
// checked with --stack dev is judged by prod's (KV-004 is mandatory only there).
func TestCheckStackNeverLowersTheInputsProfile(t *testing.T) {
	stdout, stderr, code := runCLI(t, "", "check", fixture("export-noncompliant-prod.json"), "--stack", "dev", "--format", "json", "--now", "2026-12-03")
	require.Equal(t, 1, code, stderr)
	var rep struct {
		Profile string `json:"profile"`
		Results []struct {
			Policy string `json:"policy"`
			Level  string `json:"level"`
		} `json:"results"`
	}
	require.NoError(t, json.Unmarshal([]byte(stdout), &rep))
	assert.Equal(t, "prod", rep.Profile)
	levels := map[string]bool{}
	for _, r := range rep.Results {
		if r.Policy == "KV-004" {
			levels[r.Level] = true
		}
	}
	assert.Equal(t, map[string]bool{"mandatory": true}, levels, "KV-004's levels")
}
