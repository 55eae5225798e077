package infra_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/kvguard/kvguard/infra"
	"github.com/kvguard/kvguard/infra/azuremock"
)

func TestParseConfigErrors(t *testing.T) {
	tests := []struct {
		name    string
		set     map[string]string
		del     []string
		plain   bool // parse with ParseStackConfig and no secret keys
		wantKey string
		wantMsg string
	}{
		{name: "misspelt namespace", set: map[string]string{"secret-stor:publicNetworkAccess": "Enabled"}, wantKey: "secret-stor:publicNetworkAccess", wantMsg: `a misspelling of the program's "secret-store"`},
		{name: "environment missing", del: []string{"secret-store:environment"}, wantKey: "secret-store:environment", wantMsg: "is required"},
		{name: "environment unknown", set: map[string]string{"secret-store:environment": "qa"}, wantKey: "secret-store:environment", wantMsg: `must be one of dev, staging, prod, got "qa"`},
		{name: "vault name too long", set: map[string]string{"secret-store:vaultName": "kv-this-name-is-far-too-long"}, wantKey: "secret-store:vaultName", wantMsg: "3-24 characters"},
		{name: "vault name too short", set: map[string]string{"secret-store:vaultName": "kv"}, wantKey: "secret-store:vaultName", wantMsg: "3-24 characters"},
		{name: "vault name starts with digit", set: map[string]string{"secret-store:vaultName": "1kv-orders"}, wantKey: "secret-store:vaultName", wantMsg: "start with a letter"},
		{name: "vault name ends with hyphen", set: map[string]string{"secret-store:vaultName": "kv-orders-"}, wantKey: "secret-store:vaultName", wantMsg: "end with a letter or digit"},
		{name: "vault name double hyphen", set: map[string]string{"secret-store:vaultName": "kv--orders"}, wantKey: "secret-store:vaultName", wantMsg: "consecutive hyphens"},
		{name: "vault name underscore", set: map[string]string{"secret-store:vaultName": "kv_orders"}, wantKey: "secret-store:vaultName", wantMsg: "only letters, digits and hyphens"},
		{name: "vault name and prefix", set: map[string]string{"secret-store:vaultName": "kv-orders", "secret-store:vaultNamePrefix": "kvx"}, wantKey: "secret-store:vaultNamePrefix", wantMsg: "not be set together"},
		{name: "vault prefix invalid", set: map[string]string{"secret-store:vaultNamePrefix": "9kv"}, wantKey: "secret-store:vaultNamePrefix", wantMsg: "starting with a letter"},
		{name: "expiry format", set: map[string]string{"secret-store:secrets": `[{"name":"db","expires":"2027/02/15"},{"name":"api-key","expires":"2027-02-15"}]`}, wantKey: "secret-store:secrets[0].expires", wantMsg: "YYYY-MM-DD"},
		{name: "expiry not a calendar date", set: map[string]string{"secret-store:secrets": `[{"name":"db","expires":"2027-02-30"},{"name":"api-key","expires":"2027-02-15"}]`}, wantKey: "secret-store:secrets[0].expires", wantMsg: "YYYY-MM-DD"},
		{name: "expiry out of range", set: map[string]string{"secret-store:secrets": `[{"name":"db","expires":"2207-02-15"},{"name":"api-key","expires":"2027-02-15"}]`}, wantKey: "secret-store:secrets[0].expires", wantMsg: "must be between"},
		{name: "expiry missing", set: map[string]string{"secret-store:secrets": `[{"name":"db"},{"name":"api-key","expires":"2027-02-15"}]`}, wantKey: "secret-store:secrets[0].expires", wantMsg: "is required"},
		{name: "misspelt secret field", set: map[string]string{"secret-store:secrets": `[{"name":"db","expiry":"2027-02-15"}]`}, wantKey: "secret-store:secrets", wantMsg: "unknown field"},
		{name: "secrets not a list", set: map[string]string{"secret-store:secrets": `{"name":"db"}`}, wantKey: "secret-store:secrets", wantMsg: "must be a list"},
		{name: "duplicate secret", set: map[string]string{"secret-store:secrets": `[{"name":"db","expires":"2027-02-15"},{"name":"DB","expires":"2027-02-15"},{"name":"api-key","expires":"2027-02-15"}]`}, wantKey: "secret-store:secrets[1].name", wantMsg: "duplicates"},
		{name: "bad secret name", set: map[string]string{"secret-store:secrets": `[{"name":"db","expires":"2027-02-15"},{"name":"api_key","expires":"2027-02-15"}]`}, wantKey: "secret-store:secrets[1].name", wantMsg: "letters, digits and hyphens"},
		{name: "grant of unknown secret", set: map[string]string{"secret-store:applications": `[{"name":"orders","secrets":["db","cache"]}]`}, wantKey: "secret-store:applications[0].secrets[1]", wantMsg: `unknown secret "cache"`},
		{name: "grant star inside list", set: map[string]string{"secret-store:applications": `[{"name":"orders","secrets":["*"]}]`}, wantKey: "secret-store:applications[0].secrets[0]", wantMsg: "whole value"},
		{name: "grant string other than star", set: map[string]string{"secret-store:applications": `[{"name":"orders","secrets":"all"}]`}, wantKey: "secret-store:applications[0].secrets", wantMsg: "list of secret names"},
		{name: "grant empty", set: map[string]string{"secret-store:applications": `[{"name":"orders","secrets":[]}]`}, wantKey: "secret-store:applications[0].secrets", wantMsg: "at least one"},
		{name: "application name", set: map[string]string{"secret-store:applications": `[{"name":"Orders_API","secrets":["db"]}]`}, wantKey: "secret-store:applications[0].name", wantMsg: "lowercase"},
		{name: "duplicate application", set: map[string]string{"secret-store:applications": `[{"name":"orders","secrets":["db"]},{"name":"orders","secrets":["db"]}]`}, wantKey: "secret-store:applications[1].name", wantMsg: "duplicates"},
		{name: "secret without value", del: []string{"secret-store:secret-db"}, wantKey: "secret-store:secret-db", wantMsg: "has no value"},
		{name: "secret with empty value", set: map[string]string{"secret-store:secret-db": ""}, wantKey: "secret-store:secret-db", wantMsg: "has no value"},
		{name: "secret value in plaintext", plain: true, wantKey: "secret-store:secret-db", wantMsg: "plaintext"},
		{name: "value for undeclared secret", set: map[string]string{"secret-store:secret-old": "x"}, wantKey: "secret-store:secret-old", wantMsg: "no secret named"},
		{name: "operator id not a guid", set: map[string]string{"secret-store:operatorGroupIds": `["ops-team"]`}, wantKey: "secret-store:operatorGroupIds[0]", wantMsg: "must be a GUID"},
		{name: "operator id duplicate", set: map[string]string{"secret-store:operatorGroupIds": `["` + opsGroup + `","` + strings.ToUpper(opsGroup) + `"]`}, wantKey: "secret-store:operatorGroupIds[1]", wantMsg: "duplicates"},
		{name: "unknown key", set: map[string]string{"secret-store:vaultname": "kv-x"}, wantKey: "secret-store:vaultname", wantMsg: "not a known config key"},
		{name: "reserved tag", set: map[string]string{"secret-store:tags": `{"environment":"prod"}`}, wantKey: "secret-store:tags.environment", wantMsg: "reserved"},
		{name: "tag not a string", set: map[string]string{"secret-store:tags": `{"cost":1}`}, wantKey: "secret-store:tags", wantMsg: "object of string"},
		{name: "private ip range", set: map[string]string{"secret-store:allowedIpRanges": `["10.1.0.0/16"]`}, wantKey: "secret-store:allowedIpRanges[0]", wantMsg: "public address"},
		{name: "ipv6 range", set: map[string]string{"secret-store:allowedIpRanges": `["2001:db8::/32"]`}, wantKey: "secret-store:allowedIpRanges[0]", wantMsg: "IPv4"},
		{name: "cidr with host bits", set: map[string]string{"secret-store:allowedIpRanges": `["203.0.113.7/24"]`}, wantKey: "secret-store:allowedIpRanges[0]", wantMsg: "no host bits"},
		{name: "public access disabled with ranges", set: map[string]string{"secret-store:allowedIpRanges": `["203.0.113.0/24"]`, "secret-store:publicNetworkAccess": "Disabled"}, wantKey: "secret-store:publicNetworkAccess", wantMsg: "remove one"},
		{name: "public access value", set: map[string]string{"secret-store:publicNetworkAccess": "Open"}, wantKey: "secret-store:publicNetworkAccess", wantMsg: "Disabled or Enabled"},
		{name: "network default action value", set: map[string]string{"secret-store:networkDefaultAction": "Open"}, wantKey: "secret-store:networkDefaultAction", wantMsg: "Deny or Allow"},
		{name: "retention too short", set: map[string]string{"secret-store:logRetentionDays": "7"}, wantKey: "secret-store:logRetentionDays", wantMsg: "between 30 and 730"},
		{name: "retention not a number", set: map[string]string{"secret-store:logRetentionDays": "a year"}, wantKey: "secret-store:logRetentionDays", wantMsg: "integer"},
		{name: "sku", set: map[string]string{"secret-store:sku": "basic"}, wantKey: "secret-store:sku", wantMsg: "standard or premium"},
		{name: "create mode", set: map[string]string{"secret-store:createMode": "restore"}, wantKey: "secret-store:createMode", wantMsg: "default or recover"},
		{name: "tenant id", set: map[string]string{"secret-store:tenantId": "contoso"}, wantKey: "secret-store:tenantId", wantMsg: "GUID"},
		{name: "subscription id", set: map[string]string{"secret-store:subscriptionId": "sub-1"}, wantKey: "secret-store:subscriptionId", wantMsg: "GUID"},
		{name: "workspace id", set: map[string]string{"secret-store:workspaceId": "log-central"}, wantKey: "secret-store:workspaceId", wantMsg: "ARM id"},
		{name: "resource group name", set: map[string]string{"secret-store:resourceGroupName": "rg/bad"}, wantKey: "secret-store:resourceGroupName", wantMsg: "1-90"},
		{name: "location", set: map[string]string{"secret-store:location": "West Europe"}, wantKey: "secret-store:location", wantMsg: "region name"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sc := baseConfig("dev").clone()
			for k, v := range tc.set {
				sc.values[k] = v
			}
			for _, k := range tc.del {
				delete(sc.values, k)
			}
			keys := sc.secretKeys
			if tc.plain {
				keys = nil
			}
			cfg, err := infra.ParseStackConfig(sc.values, keys)
			require.Error(t, err, "config accepted: %+v", cfg)
			var ce *infra.ConfigError
			require.True(t, errors.As(err, &ce), "got %T, want *infra.ConfigError", err)
			assert.True(t, ce.Has(tc.wantKey, tc.wantMsg), "no problem on %q containing %q; got %v", tc.wantKey, tc.wantMsg, ce.Problems)
			assert.Contains(t, err.Error(), fmt.Sprintf("%q", tc.wantKey), "error text names the key")
			for _, v := range []string{"db-plaintext-value", "api-plaintext-value"} {
				assert.NotContains(t, err.Error(), v, "error leaks a secret value")
			}
		})
	}
}

