package engine

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kvguard/kvguard/policies"
)

func TestParsePackConfig(t *testing.T) {
	cfg, err := ParsePackConfig("pack.json", []byte(`{
		"all": "mandatory",
		"TST-002": "disabled",
		"TST-001": {"enforcementLevel": "advisory", "minRetentionDays": 30},
		"TST-003": {"allowedTypes": ["a", "b"]}
	}`))
	require.NoError(t, err)
	assert.Equal(t, "pack.json", cfg.File)
	assert.Equal(t, LevelMandatory, cfg.All)
	assert.Equal(t, PolicyConfig{Level: LevelDisabled}, cfg.Policies["TST-002"])
	assert.Equal(t, LevelAdvisory, cfg.Policies["TST-001"].Level)
	assert.EqualValues(t, "30", cfg.Policies["TST-001"].Settings["minRetentionDays"])
	assert.Equal(t, Level(""), cfg.Policies["TST-003"].Level)
	assert.Equal(t, []any{"a", "b"}, cfg.Policies["TST-003"].Settings["allowedTypes"])
}

// TestPackConfigByteOrderMark: a config file saved with a UTF-8 byte order mark (PowerShell's
// redirection, Notepad) reads like the same file without one, as input documents do.
func TestPackConfigByteOrderMark(t *testing.T) {
	const data = `{"all": "advisory", "TST-001": {"minRetentionDays": 30}}`
	want, err := ParsePackConfig("c.json", []byte(data))
	require.NoError(t, err)
	got, err := ParsePackConfig("c.json", []byte("\xEF\xBB\xBF"+data))
	require.NoError(t, err)
	assert.Equal(t, want, got)
	require.NoError(t, fixtureEngine(t).ValidateConfig(got))
}

func TestConfigErrors(t *testing.T) {
	e := fixtureEngine(t)
	tests := []struct {
		name         string
		data         string
		wantPath     string
		wantExpected string
	}{
		{"not json", "{\n  \"all\": mandatory\n}", "line 2, column 10", "valid JSON"},
		{"empty", "", "", "a JSON object"},
		{"array", `["all"]`, "", "a JSON object"},
		{"trailing data", `{} {}`, "", "nothing after it"},
		{"bad level string", `{"TST-001": "remediate"}`, "TST-001", "an enforcement level"},
		{"bad level in object", `{"TST-001": {"enforcementLevel": "strict"}}`, "TST-001.enforcementLevel", "an enforcement level"},
		{"bad value kind", `{"TST-001": 3}`, "TST-001", "a level string or an object"},
		{"setting under all", `{"all": {"enforcementLevel": "advisory", "x": 1}}`, "all.x", "only \"enforcementLevel\""},
		{"unknown policy", `{"KV-999": "advisory"}`, "KV-999", "a known policy id"},
		{"unknown setting", `{"TST-001": {"maxDays": 3}}`, "TST-001.maxDays", "minRetentionDays"},
		{"setting on a policy without settings", `{"TST-002": {"x": true}}`, "TST-002.x", "no settings"},
		{"string for integer", `{"TST-001": {"minRetentionDays": "30"}}`, "TST-001.minRetentionDays", "an integer"},
		{"fraction for integer", `{"TST-001": {"minRetentionDays": 1.5}}`, "TST-001.minRetentionDays", "an integer"},
		{"number for boolean", `{"TST-003": {"strict": 1}}`, "TST-003.strict", "a boolean"},
		{"wrong list items", `{"TST-003": {"allowedTypes": [1]}}`, "TST-003.allowedTypes", "a list of strings"},
		{"scalar for list", `{"TST-003": {"allowedTypes": "text/plain"}}`, "TST-003.allowedTypes", "a list"},
		{"below minimum", `{"TST-001": {"minRetentionDays": 3}}`, "TST-001.minRetentionDays", "an integer from 7 to 90"},
		{"above maximum", `{"TST-001": {"minRetentionDays": 120}}`, "TST-001.minRetentionDays", "an integer from 7 to 90"},
		{"beyond an exact integer", `{"TST-001": {"minRetentionDays": 1e20}}`, "TST-001.minRetentionDays", "an integer from -9007199254740991 to 9007199254740991"},
		{"duplicate policy key", `{"TST-001": "advisory", "TST-001": "mandatory"}`, "TST-001", "one entry per policy"},
		{"duplicate setting", `{"TST-001": {"minRetentionDays": 7, "minRetentionDays": 90}}`, "TST-001.minRetentionDays", "each key once, given twice"},
		{"duplicate list item key", `{"TST-003": {"allowedTypes": [{"a": 1, "a": 2}]}}`, "TST-003.allowedTypes[0].a", "each key once, given twice"},
		{"bad json after a byte order mark", "\xEF\xBB\xBF{\n  \"all\": mandatory\n}", "line 2, column 10", "valid JSON"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := ParsePackConfig("pack.json", []byte(tc.data))
			if err == nil {
				// Shape is fine: the catalogue check must catch it, directly and in Evaluate.
				err = e.ValidateConfig(cfg)
				_, evalErr := e.Evaluate(context.Background(), doc("dev"), Settings{Stack: "dev", Now: testNow, Config: cfg})
				assert.Equal(t, err, evalErr, "got Evaluate error %v, want the ValidateConfig error", evalErr)
			}
			require.Error(t, err, "got no error, want one")
			var ce *ConfigError
			require.True(t, errors.As(err, &ce), "got %T, want *ConfigError", err)
			assert.Equal(t, "pack.json", ce.File)
			assert.Equal(t, tc.wantPath, ce.Path)
			assert.Contains(t, ce.Expected, tc.wantExpected)
			assert.Contains(t, err.Error(), `"pack.json"`)
		})
	}
}

