package engine

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"

	"github.com/kvguard/kvguard/internal/jsonscan"
)

// ConfigError reports bad user input in a config or exceptions file: the file, the path
// inside it and what was expected there. It never quotes the offending value, which may be
// a secret pasted in the wrong place. The CLI maps it to exit code 2.
type ConfigError struct {
	File string
	Path string
	// Problem, when set, says what is wrong before what was expected. It only ever quotes
	// numeric settings that already passed their type check (contradictory settings), never
	// free text.
	Problem  string
	Expected string
}

// Error reads `"pack.json": at "SEC-002.maxValidityDays": expected an integer`, or with a
// Problem `"pack.json": at "KV-001.minRetentionDays": 90 is more than
// KV-001.maxRetentionDays (7); expected minRetentionDays <= maxRetentionDays`.
func (e *ConfigError) Error() string {
	expected := "expected " + e.Expected
	if e.Problem != "" {
		expected = e.Problem + "; " + expected
	}
	if e.Path == "" {
		return fmt.Sprintf("%q: %s", e.File, expected)
	}
	return fmt.Sprintf("%q: at %q: %s", e.File, e.Path, expected)
}

// PackConfig is a parsed `pulumi up --policy-pack-config` file. Its zero value means no
// config: every policy at its default level with its default settings.
type PackConfig struct {
	// File names the file the config came from, for error messages.
	File string
	// All is the level the "all" key sets for every policy; empty when absent.
	All Level
	// Policies holds the per-policy entries keyed by policy id.
	Policies map[string]PolicyConfig
}

// PolicyConfig is one policy's entry: a level and/or settings.
type PolicyConfig struct {
	// Level is the entry's enforcementLevel; empty when only settings are given.
	Level Level
	// Settings are the entry's other keys, validated against the policy's METADATA config.
	Settings map[string]any
}

const levelsExpected = "an enforcement level: one of \"mandatory\", \"advisory\", \"disabled\""

// ParsePackConfig parses the JSON Pulumi takes with --policy-pack-config: keys are policy ids
// or "all"; a value is a level string or an object with "enforcementLevel" and settings.
// It checks the shape only; (*Engine).ValidateConfig checks ids, settings and types against
// the catalogue (Evaluate calls it). A leading UTF-8 byte order mark is ignored; a key given
// twice in one object, at any depth, is an error (encoding/json would keep the last silently).
func ParsePackConfig(name string, data []byte) (PackConfig, error) {
	cfg := PackConfig{File: name, Policies: map[string]PolicyConfig{}}
	data = jsonscan.StripBOM(data)
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var raw any
	if err := dec.Decode(&raw); err != nil {
		return PackConfig{}, jsonError(name, data, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return PackConfig{}, &ConfigError{File: name, Expected: "a single JSON object and nothing after it"}
	}
	top, ok := raw.(map[string]any)
	if !ok {
		return PackConfig{}, &ConfigError{File: name, Expected: "a JSON object keyed by policy id or \"all\""}
	}
	// encoding/json keeps the last of two equal keys; a second entry for a policy, or a second
	// value for a setting, is a merge mistake that would silently win.
	if dup, ok := jsonscan.DuplicateKey(data); ok {
		exp := keyOnce
		if !strings.ContainsAny(dup, ".[") { // a top-level key: a policy id or "all"
			exp = "one entry per policy, given twice"
		}
		return PackConfig{}, &ConfigError{File: name, Path: dup, Expected: exp}
	}
	keys := sortedKeys(top)
	for _, key := range keys {
		v := top[key]
		if key == "all" {
			lvl, settings, err := parseEntry(name, key, v)
			if err != nil {
				return PackConfig{}, err
			}
			if len(settings) > 0 {
				return PackConfig{}, &ConfigError{File: name, Path: "all." + sortedKeys(settings)[0], Expected: "only \"enforcementLevel\" under \"all\""}
			}
			if lvl == "" {
				return PackConfig{}, &ConfigError{File: name, Path: "all", Expected: levelsExpected}
			}
			cfg.All = lvl
			continue
		}
		lvl, settings, err := parseEntry(name, key, v)
		if err != nil {
			return PackConfig{}, err
		}
		cfg.Policies[key] = PolicyConfig{Level: lvl, Settings: settings}
	}
	return cfg, nil
}

func parseEntry(file, key string, v any) (Level, map[string]any, error) {
	switch x := v.(type) {
	case string:
		lvl, ok := parseLevel(x)
		if !ok {
			return "", nil, &ConfigError{File: file, Path: key, Expected: levelsExpected}
		}
		return lvl, nil, nil
	case map[string]any:
		var lvl Level
		settings := map[string]any{}
		for k, sv := range x {
			if k != "enforcementLevel" {
				settings[k] = sv
				continue
			}
			s, _ := sv.(string)
			l, ok := parseLevel(s)
			if !ok {
				return "", nil, &ConfigError{File: file, Path: key + ".enforcementLevel", Expected: levelsExpected}
			}
			lvl = l
		}
		return lvl, settings, nil
	default:
		return "", nil, &ConfigError{File: file, Path: key, Expected: "a level string or an object with \"enforcementLevel\" and settings"}
	}
}

// jsonError turns a decoding error into a ConfigError with a line and column.
func jsonError(file string, data []byte, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		// Offset counts the offending byte itself; point at it, not after it.
		line, col := lineCol(data, se.Offset-1)
		return &ConfigError{File: file, Path: fmt.Sprintf("line %d, column %d", line, col), Expected: "valid JSON"}
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return &ConfigError{File: file, Expected: "a JSON object (the file is empty or truncated)"}
	}
	return &ConfigError{File: file, Expected: "valid JSON"}
}