// TestParseConfigUnquotedExpiry covers `expires: 2027-02-15` without quotes in a stack file:
// YAML reads a timestamp, which reaches the program as "2027-02-15T00:00:00Z"; the problem
// says to quote the date instead of echoing a value the user never wrote.
func TestParseConfigUnquotedExpiry(t *testing.T) {
	var file struct {
		Secrets any `yaml:"secrets"`
	}
	require.NoError(t, yaml.Unmarshal([]byte("secrets:\n  - {name: db, expires: 2027-02-15}\n  - {name: api-key, expires: \"2027-02-15\"}\n"), &file))
	sc := baseConfig("dev").clone()
	sc.values["secret-store:secrets"] = configString(t, file.Secrets)
	require.Contains(t, sc.values["secret-store:secrets"], `"2027-02-15T00:00:00Z"`, "yaml.v3 reads the unquoted date as a timestamp")

	_, err := infra.ParseStackConfig(sc.values, sc.secretKeys)
	var ce *infra.ConfigError
	require.True(t, errors.As(err, &ce), "got %v, want *infra.ConfigError", err)
	assert.True(t, ce.Has("secret-store:secrets[0].expires", `got a YAML timestamp; quote the date: "2027-02-15"`), "got %v", ce.Problems)
	assert.Len(t, ce.Problems, 1, "only the unquoted date is wrong; got %v", ce.Problems)
	assert.NotContains(t, err.Error(), "T00:00:00Z", "the message shows the date as written")

	// An RFC 3339 time of day is not a YAML date; it keeps the plain message.
	sc.values["secret-store:secrets"] = `[{"name":"db","expires":"2027-02-15T10:00:00Z"},{"name":"api-key","expires":"2027-02-15"}]`
	_, err = infra.ParseStackConfig(sc.values, sc.secretKeys)
	require.True(t, errors.As(err, &ce), "got %v, want *infra.ConfigError", err)
	assert.True(t, ce.Has("secret-store:secrets[0].expires", `got "2027-02-15T10:00:00Z"`), "got %v", ce.Problems)
}