func TestConfigErrorMessage(t *testing.T) {
	tests := []struct {
		name string
		err  *ConfigError
		want string
	}{
		{"with path", &ConfigError{File: "pack.json", Path: "SEC-002.maxValidityDays", Expected: "an integer"}, `"pack.json": at "SEC-002.maxValidityDays": expected an integer`},
		{"without path", &ConfigError{File: "exc.yaml", Expected: "valid YAML"}, `"exc.yaml": expected valid YAML`},
		{"with a problem", &ConfigError{File: "c.json", Path: "KV-001.minRetentionDays", Problem: "90 is more than KV-001.maxRetentionDays (7)", Expected: "minRetentionDays <= maxRetentionDays"},
			`"c.json": at "KV-001.minRetentionDays": 90 is more than KV-001.maxRetentionDays (7); expected minRetentionDays <= maxRetentionDays`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, tc.err.Error())
		})
	}
}

var (
	realOnce   sync.Once
	realEngine *Engine
	realErr    error
)

// policiesEngine compiles the embedded policies of policies/ once per test binary.
func policiesEngine(t testing.TB) *Engine {
	t.Helper()
	realOnce.Do(func() { realEngine, realErr = New(policies.FS) })
	require.NoError(t, realErr)
	return realEngine
}

// TestSettingOrders: settings that only make sense one below the other are checked as the
// policies see them, the file's value against the other setting's file value or its default
// for the stack's profile, so contradictory settings are an error rather than a run in which
// every vault or secret fails.
func TestSettingOrders(t *testing.T) {
	e := policiesEngine(t)
	tests := []struct {
		name    string
		stack   string
		config  string
		wantErr string // the whole message; "" for accepted
	}{
		{"min above max", "dev", `{"KV-001": {"minRetentionDays": 90, "maxRetentionDays": 7}}`,
			`"c.json": at "KV-001.minRetentionDays": 90 is more than KV-001.maxRetentionDays (7); expected minRetentionDays <= maxRetentionDays`},
		{"min above max, also in prod", "prod", `{"KV-001": {"minRetentionDays": 90, "maxRetentionDays": 7}}`,
			`"c.json": at "KV-001.minRetentionDays": 90 is more than KV-001.maxRetentionDays (7); expected minRetentionDays <= maxRetentionDays`},
		{"min equal to max", "dev", `{"KV-001": {"minRetentionDays": 30, "maxRetentionDays": 30}}`, ""},
		{"max below the prod default min", "prod", `{"KV-001": {"maxRetentionDays": 30}}`,
			`"c.json": at "KV-001.maxRetentionDays": 30 is less than KV-001.minRetentionDays (90, its prod default); expected minRetentionDays <= maxRetentionDays`},
		{"max above the dev default min", "dev", `{"KV-001": {"maxRetentionDays": 30}}`, ""},
		{"min above the default max", "dev", `{"KV-001": {"minRetentionDays": 60}}`, ""},
		{"warn days above the default validity", "dev", `{"SEC-003": {"warnDays": 400}}`,
			`"c.json": at "SEC-003.warnDays": 400 is more than SEC-002.maxValidityDays (365, its default); expected SEC-003.warnDays <= SEC-002.maxValidityDays`},
		{"warn days above the prod default validity", "prod", `{"SEC-003": {"warnDays": 120}}`,
			`"c.json": at "SEC-003.warnDays": 120 is more than SEC-002.maxValidityDays (90, its prod default); expected SEC-003.warnDays <= SEC-002.maxValidityDays`},
		{"warn days within the dev default validity", "dev", `{"SEC-003": {"warnDays": 120}}`, ""},
		{"validity below the default warn days", "dev", `{"SEC-002": {"maxValidityDays": 20}}`,
			`"c.json": at "SEC-002.maxValidityDays": 20 is less than SEC-003.warnDays (30, its default); expected SEC-003.warnDays <= SEC-002.maxValidityDays`},
		{"validity equal to the warn days", "dev", `{"SEC-002": {"maxValidityDays": 30}}`, ""},
		{"both given in the two policies", "dev", `{"SEC-002": {"maxValidityDays": 10}, "SEC-003": {"warnDays": 14}}`,
			`"c.json": at "SEC-003.warnDays": 14 is more than SEC-002.maxValidityDays (10); expected SEC-003.warnDays <= SEC-002.maxValidityDays`},
		// A disabled policy's setting constrains nothing.
		{"validity policy disabled", "prod", `{"SEC-002": "disabled", "SEC-003": {"warnDays": 400}}`, ""},
		{"warn policy disabled", "dev", `{"SEC-003": {"enforcementLevel": "disabled"}, "SEC-002": {"maxValidityDays": 7}}`, ""},
		{"everything disabled", "dev", `{"all": "disabled", "KV-001": {"minRetentionDays": 90, "maxRetentionDays": 7}}`, ""},
		{"re-enabled under all disabled", "dev", `{"all": "disabled", "KV-001": {"enforcementLevel": "advisory", "minRetentionDays": 90, "maxRetentionDays": 7}}`,
			`"c.json": at "KV-001.minRetentionDays": 90 is more than KV-001.maxRetentionDays (7); expected minRetentionDays <= maxRetentionDays`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := ParsePackConfig("c.json", []byte(tc.config))
			require.NoError(t, err)
			require.NoError(t, e.ValidateConfig(cfg), "the profile-free checks pass")
			err = e.ValidateConfigFor(ProfileFor(tc.stack), cfg)
			_, evalErr := e.Evaluate(context.Background(), doc(tc.stack), Settings{Stack: tc.stack, Now: testNow, Config: cfg})
			if tc.wantErr == "" {
				assert.NoError(t, err)
				assert.NoError(t, evalErr, "Evaluate")
				return
			}
			require.Error(t, err, "got no error, want one")
			var ce *ConfigError
			require.True(t, errors.As(err, &ce), "got %T, want *ConfigError (exit 2)", err)
			assert.Equal(t, tc.wantErr, err.Error())
			assert.Equal(t, err, evalErr, "Evaluate returns the same error")
		})
	}
}