func lineCol(data []byte, off int64) (int, int) {
	if off < 0 {
		off = 0
	}
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	line, col := 1, 1
	for _, b := range data[:off] {
		if b == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return line, col
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// ValidateConfig checks a PackConfig against the catalogue: every key a known policy id,
// every setting declared in that policy's METADATA config, every value of the declared type.
// It does not know the stack's profile, so it cannot check settings that must be ordered;
// ValidateConfigFor (which Evaluate calls) does both.
func (e *Engine) ValidateConfig(cfg PackConfig) error {
	file := configFile(cfg)
	if cfg.All != "" {
		if _, ok := parseLevel(string(cfg.All)); !ok {
			return &ConfigError{File: file, Path: "all", Expected: levelsExpected}
		}
	}
	for _, id := range sortedKeys(cfg.Policies) {
		pc := cfg.Policies[id]
		i, ok := e.byID[id]
		if !ok {
			return &ConfigError{File: file, Path: id, Expected: "a known policy id or \"all\""}
		}
		if pc.Level != "" {
			if _, ok := parseLevel(string(pc.Level)); !ok {
				return &ConfigError{File: file, Path: id + ".enforcementLevel", Expected: levelsExpected}
			}
		}
		p := e.policies[i]
		for _, name := range sortedKeys(pc.Settings) {
			schema, ok := p.Config[name]
			if !ok {
				exp := "no settings: this policy takes only \"enforcementLevel\""
				if len(p.Config) > 0 {
					exp = "\"enforcementLevel\" or one of the policy's settings: " + strings.Join(sortedKeys(p.Config), ", ")
				}
				return &ConfigError{File: file, Path: id + "." + name, Expected: exp}
			}
			if exp := checkSetting(schema, pc.Settings[name]); exp != "" {
				return &ConfigError{File: file, Path: id + "." + name, Expected: exp}
			}
		}
	}
	return nil
}

func configFile(cfg PackConfig) string {
	if cfg.File == "" {
		return "policy pack config"
	}
	return cfg.File
}

// ValidateConfigFor is ValidateConfig plus the settings that only make sense in order
// (settingOrders), compared as the policies will see them in profile: the file's value, else
// the METADATA default for the profile. So a file that sets only KV-001.maxRetentionDays: 30
// is fine for a dev stack (minRetentionDays defaults to 7) and an error for a prod one (90).
// A pair is not checked when either policy is disabled for the profile: its setting then
// constrains nothing.
func (e *Engine) ValidateConfigFor(profile string, cfg PackConfig) error {
	if err := e.ValidateConfig(cfg); err != nil {
		return err
	}
	eff := e.EffectiveSettings(profile, cfg)
	for _, o := range settingOrders {
		lo, loOK := e.orderedValue(eff, o.lo, profile, cfg)
		hi, hiOK := e.orderedValue(eff, o.hi, profile, cfg)
		if !loOK || !hiOK || lo.disabled || hi.disabled || lo.value <= hi.value {
			continue
		}
		expected := o.lo.String() + " <= " + o.hi.String()
		if o.lo.policy == o.hi.policy {
			expected = o.lo.name + " <= " + o.hi.name
		}
		// Point at what the file gave: the lower bound when it gave both (or only that one),
		// else the upper bound. Defaults alone never conflict (TestSettingOrdersExist).
		switch {
		case lo.given:
			return &ConfigError{File: configFile(cfg), Path: o.lo.String(), Expected: expected,
				Problem: fmt.Sprintf("%v is more than %s (%s)", lo.raw, o.hi, hi.describe())}
		case hi.given:
			return &ConfigError{File: configFile(cfg), Path: o.hi.String(), Expected: expected,
				Problem: fmt.Sprintf("%v is less than %s (%s)", hi.raw, o.lo, lo.describe())}
		}
	}
	return nil
}

// settingRef names one setting of one policy.
type settingRef struct{ policy, name string }

func (r settingRef) String() string { return r.policy + "." + r.name }

// settingOrder is a pair of numeric settings where lo above hi leaves nothing that passes
// both checks.
type settingOrder struct{ lo, hi settingRef }

// settingOrders lists every such pair of the policies in policies/ (TestSettingOrdersExist
// keeps it in step with their METADATA). A pair whose settings a catalogue lacks (the test
// fixtures) is skipped.
var settingOrders = []settingOrder{
	// KV-001 fails a vault that keeps deleted data fewer than minRetentionDays or more than
	// maxRetentionDays days: min above max fails every vault.
	{lo: settingRef{"KV-001", "minRetentionDays"}, hi: settingRef{"KV-001", "maxRetentionDays"}},
	// SEC-002 fails a secret that expires more than maxValidityDays ahead and SEC-003 reports
	// one that expires within warnDays: warnDays above maxValidityDays reports every secret
	// SEC-002 accepts.
	{lo: settingRef{"SEC-003", "warnDays"}, hi: settingRef{"SEC-002", "maxValidityDays"}},
}

// orderedSetting is one side of a settingOrder as a policy sees it.
type orderedSetting struct {
	value    float64
	raw      any  // the effective value, for the message
	given    bool // the file sets it
	prod     bool // it is the METADATA prod default
	disabled bool // its policy is disabled for the profile
}

func (s orderedSetting) describe() string {
	switch {
	case s.given:
		return fmt.Sprint(s.raw)
	case s.prod:
		return fmt.Sprintf("%v, its prod default", s.raw)
	}
	return fmt.Sprintf("%v, its default", s.raw)
}

// orderedValue looks r up in the effective settings; false when the catalogue has no such
// numeric setting.
func (e *Engine) orderedValue(eff map[string]map[string]any, r settingRef, profile string, cfg PackConfig) (orderedSetting, bool) {
	i, ok := e.byID[r.policy]
	if !ok {
		return orderedSetting{}, false
	}
	p := e.policies[i]
	schema, ok := p.Config[r.name]
	if !ok {
		return orderedSetting{}, false
	}
	raw := eff[r.policy][r.name]
	f, ok := toFloat(raw)
	if !ok {
		return orderedSetting{}, false
	}
	_, given := cfg.Policies[r.policy].Settings[r.name]
	_, hasProd := schema["prod"]
	return orderedSetting{
		value:    f,
		raw:      raw,
		given:    given,
		prod:     !given && hasProd && profile == ProfileProd,
		disabled: LevelFor(p, profile, cfg) == LevelDisabled,
	}, true
}

// keyOnce is what a key given twice in one object, JSON or YAML, was expected to be.
const keyOnce = "each key once, given twice"

// checkSetting returns "" when v matches the setting schema, else what was expected.
func checkSetting(schema map[string]any, v any) string {
	typ, _ := schema["type"].(string)
	switch typ {
	case "string":
		if _, ok := v.(string); ok {
			return ""
		}
		return "a string"
	case "boolean":
		if _, ok := v.(bool); ok {
			return ""
		}
		return "a boolean"
	case "integer":
		if f, ok := toFloat(v); ok && f == math.Trunc(f) {
			// Beyond 2^53 a JSON number is no longer an exact integer, and beyond int64 the
			// setting would wrap to a negative number of days.
			if math.Abs(f) > maxExactInteger {
				return fmt.Sprintf("an integer from %d to %d", -maxExactInteger, maxExactInteger)
			}
			return checkRange(schema, f, "an integer")
		}
		return "an integer"
	case "number":
		if f, ok := toFloat(v); ok {
			return checkRange(schema, f, "a number")
		}
		return "a number"
	case "array":
		l, ok := v.([]any)
		if !ok {
			return "a list"
		}
		if items, ok := schema["items"].(map[string]any); ok {
			for _, x := range l {
				if exp := checkSetting(items, x); exp != "" {
					return "a list of " + strings.TrimPrefix(strings.TrimPrefix(exp, "an "), "a ") + "s"
				}
			}
		}
		return ""
	case "object":
		if _, ok := v.(map[string]any); ok {
			return ""
		}
		return "an object"
	}
	return "a value of type " + typ
}

// maxExactInteger is the largest integer a JSON number (a float64) holds exactly.
const maxExactInteger = 1<<53 - 1

// checkRange applies the schema's JSON-schema "minimum" and "maximum" (a negative validity
// period would make every secret fail; Azure caps soft delete at 90 days).
func checkRange(schema map[string]any, f float64, what string) string {
	lo, hasLo := toFloat(schema["minimum"])
	hi, hasHi := toFloat(schema["maximum"])
	switch {
	case hasLo && hasHi && (f < lo || f > hi):
		return fmt.Sprintf("%s from %v to %v", what, lo, hi)
	case hasLo && f < lo:
		return fmt.Sprintf("%s of at least %v", what, lo)
	case hasHi && f > hi:
		return fmt.Sprintf("%s of at most %v", what, hi)
	}
	return ""
}

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case float64:
		return x, true
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	}
	return 0, false
}

// normalizeSetting gives numbers one Go type (int64 for integers, float64 otherwise), so
// input.config is the same whether a value came from METADATA YAML or config JSON.
func normalizeSetting(typ any, v any) any {
	switch x := v.(type) {
	case json.Number, int, int64, float64:
		f, _ := toFloat(x)
		if typ == "integer" {
			return int64(f)
		}
		switch n := x.(type) {
		case int:
			return int64(n)
		case int64:
			return n
		case json.Number:
			if i, err := n.Int64(); err == nil {
				return i
			}
		}
		return f
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normalizeSetting(nil, e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = normalizeSetting(nil, e)
		}
		return out
	}
	return v
}
