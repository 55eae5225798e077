package infra

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"net/netip"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// ConfigNamespace is the namespace of every stack config key: Pulumi prefixes project-level keys
// with the project name declared in Pulumi.yaml.
const ConfigNamespace = "secret-store"

// SecretValueKeyPrefix starts the config key that holds a secret's value:
// "secret-store:secret-<name>", set with `pulumi config set --secret`.
const SecretValueKeyPrefix = "secret-"

// Environments a stack can target; they select the secure defaults (SKU, retention, locks).
const (
	EnvDev     = "dev"
	EnvStaging = "staging"
	EnvProd    = "prod"
)

// Config keys below the namespace. Keeping them in one list lets ParseConfig report keys that
// are misspelt instead of silently ignoring them.
const (
	keyEnvironment         = "environment"
	keyOwner               = "owner"
	keyLocation            = "location"
	keyResourceGroupName   = "resourceGroupName"
	keyWorkspaceID         = "workspaceId"
	keyVaultName           = "vaultName"
	keyVaultNamePrefix     = "vaultNamePrefix"
	keyCreateMode          = "createMode"
	keySKU                 = "sku"
	keyPublicNetworkAccess = "publicNetworkAccess"
	keyAllowedIPRanges     = "allowedIpRanges"
	keyNetworkDefault      = "networkDefaultAction"
	keyLogRetentionDays    = "logRetentionDays"
	keyTags                = "tags"
	keyApplications        = "applications"
	keyOperatorGroupIDs    = "operatorGroupIds"
	keySecrets             = "secrets"
	keyTenantID            = "tenantId"
	keySubscriptionID      = "subscriptionId"
)

var knownKeys = []string{
	keyEnvironment, keyOwner, keyLocation, keyResourceGroupName, keyWorkspaceID, keyVaultName,
	keyVaultNamePrefix, keyCreateMode, keySKU, keyPublicNetworkAccess, keyAllowedIPRanges, keyNetworkDefault,
	keyLogRetentionDays, keyTags, keyApplications, keyOperatorGroupIDs, keySecrets, keyTenantID,
	keySubscriptionID,
}

// Defaults that are not per environment.
const (
	DefaultLocation        = "westeurope"
	DefaultVaultNamePrefix = "kv"
	DefaultContentType     = "text/plain"
	// AllSecrets in an application's grant list means "every secret in this vault", which is
	// the only case where the role is assigned at vault scope.
	AllSecrets = "*"
)

// ReservedTags are set by the component from typed config; letting `tags` override them would
// make the environment tag disagree with the environment the policies assume.
var ReservedTags = []string{"environment", "owner", "project", "stack", "managed-by"}

// Config is the typed, validated stack configuration of the secret-store project.
type Config struct {
	// Environment is dev, staging or prod.
	Environment string
	// Owner is the owning team, written to the owner tag; empty means no owner tag.
	Owner string
	// Location is the Azure region.
	Location string
	// ResourceGroupName names an existing resource group; empty means one is created.
	ResourceGroupName string
	// WorkspaceID is the ARM id of an existing Log Analytics workspace; empty means one is created.
	WorkspaceID string
	// VaultName is the explicit vault name; empty means DeriveVaultName is used.
	VaultName string
	// VaultNamePrefix starts a derived vault name.
	VaultNamePrefix string
	// CreateMode is "default" or "recover" (reuse a soft-deleted vault of the same name).
	CreateMode string
	// SKU is "standard" or "premium".
	SKU string
	// PublicNetworkAccess is "Disabled" by default, "Enabled" when AllowedIPRanges is not empty
	// or when set explicitly.
	PublicNetworkAccess string
	// AllowedIPRanges are public IPv4 addresses or CIDR ranges allowed through the firewall.
	AllowedIPRanges []string
	// NetworkDefaultAction is the firewall's default action, "Deny" unless set to "Allow".
	NetworkDefaultAction string
	// LogRetentionDays is the workspace retention.
	LogRetentionDays int
	// Tags are extra tags for every resource that takes tags.
	Tags map[string]string
	// Applications get one managed identity each and read access to their secrets.
	Applications []Application
	// OperatorGroupIDs are Entra group object ids given Key Vault Secrets Officer on the vault.
	OperatorGroupIDs []string
	// Secrets are the vault's secrets, values included (redacted when printed).
	Secrets []SecretConfig
	// TenantID overrides the tenant reported by getClientConfig.
	TenantID string
	// SubscriptionID overrides the subscription reported by getClientConfig.
	SubscriptionID string
}