func TestParseConfigReportsEveryProblemAtOnce(t *testing.T) {
	sc := baseConfig("prod").clone()
	sc.values["secret-store:vaultName"] = "kv--x"
	sc.values["secret-store:operatorGroupIds"] = `["not-a-guid"]`
	sc.values["secret-store:secrets"] = `[{"name":"db","expires":"15.02.2027"},{"name":"api-key","expires":"2027-02-15"}]`
	sc.values["secret-store:applications"] = `[{"name":"orders","secrets":["cache"]}]`
	delete(sc.values, "secret-store:secret-api-key")

	_, err := infra.ParseStackConfig(sc.values, sc.secretKeys)
	var ce *infra.ConfigError
	require.True(t, errors.As(err, &ce), "got %v, want *infra.ConfigError", err)
	want := []struct{ key, msg string }{
		{"secret-store:vaultName", "consecutive hyphens"},
		{"secret-store:operatorGroupIds[0]", "GUID"},
		{"secret-store:secrets[0].expires", "YYYY-MM-DD"},
		{"secret-store:applications[0].secrets[0]", "unknown secret"},
		{"secret-store:secret-api-key", "has no value"},
	}
	for _, w := range want {
		assert.True(t, ce.Has(w.key, w.msg), "missing problem %q %q; got %v", w.key, w.msg, ce.Problems)
	}
	assert.Len(t, ce.Problems, len(want), "got problems %v", ce.Problems)
	assert.True(t, strings.HasPrefix(err.Error(), fmt.Sprintf("invalid stack config (%d problems):", len(want))), "got %q", err.Error())
}

