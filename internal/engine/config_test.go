package engine

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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
		{"duplicate policy key", `{"TST-001": "advisory", "TST-001": "mandatory"}`, "TST-001", "one entry per policy"},
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
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, tc.err.Error())
		})
	}
}