// Application is one workload that reads secrets through its own managed identity.
type Application struct {
	// Name is the application's short name (lowercase letters, digits, single hyphens).
	Name string `json:"name"`
	// Secrets are the secret names the application may read; ["*"] means all of them.
	Secrets []string `json:"secrets"`
}

// GrantsAll reports whether the application is granted every secret of the vault.
func (a Application) GrantsAll() bool {
	return len(a.Secrets) == 1 && a.Secrets[0] == AllSecrets
}

// SecretConfig is one secret declared in config.
type SecretConfig struct {
	// Name is the Key Vault secret name.
	Name string
	// ContentType describes the value, for example text/plain or application/json.
	ContentType string
	// Expires is the expiry date (midnight UTC) as written in config, YYYY-MM-DD.
	Expires string
	// ExpiresAt is Expires parsed; its Unix seconds go to the secret's attributes.expires.
	ExpiresAt time.Time
	// Value is read from the encrypted key secret-store:secret-<name>.
	Value SecretValue
}

// SecretValue holds a secret's plaintext and redacts itself whenever it is formatted or
// marshalled, so a value can never leak through a log line, an error or a JSON dump.
type SecretValue struct{ v string }

// NewSecretValue wraps a plaintext value.
func NewSecretValue(v string) SecretValue { return SecretValue{v: v} }

// Reveal returns the plaintext; callers must wrap it in pulumi.ToSecret before using it.
func (s SecretValue) Reveal() string { return s.v }

// IsEmpty reports whether no value was set.
func (s SecretValue) IsEmpty() bool { return s.v == "" }

// String redacts the value.
func (s SecretValue) String() string { return "[secret]" }

// GoString redacts the value for %#v.
func (s SecretValue) GoString() string { return "[secret]" }

// MarshalJSON redacts the value.
func (s SecretValue) MarshalJSON() ([]byte, error) { return []byte(`"[secret]"`), nil }

// ConfigProblem is one broken rule, naming the full config key.
type ConfigProblem struct {
	// Key is the full config key, with a path inside structured values:
	// "secret-store:secrets[1].expires".
	Key string
	// Rule says what was expected.
	Rule string
}

// ConfigError lists every problem found in one pass, so a stack owner fixes them all at once.
type ConfigError struct {
	Problems []ConfigProblem
}

// Error lists the problems one per line.
func (e *ConfigError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "invalid stack config (%d problem", len(e.Problems))
	if len(e.Problems) != 1 {
		b.WriteString("s")
	}
	b.WriteString("):")
	for _, p := range e.Problems {
		fmt.Fprintf(&b, "\n  %q: %s", p.Key, p.Rule)
	}
	return b.String()
}

// Has reports whether a problem names key and its rule contains fragment; tests and the planner
// use it to match problems without depending on the full wording.
func (e *ConfigError) Has(key, fragment string) bool {
	for _, p := range e.Problems {
		if p.Key == key && strings.Contains(p.Rule, fragment) {
			return true
		}
	}
	return false
}

type problems struct{ list []ConfigProblem }

func (p *problems) add(key, format string, args ...any) {
	p.list = append(p.list, ConfigProblem{Key: key, Rule: fmt.Sprintf(format, args...)})
}

func fullKey(k string) string { return ConfigNamespace + ":" + k }

// IsSecretValueKey reports whether k (a full config key) holds a secret's value,
// "secret-store:secret-<name>": the one kind of key whose value the program never reads.
func IsSecretValueKey(k string) bool { return strings.HasPrefix(k, fullKey(SecretValueKeyPrefix)) }

// unknownKeys reports every key of the program's namespace that it does not read, so a
// misspelt key fails instead of silently keeping a default.
func (p *problems) unknownKeys(keys []string) {
	declared := map[string]bool{}
	for _, k := range knownKeys {
		declared[fullKey(k)] = true
	}
	var unknown []string
	for _, k := range keys {
		if ns, _, ok := strings.Cut(k, ":"); ok && ns != ConfigNamespace && editDistance(ns, ConfigNamespace) <= 2 {
			// Pulumi passes every namespace through (a provider's, a library's), so only a near
			// miss of our own is surely a typo, whose value would silently not apply.
			unknown = append(unknown, k)
			continue
		}
		if !strings.HasPrefix(k, ConfigNamespace+":") || declared[k] {
			continue
		}
		if IsSecretValueKey(k) {
			continue // checked against the declared secrets by parse
		}
		unknown = append(unknown, k)
	}
	sort.Strings(unknown)
	for _, k := range unknown {
		if !strings.HasPrefix(k, ConfigNamespace+":") {
			p.add(k, "is in namespace %q, a misspelling of the program's %q: its value would not apply", strings.SplitN(k, ":", 2)[0], ConfigNamespace)
			continue
		}
		p.add(k, "is not a known config key (known keys: %s, and %s<name> for secret values)",
			strings.Join(knownKeys, ", "), SecretValueKeyPrefix)
	}
}