// Under `pulumi up` the CLI passes the whole config in PULUMI_CONFIG: a misspelt key and the
// values' problems come back together, and an orphaned secret value is named too.
func TestLoadConfigReportsKeysAndValuesTogether(t *testing.T) {
	sc := baseConfig("dev").clone()
	sc.values["secret-store:logRetentionDay"] = "10"
	sc.values["secret-store:logRetentionDays"] = "5"
	sc.values["secret-store:secret-orphan"] = "x"
	all, err := json.Marshal(sc.values)
	require.NoError(t, err)
	t.Setenv(pulumi.EnvConfig, string(all))

	_, err = run(t, "dev", sc, azuremock.Options{})
	var ce *infra.ConfigError
	require.True(t, errors.As(err, &ce), "got %v, want *infra.ConfigError", err)
	assert.True(t, ce.Has("secret-store:logRetentionDay", "is not a known config key"), "got %v", ce.Problems)
	assert.True(t, ce.Has("secret-store:logRetentionDays", "between 30 and 730 days"), "got %v", ce.Problems)
	assert.True(t, ce.Has("secret-store:secret-orphan", "no secret named"), "got %v", ce.Problems)
}

func TestParseConfigDefaults(t *testing.T) {
	tests := []struct {
		name          string
		env           string
		set           map[string]string
		wantSKU       string
		wantRetention int
		wantPublic    string
	}{
		{name: "dev", env: "dev", wantSKU: "standard", wantRetention: 30, wantPublic: "Disabled"},
		{name: "staging", env: "staging", wantSKU: "standard", wantRetention: 90, wantPublic: "Disabled"},
		{name: "prod", env: "prod", wantSKU: "premium", wantRetention: 365, wantPublic: "Disabled"},
		{name: "other namespaces pass through", env: "dev", set: map[string]string{"azure-native:location": "westeurope", "acme-lib:flag": "x"}, wantSKU: "standard", wantRetention: 30, wantPublic: "Disabled"},
		{name: "allow-list enables public access", env: "prod", set: map[string]string{"secret-store:allowedIpRanges": `["198.51.100.0/24","203.0.113.10"]`}, wantSKU: "premium", wantRetention: 365, wantPublic: "Enabled"},
		{name: "Pulumi.yaml defaults count as unset", env: "dev", set: map[string]string{
			"secret-store:sku": "", "secret-store:logRetentionDays": "0", "secret-store:publicNetworkAccess": "",
			"secret-store:vaultName": "", "secret-store:vaultNamePrefix": "kv", "secret-store:createMode": "default",
		}, wantSKU: "standard", wantRetention: 30, wantPublic: "Disabled"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sc := baseConfig(tc.env).clone()
			for k, v := range tc.set {
				sc.values[k] = v
			}
			cfg, err := infra.ParseConfig(sc.values)
			require.NoError(t, err)
			assert.Equal(t, tc.wantSKU, cfg.SKU, "sku")
			assert.Equal(t, tc.wantRetention, cfg.LogRetentionDays, "retention")
			assert.Equal(t, tc.wantPublic, cfg.PublicNetworkAccess, "publicNetworkAccess")
			assert.Equal(t, "default", cfg.CreateMode, "createMode")
			assert.Equal(t, infra.DefaultVaultNamePrefix, cfg.VaultNamePrefix, "vaultNamePrefix")
			assert.Equal(t, infra.DefaultLocation, cfg.Location, "location")
			require.Len(t, cfg.Secrets, 2)
			assert.Equal(t, time.Date(2027, 2, 15, 0, 0, 0, 0, time.UTC), cfg.Secrets[0].ExpiresAt)
			assert.Equal(t, infra.DefaultContentType, cfg.Secrets[1].ContentType, "contentType default")
			require.Len(t, cfg.Applications, 2)
			assert.True(t, cfg.Applications[1].GrantsAll(), "\"*\" grant")
			assert.False(t, cfg.Applications[0].GrantsAll())
		})
	}
}