// TestSettingOrdersFollowTheProfile: a dev-named stack whose document says environment: prod
// is judged as prod, so its settings are checked against the prod defaults.
func TestSettingOrdersFollowTheProfile(t *testing.T) {
	e := policiesEngine(t)
	cfg, err := ParsePackConfig("c.json", []byte(`{"KV-001": {"maxRetentionDays": 30}}`))
	require.NoError(t, err)
	_, err = e.Evaluate(context.Background(), doc("eu-west"), Settings{Stack: "eu-west", Now: testNow, Config: cfg})
	require.NoError(t, err)
	d := doc("eu-west")
	d.Environment = "prod"
	_, err = e.Evaluate(context.Background(), d, Settings{Stack: "eu-west", Now: testNow, Config: cfg})
	var ce *ConfigError
	require.True(t, errors.As(err, &ce), "got %v, want *ConfigError", err)
	assert.Equal(t, "KV-001.maxRetentionDays", ce.Path)
	assert.Contains(t, ce.Problem, "its prod default")
}

// TestSettingOrdersExist keeps settingOrders in step with the policies' METADATA: every pair
// names numeric settings that exist, and the defaults alone never contradict each other in
// any profile (so ValidateConfigFor can always point at a key the file gave).
func TestSettingOrdersExist(t *testing.T) {
	e := policiesEngine(t)
	for _, o := range settingOrders {
		for _, r := range []settingRef{o.lo, o.hi} {
			i, ok := e.byID[r.policy]
			require.True(t, ok, "settingOrders names policy %s, which policies/ does not define", r.policy)
			schema, ok := e.policies[i].Config[r.name]
			require.True(t, ok, "settingOrders names %s, which its METADATA config does not declare", r)
			assert.Contains(t, []any{"integer", "number"}, schema["type"], "%s is not numeric", r)
		}
		for _, profile := range []string{ProfileDev, ProfileStaging, ProfileProd} {
			eff := e.EffectiveSettings(profile, PackConfig{})
			lo, _ := toFloat(eff[o.lo.policy][o.lo.name])
			hi, _ := toFloat(eff[o.hi.policy][o.hi.name])
			assert.LessOrEqual(t, lo, hi, "%s profile: default %s above default %s", profile, o.lo, o.hi)
		}
	}
}

func TestParseNow(t *testing.T) {
	got, err := ParseNow("--now", "2026-12-03")
	require.NoError(t, err)
	assert.Equal(t, "2026-12-03T00:00:00Z", got.UTC().Format(time.RFC3339))
	got, err = ParseNow("--now", "2026-12-03T10:00:00+01:00")
	require.NoError(t, err)
	assert.Equal(t, "2026-12-03T09:00:00Z", got.UTC().Format(time.RFC3339))
	got, err = ParseNow("--now", "2262-04-11T23:47:16Z")
	require.NoError(t, err, "the last time the policies can read")
	assert.Equal(t, latestNow, got.UTC())
	for in, want := range map[string]string{
		"yesterday":  `KVGUARD_NOW "yesterday": expected an RFC3339 time`,
		"1969-07-20": `KVGUARD_NOW "1969-07-20": expected a time in 1970 or later`,
		"0001-01-01": "expected a time in 1970 or later",
		"2300-01-01": `KVGUARD_NOW "2300-01-01": expected a time no later than 2262-04-11T23:47:16Z`,
	} {
		_, err := ParseNow("KVGUARD_NOW", in)
		require.Error(t, err, in)
		assert.Contains(t, err.Error(), want)
	}
}