// editDistance is the Levenshtein distance between two short strings.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// ParseConfig validates stack config values keyed by full config key ("secret-store:owner"),
// structured values as JSON, as Pulumi hands them to a program. It does not check that secret
// values came from encrypted config; ParseStackConfig does.
func ParseConfig(values map[string]string) (*Config, error) {
	return parse(values, nil)
}

// ParseStackConfig is ParseConfig plus a check that every secret value key is listed in
// secretKeys, i.e. was set with `pulumi config set --secret`.
func ParseStackConfig(values map[string]string, secretKeys []string) (*Config, error) {
	if secretKeys == nil {
		secretKeys = []string{}
	}
	return parse(values, secretKeys)
}

// LoadConfig reads the stack config from ctx and validates it with ParseStackConfig: keys and
// values in one pass, so every problem is reported together. Pulumi gives programs no way to
// list config keys through ctx; the CLI passes the whole map in the PULUMI_CONFIG environment
// variable, which LoadConfig validates when it is set (a misspelt key fails instead of keeping
// a default). Without it (under mocks) it reads the keys it knows; the planner validates its
// whole map with ParseStackConfig before it runs the program.
func LoadConfig(ctx *pulumi.Context) (*Config, error) {
	values := map[string]string{}
	var all map[string]string
	if raw := os.Getenv(pulumi.EnvConfig); raw != "" && json.Unmarshal([]byte(raw), &all) == nil {
		for k, v := range all {
			if strings.HasPrefix(k, ConfigNamespace+":") {
				values[k] = v
			}
		}
	} else {
		for _, k := range knownKeys {
			if v, ok := ctx.GetConfig(fullKey(k)); ok {
				values[fullKey(k)] = v
			}
		}
		for _, name := range declaredSecretNames(values[fullKey(keySecrets)]) {
			k := fullKey(SecretValueKeyPrefix + name)
			if v, ok := ctx.GetConfig(k); ok {
				values[k] = v
			}
		}
	}
	var secretKeys []string
	for _, k := range sortedKeys(values) {
		if IsSecretValueKey(k) && ctx.IsConfigSecret(k) {
			secretKeys = append(secretKeys, k)
		}
	}
	return ParseStackConfig(values, secretKeys)
}

// declaredSecretNames extracts names leniently; full validation happens in parse.
func declaredSecretNames(raw string) []string {
	var items []struct {
		Name string `json:"name"`
	}
	if json.Unmarshal([]byte(raw), &items) != nil {
		return nil
	}
	names := make([]string, 0, len(items))
	for _, it := range items {
		if it.Name != "" {
			names = append(names, it.Name)
		}
	}
	return names
}