func TestSecretValuesNeverPrint(t *testing.T) {
	cfg, err := infra.ParseConfig(baseConfig("dev").values)
	require.NoError(t, err)
	js, err := json.Marshal(cfg)
	require.NoError(t, err)
	renderings := map[string]string{
		"%v":   fmt.Sprintf("%v", cfg),
		"%+v":  fmt.Sprintf("%+v", *cfg),
		"%#v":  fmt.Sprintf("%#v", *cfg),
		"%s":   fmt.Sprintf("%s", cfg.Secrets[0].Value),
		"json": string(js),
	}
	for name, out := range renderings {
		t.Run(name, func(t *testing.T) {
			assert.NotContains(t, out, "db-plaintext-value")
			assert.NotContains(t, out, "api-plaintext-value")
		})
	}
	assert.Equal(t, "db-plaintext-value", cfg.Secrets[0].Value.Reveal(), "Reveal returns the value")
}

// TestProjectSchema keeps Pulumi.yaml and the parser in step: every declared key has a
// description, and the declared defaults alone (plus the required environment) parse.
func TestProjectSchema(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "Pulumi.yaml"))
	require.NoError(t, err)
	var proj struct {
		Runtime        string `yaml:"runtime"`
		StackConfigDir string `yaml:"stackConfigDir"`
		Config         map[string]struct {
			Type        string `yaml:"type"`
			Description string `yaml:"description"`
		} `yaml:"config"`
	}
	require.NoError(t, yaml.Unmarshal(raw, &proj))
	assert.Equal(t, "go", proj.Runtime)
	assert.Equal(t, "stacks", proj.StackConfigDir)
	for k, c := range proj.Config {
		assert.NotEmpty(t, c.Type, "%s: type", k)
		assert.NotEmpty(t, c.Description, "%s: description", k)
	}
	values := loadProjectDefaults(t)
	values["secret-store:environment"] = "dev"
	for k := range proj.Config {
		if _, ok := values["secret-store:"+k]; !ok {
			values["secret-store:"+k] = "" // a declared key without default must still be known
		}
	}
	values["secret-store:environment"] = "dev"
	_, err = infra.ParseConfig(values)
	assert.NoError(t, err, "Pulumi.yaml declares keys or defaults the parser rejects")
}
