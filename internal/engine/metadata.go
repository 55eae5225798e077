package engine

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
)

var (
	idPattern = regexp.MustCompile(`^[A-Z]+-[0-9]{3}$`)
	// severities and settingTypes are the closed vocabularies of METADATA.
	severities   = map[string]bool{"LOW": true, "MEDIUM": true, "HIGH": true, "CRITICAL": true}
	settingTypes = map[string]bool{"string": true, "integer": true, "number": true, "boolean": true, "array": true, "object": true}
	// referenceKeys must all be present (as lists, possibly empty) so the generated docs and the
	// SARIF rules have the same columns for every policy.
	referenceKeys = []string{"azure_policy", "mcsb", "checkov", "trivy", "psrule"}
	customKeys    = map[string]bool{
		"id": true, "severity": true, "enforcement": true, "prod_enforcement": true,
		"recommended_action": true, "resource_types": true, "config": true, "references": true,
		"relational": true,
	}
)

// settingBaseKeys are the keys of a setting besides its SettingConstraints.
var settingBaseKeys = []string{"type", "description", "default", "prod"}

// settingKeys are all the keys a setting may have, in the order messages list them.
var settingKeys = append(slices.Clone(settingBaseKeys), SettingConstraints...)

// SettingConstraints are the JSON-schema keywords a setting may carry besides its type. The
// engine enforces them on --config values, and the policy pack passes them on in the schema
// Pulumi validates --policy-pack-config against.
var SettingConstraints = []string{"items", "minimum", "maximum"}

// metaError names the policy file and the METADATA key that is wrong.
func metaError(file, key, expected string) error {
	return fmt.Errorf("policy %q: METADATA %s: expected %s", file, key, expected)
}

// policyFromAnnotation validates a package METADATA block and builds the catalogue entry.
func policyFromAnnotation(file, pkg string, a *ast.Annotations) (Policy, error) {
	p := Policy{Package: pkg, File: file, Title: strings.TrimSpace(a.Title), Description: strings.TrimSpace(a.Description)}
	if p.Title == "" {
		return p, metaError(file, "title", "a non-empty title")
	}
	if p.Description == "" {
		return p, metaError(file, "description", "a non-empty description")
	}
	if len(a.RelatedResources) == 0 {
		return p, metaError(file, "related_resources", "at least one related resource")
	}
	for _, rr := range a.RelatedResources {
		p.Related = append(p.Related, rr.Ref.String())
	}
	c := a.Custom
	if c == nil {
		return p, metaError(file, "custom", "a custom block with id, severity, enforcement, recommended_action, resource_types and references")
	}
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !customKeys[k] {
			return p, metaError(file, "custom."+k, "one of the known keys (id, severity, enforcement, prod_enforcement, recommended_action, resource_types, config, references, relational)")
		}
	}

	id, _ := c["id"].(string)
	if !idPattern.MatchString(id) {
		return p, metaError(file, "custom.id", "an id like \"KV-001\"")
	}
	p.ID = id
	sev, _ := c["severity"].(string)
	if !severities[sev] {
		return p, metaError(file, "custom.severity", "one of LOW, MEDIUM, HIGH, CRITICAL")
	}
	p.Severity = sev
	enf, _ := c["enforcement"].(string)
	if lvl, ok := parseLevel(enf); ok {
		p.Enforcement = lvl
	} else {
		return p, metaError(file, "custom.enforcement", "one of mandatory, advisory, disabled")
	}
	if v, ok := c["prod_enforcement"]; ok {
		s, _ := v.(string)
		lvl, ok := parseLevel(s)
		if !ok {
			return p, metaError(file, "custom.prod_enforcement", "one of mandatory, advisory, disabled")
		}
		p.ProdEnforcement = lvl
	}
	if v, ok := c["relational"]; ok {
		b, isBool := v.(bool)
		if !isBool {
			return p, metaError(file, "custom.relational", "true or false")
		}
		p.Relational = b
	}
	ra, _ := c["recommended_action"].(string)
	if p.RecommendedAction = strings.TrimSpace(ra); p.RecommendedAction == "" {
		return p, metaError(file, "custom.recommended_action", "a non-empty remediation text")
	}
	rt, ok := stringList(c["resource_types"])
	if !ok {
		return p, metaError(file, "custom.resource_types", "a list of Pulumi type tokens")
	}
	for i, t := range rt {
		if strings.Count(t, ":") != 2 {
			return p, metaError(file, fmt.Sprintf("custom.resource_types[%d]", i), "a Pulumi type token like \"azure-native:keyvault:Vault\"")
		}
	}
	p.ResourceTypes = rt

	refs, ok := c["references"].(map[string]any)
	if !ok {
		return p, metaError(file, "custom.references", "an object with lists azure_policy, mcsb, checkov, trivy, psrule")
	}
	p.References = map[string]any{}
	for _, k := range referenceKeys {
		l, ok := stringList(refs[k])
		if !ok {
			return p, metaError(file, "custom.references."+k, "a list of strings (may be empty)")
		}
		p.References[k] = l
	}
	for k := range refs {
		if _, ok := p.References[k]; !ok {
			return p, metaError(file, "custom.references."+k, "one of azure_policy, mcsb, checkov, trivy, psrule")
		}
	}

	if raw, ok := c["config"]; ok {
		cfg, ok := raw.(map[string]any)
		if !ok {
			return p, metaError(file, "custom.config", "an object of settings {name: {type, description, default, prod}}")
		}
		p.Config = map[string]map[string]any{}
		for name, sv := range cfg {
			key := "custom.config." + name
			s, ok := sv.(map[string]any)
			if !ok {
				return p, metaError(file, key, "an object with type, description, default and optional prod")
			}
			for k := range s {
				if !slices.Contains(settingKeys, k) {
					return p, metaError(file, key+"."+k, "one of "+strings.Join(settingKeys, ", "))
				}
			}
			typ, _ := s["type"].(string)
			if !settingTypes[typ] {
				return p, metaError(file, key+".type", "one of string, integer, number, boolean, array, object")
			}
			if d, _ := s["description"].(string); strings.TrimSpace(d) == "" {
				return p, metaError(file, key+".description", "a non-empty description")
			}
			def, ok := s["default"]
			if !ok {
				return p, metaError(file, key+".default", "a default value")
			}
			if exp := checkSetting(s, def); exp != "" {
				return p, metaError(file, key+".default", exp)
			}
			entry := map[string]any{"type": typ, "description": s["description"], "default": normalizeSetting(typ, def)}
			for _, k := range SettingConstraints {
				if v, ok := s[k]; ok {
					entry[k] = v
				}
			}
			if prod, ok := s["prod"]; ok {
				if exp := checkSetting(s, prod); exp != "" {
					return p, metaError(file, key+".prod", exp)
				}
				entry["prod"] = normalizeSetting(typ, prod)
			}
			p.Config[name] = entry
		}
	}
	return p, nil
}

func parseLevel(s string) (Level, bool) {
	switch Level(s) {
	case LevelMandatory, LevelAdvisory, LevelDisabled:
		return Level(s), true
	}
	return "", false
}

func stringList(v any) ([]string, bool) {
	l, ok := v.([]any)
	if !ok {
		return nil, false
	}
	out := make([]string, 0, len(l))
	for _, x := range l {
		s, ok := x.(string)
		if !ok {
			return nil, false
		}
		out = append(out, s)
	}
	return out, true
}