var (
	locationRe      = regexp.MustCompile(`^[a-z][a-z0-9]*$`)
	rgNameRe        = regexp.MustCompile(`^[-\w.()]{1,90}$`)
	workspaceIDRe   = regexp.MustCompile(`(?i)^/subscriptions/[0-9a-f-]{36}/resourceGroups/[-\w.()]+/providers/Microsoft\.OperationalInsights/workspaces/[-a-z0-9]+$`)
	vaultPrefixRe   = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*-?$`)
	appNameRe       = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)
	secretNameRe    = regexp.MustCompile(`^[0-9A-Za-z-]{1,127}$`)
	contentTypeRe   = regexp.MustCompile(`^[\x21-\x7e][\x20-\x7e]{0,254}$`)
	tagKeyForbidden = "<>%&\\?/"
)

// Expiry dates outside this window are typos (or milliseconds); policies judge the real window
// relative to the evaluation time.
var (
	minExpiry = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	maxExpiry = time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)
)

const maxVaultPrefixLen = 8

func parse(values map[string]string, secretKeys []string) (*Config, error) {
	var p problems
	get := func(k string) (string, bool) {
		v, ok := values[fullKey(k)]
		return v, ok
	}
	cfg := &Config{}

	p.unknownKeys(slices.Collect(maps.Keys(values)))

	// environment is required: every default below depends on it.
	env, ok := get(keyEnvironment)
	switch {
	case !ok || env == "":
		p.add(fullKey(keyEnvironment), "is required: one of dev, staging, prod")
	case env != EnvDev && env != EnvStaging && env != EnvProd:
		p.add(fullKey(keyEnvironment), "must be one of dev, staging, prod, got %q", env)
	}
	cfg.Environment = env

	// owner is optional on purpose: a missing owner tag is GEN-001's finding to report, and the
	// planner's non-compliant examples must be able to express it.
	owner, _ := get(keyOwner)
	if len(owner) > 256 {
		p.add(fullKey(keyOwner), "must be at most 256 characters (a tag value), got %d", len(owner))
	}
	cfg.Owner = owner

	cfg.Location = DefaultLocation
	if v, ok := get(keyLocation); ok && v != "" {
		if !locationRe.MatchString(v) {
			p.add(fullKey(keyLocation), "must be an Azure region name in lowercase letters and digits (for example westeurope), got %q", v)
		}
		cfg.Location = v
	}

	if v, ok := get(keyResourceGroupName); ok && v != "" {
		if !rgNameRe.MatchString(v) || strings.HasSuffix(v, ".") {
			p.add(fullKey(keyResourceGroupName), "must be 1-90 letters, digits, '-', '_', '.', '(' or ')' and not end with '.', got %q", v)
		}
		cfg.ResourceGroupName = v
	}

	if v, ok := get(keyWorkspaceID); ok && v != "" {
		if !workspaceIDRe.MatchString(v) {
			p.add(fullKey(keyWorkspaceID), "must be a Log Analytics workspace ARM id (/subscriptions/<guid>/resourceGroups/<rg>/providers/Microsoft.OperationalInsights/workspaces/<name>), got %q", v)
		}
		cfg.WorkspaceID = v
	}

	name, nameSet := get(keyVaultName)
	// Pulumi injects the Pulumi.yaml defaults, so a default-valued or empty optional key counts
	// as unset.
	prefix, _ := get(keyVaultNamePrefix)
	prefixSet := prefix != "" && prefix != DefaultVaultNamePrefix
	if nameSet && name != "" {
		for _, rule := range VaultNameProblems(name) {
			p.add(fullKey(keyVaultName), "%s, got %q", rule, name)
		}
		cfg.VaultName = name
		if prefixSet {
			p.add(fullKey(keyVaultNamePrefix), "must not be set together with vaultName (the prefix only shapes a derived name)")
		}
	}
	cfg.VaultNamePrefix = DefaultVaultNamePrefix
	if prefixSet {
		if len(prefix) > maxVaultPrefixLen || !vaultPrefixRe.MatchString(prefix) {
			p.add(fullKey(keyVaultNamePrefix), "must be 1-%d lowercase letters, digits and single hyphens, starting with a letter, got %q", maxVaultPrefixLen, prefix)
		}
		cfg.VaultNamePrefix = prefix
	}

	cfg.CreateMode = "default"
	if v, ok := get(keyCreateMode); ok && v != "" {
		if v != "default" && v != "recover" {
			p.add(fullKey(keyCreateMode), "must be default or recover, got %q", v)
		}
		cfg.CreateMode = v
	}

	cfg.SKU = DefaultSKU(env)
	if v, ok := get(keySKU); ok && v != "" {
		if v != "standard" && v != "premium" {
			p.add(fullKey(keySKU), "must be standard or premium, got %q", v)
		}
		cfg.SKU = v
	}

	if v, ok := get(keyAllowedIPRanges); ok {
		var ranges []string
		if err := strictJSON(v, &ranges); err != nil {
			p.add(fullKey(keyAllowedIPRanges), "must be a list of IPv4 addresses or CIDR ranges: %v", err)
		}
		seen := map[string]bool{}
		for i, r := range ranges {
			k := fmt.Sprintf("%s[%d]", fullKey(keyAllowedIPRanges), i)
			if rule := ipRangeProblem(r); rule != "" {
				p.add(k, "%s, got %q", rule, r)
			}
			if seen[r] {
				p.add(k, "duplicates %q", r)
			}
			seen[r] = true
		}
		cfg.AllowedIPRanges = ranges
	}
	cfg.PublicNetworkAccess = "Disabled"
	if len(cfg.AllowedIPRanges) > 0 {
		cfg.PublicNetworkAccess = "Enabled"
	}
	if v, ok := get(keyPublicNetworkAccess); ok && v != "" {
		switch {
		case v != "Disabled" && v != "Enabled":
			p.add(fullKey(keyPublicNetworkAccess), "must be Disabled or Enabled, got %q", v)
		case v == "Disabled" && len(cfg.AllowedIPRanges) > 0:
			// Contradictory rather than insecure: the rules would never apply.
			p.add(fullKey(keyPublicNetworkAccess), "is Disabled but allowedIpRanges is set; remove one of them")
		default:
			// Enabled without an allow-list is accepted (the firewall still denies by default);
			// whether that is acceptable is KV-004's call, not the config loader's.
			cfg.PublicNetworkAccess = v
		}
	}
	cfg.NetworkDefaultAction = "Deny"
	if v, ok := get(keyNetworkDefault); ok && v != "" {
		if v != "Deny" && v != "Allow" {
			p.add(fullKey(keyNetworkDefault), "must be Deny or Allow, got %q", v)
		} else {
			// Allow is insecure but well formed: KV-004 judges it, as with publicNetworkAccess.
			cfg.NetworkDefaultAction = v
		}
	}

	cfg.LogRetentionDays = DefaultLogRetentionDays(env)
	if v, ok := get(keyLogRetentionDays); ok && v != "" && v != "0" {
		n, err := strconv.Atoi(v)
		switch {
		case err != nil:
			p.add(fullKey(keyLogRetentionDays), "must be an integer number of days, got %q", v)
		case n < 30 || n > 730:
			p.add(fullKey(keyLogRetentionDays), "must be between 30 and 730 days, got %d", n)
		default:
			cfg.LogRetentionDays = n
		}
	}

	cfg.Tags = map[string]string{}
	if v, ok := get(keyTags); ok {
		var tags map[string]string
		if err := strictJSON(v, &tags); err != nil {
			p.add(fullKey(keyTags), "must be an object of string tag names to string values: %v", err)
		}
		for _, k := range sortedKeys(tags) {
			tk := fmt.Sprintf("%s.%s", fullKey(keyTags), k)
			switch {
			case slices.Contains(ReservedTags, strings.ToLower(k)):
				p.add(tk, "is set from typed config; remove it from tags (reserved: %s)", strings.Join(ReservedTags, ", "))
			case k == "" || len(k) > 512 || strings.ContainsAny(k, tagKeyForbidden):
				p.add(tk, "tag names must be 1-512 characters without any of %s", tagKeyForbidden)
			case len(tags[k]) > 256:
				p.add(tk, "tag values must be at most 256 characters, got %d", len(tags[k]))
			}
			cfg.Tags[k] = tags[k]
		}
	}

	if v, ok := get(keyTenantID); ok && v != "" {
		if !IsGUID(v) {
			p.add(fullKey(keyTenantID), "must be a GUID, got %q", v)
		}
		cfg.TenantID = v
	}
	if v, ok := get(keySubscriptionID); ok && v != "" {
		if !IsGUID(v) {
			p.add(fullKey(keySubscriptionID), "must be a GUID, got %q", v)
		}
		cfg.SubscriptionID = v
	}

	if v, ok := get(keyOperatorGroupIDs); ok {
		var ids []string
		if err := strictJSON(v, &ids); err != nil {
			p.add(fullKey(keyOperatorGroupIDs), "must be a list of Entra group object ids: %v", err)
		}
		seen := map[string]bool{}
		for i, id := range ids {
			k := fmt.Sprintf("%s[%d]", fullKey(keyOperatorGroupIDs), i)
			if !IsGUID(id) {
				p.add(k, "must be a GUID (an Entra group object id), got %q", id)
			}
			if seen[strings.ToLower(id)] {
				p.add(k, "duplicates %q", id)
			}
			seen[strings.ToLower(id)] = true
		}
		cfg.OperatorGroupIDs = ids
	}

	cfg.Secrets = parseSecrets(values, secretKeys, &p)
	cfg.Applications = parseApplications(values, cfg.Secrets, &p)

	if len(p.list) > 0 {
		return nil, &ConfigError{Problems: p.list}
	}
	return cfg, nil
}

// yamlTimestampDate recognises what an unquoted `expires: 2027-01-01` becomes: YAML reads it
// as a timestamp, which reaches the program as "2027-01-01T00:00:00Z". It returns the date the
// user wrote.
func yamlTimestampDate(v string) (string, bool) {
	d, ok := strings.CutSuffix(v, "T00:00:00Z")
	if !ok {
		return "", false
	}
	if _, err := time.Parse(time.DateOnly, d); err != nil {
		return "", false
	}
	return d, true
}

type secretEntry struct {
	Name        string `json:"name"`
	ContentType string `json:"contentType"`
	Expires     string `json:"expires"`
}

func parseSecrets(values map[string]string, secretKeys []string, p *problems) []SecretConfig {
	var entries []secretEntry
	if v, ok := values[fullKey(keySecrets)]; ok {
		if err := strictJSON(v, &entries); err != nil {
			p.add(fullKey(keySecrets), "must be a list of {name, contentType, expires}: %v", err)
		}
	}
	var out []SecretConfig
	seen := map[string]bool{}
	for i, e := range entries {
		k := fmt.Sprintf("%s[%d]", fullKey(keySecrets), i)
		if !secretNameRe.MatchString(e.Name) {
			p.add(k+".name", "must be 1-127 letters, digits and hyphens, got %q", e.Name)
		}
		if seen[strings.ToLower(e.Name)] {
			p.add(k+".name", "duplicates secret %q (Key Vault names are case-insensitive)", e.Name)
		}
		seen[strings.ToLower(e.Name)] = true

		ct := e.ContentType
		if ct == "" {
			ct = DefaultContentType
		} else if !contentTypeRe.MatchString(ct) {
			p.add(k+".contentType", "must be 1-255 printable ASCII characters, got %q", ct)
		}

		var at time.Time
		if e.Expires == "" {
			p.add(k+".expires", "is required: an explicit date YYYY-MM-DD (never computed from the clock, so previews do not drift)")
		} else if t, err := time.Parse(time.DateOnly, e.Expires); err != nil {
			if d, ok := yamlTimestampDate(e.Expires); ok {
				p.add(k+".expires", "must be a date in the form YYYY-MM-DD, got a YAML timestamp; quote the date: %q", d)
			} else {
				p.add(k+".expires", "must be a date in the form YYYY-MM-DD, got %q", e.Expires)
			}
		} else if t.Before(minExpiry) || !t.Before(maxExpiry) {
			p.add(k+".expires", "must be between %s and %s, got %q", minExpiry.Format(time.DateOnly), maxExpiry.AddDate(0, 0, -1).Format(time.DateOnly), e.Expires)
		} else {
			at = t
		}

		valueKey := fullKey(SecretValueKeyPrefix + e.Name)
		raw, has := values[valueKey]
		switch {
		case !has || raw == "":
			p.add(valueKey, "has no value for secret %q; set it with `pulumi config set --secret %s%s`", e.Name, SecretValueKeyPrefix, e.Name)
		case secretKeys != nil && !slices.Contains(secretKeys, valueKey):
			p.add(valueKey, "is stored in plaintext; set it with `pulumi config set --secret %s%s`", SecretValueKeyPrefix, e.Name)
		}
		out = append(out, SecretConfig{Name: e.Name, ContentType: ct, Expires: e.Expires, ExpiresAt: at, Value: NewSecretValue(raw)})
	}

	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, e.Name)
	}
	p.orphanSecretValues(values, names)
	return out
}

// orphanSecretValues reports secret value keys no declared secret reads: a typo or a leftover
// ("secret-db-conection"), whose value would otherwise be passed over unseen.
func (p *problems) orphanSecretValues(values map[string]string, declared []string) {
	var orphans []string
	for k, v := range values {
		if v != "" && IsSecretValueKey(k) && !slices.Contains(declared, strings.TrimPrefix(k, fullKey(SecretValueKeyPrefix))) {
			orphans = append(orphans, k)
		}
	}
	sort.Strings(orphans)
	for _, k := range orphans {
		p.add(k, "holds a value but no secret named %q is declared in %q", strings.TrimPrefix(k, fullKey(SecretValueKeyPrefix)), fullKey(keySecrets))
	}
}

type applicationEntry struct {
	Name    string          `json:"name"`
	Secrets json.RawMessage `json:"secrets"`
}

func parseApplications(values map[string]string, secrets []SecretConfig, p *problems) []Application {
	v, ok := values[fullKey(keyApplications)]
	if !ok {
		return nil
	}
	var entries []applicationEntry
	if err := strictJSON(v, &entries); err != nil {
		p.add(fullKey(keyApplications), "must be a list of {name, secrets}: %v", err)
	}
	known := make([]string, 0, len(secrets))
	for _, s := range secrets {
		known = append(known, s.Name)
	}
	var out []Application
	seen := map[string]bool{}
	for i, e := range entries {
		k := fmt.Sprintf("%s[%d]", fullKey(keyApplications), i)
		if len(e.Name) < 2 || len(e.Name) > 40 || !appNameRe.MatchString(e.Name) {
			p.add(k+".name", "must be 2-40 lowercase letters, digits and single hyphens, starting with a letter, got %q", e.Name)
		}
		if seen[e.Name] {
			p.add(k+".name", "duplicates application %q", e.Name)
		}
		seen[e.Name] = true

		app := Application{Name: e.Name}
		var all string
		var list []string
		switch {
		case len(e.Secrets) == 0 || string(e.Secrets) == "null":
			p.add(k+".secrets", "is required: a list of secret names, or %q for every secret", AllSecrets)
		case json.Unmarshal(e.Secrets, &all) == nil:
			if all != AllSecrets {
				p.add(k+".secrets", "must be a list of secret names or %q, got %q", AllSecrets, all)
			}
			app.Secrets = []string{AllSecrets}
		case json.Unmarshal(e.Secrets, &list) == nil:
			if len(list) == 0 {
				p.add(k+".secrets", "must grant at least one secret (or %q)", AllSecrets)
			}
			granted := map[string]bool{}
			for j, s := range list {
				sk := fmt.Sprintf("%s.secrets[%d]", k, j)
				switch {
				case s == AllSecrets:
					p.add(sk, "%q must be the whole value (secrets: %q), not a list entry", AllSecrets, AllSecrets)
				case !slices.Contains(known, s):
					p.add(sk, "grants unknown secret %q (declared: %s)", s, strings.Join(known, ", "))
				case granted[s]:
					p.add(sk, "grants %q twice", s)
				}
				granted[s] = true
			}
			app.Secrets = list
		default:
			p.add(k+".secrets", "must be a list of secret names or %q", AllSecrets)
		}
		out = append(out, app)
	}
	return out
}

// strictJSON decodes a structured config value, rejecting unknown fields so that a misspelt
// field ("expiry" for "expires") is an error instead of a silently missing value.
func strictJSON(raw string, into any) error {
	dec := json.NewDecoder(bytes.NewReader([]byte(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(into); err != nil {
		return fmt.Errorf("decode: %w", err)
	}
	if dec.More() {
		return fmt.Errorf("decode: trailing data after the value")
	}
	return nil
}

func ipRangeProblem(r string) string {
	var pfx netip.Prefix
	if strings.Contains(r, "/") {
		var err error
		if pfx, err = netip.ParsePrefix(r); err != nil {
			return "must be an IPv4 address or CIDR range"
		}
		if pfx.Masked() != pfx {
			return "must be a CIDR range with no host bits set"
		}
	} else {
		a, err := netip.ParseAddr(r)
		if err != nil {
			return "must be an IPv4 address or CIDR range"
		}
		pfx = netip.PrefixFrom(a, a.BitLen())
	}
	a := pfx.Addr()
	switch {
	case !a.Is4():
		return "must be IPv4 (Key Vault firewall rules take IPv4 only)"
	case a.IsPrivate() || a.IsLoopback() || a.IsUnspecified() || a.IsLinkLocalUnicast():
		return "must be a public address (private networks reach the vault through private endpoints)"
	}
	return ""
}

// IsGUID reports whether s is a GUID in the 8-4-4-4-12 form.
func IsGUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	_, err := uuid.Parse(s)
	return err == nil
}

// DefaultSKU is premium (HSM-backed keys) for prod and standard elsewhere.
func DefaultSKU(env string) string {
	if env == EnvProd {
		return "premium"
	}
	return "standard"
}

// DefaultLogRetentionDays follows the audit needs of each environment (DIAG-004: prod 365).
func DefaultLogRetentionDays(env string) int {
	switch env {
	case EnvProd:
		return 365
	case EnvStaging:
		return 90
	default:
		return 30
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
