package analyzer

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"github.com/kvguard/kvguard/internal/engine"
)

// configName is how config errors name the --policy-pack-config input: Pulumi reads the file
// and sends its content, so the plugin never learns the file's path.
const configName = "--policy-pack-config"

// GetAnalyzerInfo describes every policy: id as name, title as display name, description,
// severity, the level it has for the configured stack (or the base level before the stack is
// known) and its settings schema. Schema defaults are left out on purpose: Pulumi copies a
// schema default into the config it sends back, which would hide the prod profile's defaults.
func (s *Server) GetAnalyzerInfo(context.Context, *emptypb.Empty) (*pulumirpc.AnalyzerInfo, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	profile := s.profile()
	advertised := map[string]engine.Level{}
	var infos []*pulumirpc.PolicyInfo
	for _, p := range sortedPolicies(s.eng.Policies()) {
		lvl := engine.LevelFor(p, profile, engine.PackConfig{})
		advertised[p.ID] = lvl
		schema, err := configSchema(p)
		if err != nil {
			return nil, status.Errorf(codes.Internal, "policy %q: %v", p.ID, err)
		}
		ptype := pulumirpc.PolicyType_POLICY_TYPE_RESOURCE
		if p.Relational {
			ptype = pulumirpc.PolicyType_POLICY_TYPE_STACK
		}
		infos = append(infos, &pulumirpc.PolicyInfo{
			Name:             p.ID,
			DisplayName:      p.Title,
			Description:      p.Description,
			Message:          p.RecommendedAction,
			EnforcementLevel: rpcLevel(lvl),
			ConfigSchema:     schema,
			PolicyType:       ptype,
			Severity:         rpcSeverity(p.Severity),
			RemediationSteps: p.RecommendedAction,
			Tags:             []string{strings.ToLower(strings.SplitN(p.ID, "-", 2)[0])},
		})
	}
	s.advertised = advertised
	return &pulumirpc.AnalyzerInfo{
		Name:           PackName,
		DisplayName:    "kvguard: Azure Key Vault secret store guard",
		Version:        s.version,
		SupportsConfig: true,
		Policies:       infos,
		Description: "Least privilege, expiry and vault hardening for Azure Key Vault secret stores, " +
			"evaluated by the same Rego policies as `kvguard check`.",
		Provider: "azure-native",
		Tags:     []string{"azure", "keyvault", "rbac", "secrets"},
	}, nil
}

// configSchema turns a policy's METADATA settings into the JSON schema Pulumi validates
// --policy-pack-config against, without defaults (see GetAnalyzerInfo).
func configSchema(p engine.Policy) (*pulumirpc.PolicyConfigSchema, error) {
	if len(p.Config) == 0 {
		return nil, nil
	}
	props := map[string]any{}
	for name, setting := range p.Config {
		prop := map[string]any{}
		if t, ok := setting["type"].(string); ok {
			prop["type"] = t
		}
		for _, k := range engine.SettingConstraints {
			if v, ok := setting[k]; ok {
				prop[k] = v
			}
		}
		desc, _ := setting["description"].(string)
		if def, ok := setting["default"]; ok {
			desc += fmt.Sprintf(" Default: %s.", compactJSON(def))
		}
		if prod, ok := setting["prod"]; ok {
			desc += fmt.Sprintf(" Default for prod stacks: %s.", compactJSON(prod))
		}
		prop["description"] = strings.TrimSpace(desc)
		props[name] = prop
	}
	st, err := structpb.NewStruct(jsonSafe(props).(map[string]any))
	if err != nil {
		return nil, fmt.Errorf("config schema: %w", err)
	}
	return &pulumirpc.PolicyConfigSchema{Properties: st}, nil
}

// Configure takes the policy config Pulumi reconciled from --policy-pack-config: every policy
// with a level, plus the settings the file gave. It is validated by the engine exactly as
// `kvguard check --policy-pack-config` validates the file; an unknown policy id, an unknown
// setting or a wrong type is an error, which stops the preview or update.
//
// Pulumi sends a level for every policy, file or not; a level equal to the one GetAnalyzerInfo
// advertised is taken as no override, so the stack's profile still picks prod levels.
func (s *Server) Configure(_ context.Context, req *pulumirpc.ConfigureAnalyzerRequest) (*emptypb.Empty, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	advertised := s.advertised
	if advertised == nil {
		advertised = map[string]engine.Level{}
		profile := s.profile()
		for _, p := range s.eng.Policies() {
			advertised[p.ID] = engine.LevelFor(p, profile, engine.PackConfig{})
		}
	}
	// With "all" in the file Pulumi has already applied it and the file's own entries to every
	// policy, so each level it sends is the user's and is kept as it is.
	_, hasAll := req.GetPolicyConfig()["all"]
	file := map[string]any{}
	names := make([]string, 0, len(req.GetPolicyConfig()))
	for name := range req.GetPolicyConfig() {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		pc := req.GetPolicyConfig()[name]
		lvl, err := modelLevel(pc.GetEnforcementLevel())
		if err != nil {
			return nil, status.Errorf(codes.InvalidArgument, "%s: at %q: %v", configName, name, err)
		}
		if name == "all" {
			file[name] = string(lvl)
			continue
		}
		entry := map[string]any{}
		for k, v := range pc.GetProperties().AsMap() {
			entry[k] = v
		}
		if adv, ok := advertised[name]; hasAll || !ok || adv != lvl {
			entry["enforcementLevel"] = string(lvl)
		}
		if len(entry) > 0 {
			file[name] = entry
		}
	}
	data, err := json.Marshal(file)
	if err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "%s: %v", configName, err)
	}
	cfg, err := engine.ParsePackConfig(configName, data)
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	if err := s.eng.ValidateConfig(cfg); err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	s.config = cfg
	return &emptypb.Empty{}, nil
}

// rpcLevel maps an engine level to the protocol's.
func rpcLevel(l engine.Level) pulumirpc.EnforcementLevel {
	switch l {
	case engine.LevelMandatory:
		return pulumirpc.EnforcementLevel_MANDATORY
	case engine.LevelDisabled:
		return pulumirpc.EnforcementLevel_DISABLED
	default:
		return pulumirpc.EnforcementLevel_ADVISORY
	}
}

// modelLevel maps the protocol's level to the engine's; kvguard has no remediations.
func modelLevel(l pulumirpc.EnforcementLevel) (engine.Level, error) {
	switch l {
	case pulumirpc.EnforcementLevel_MANDATORY:
		return engine.LevelMandatory, nil
	case pulumirpc.EnforcementLevel_ADVISORY:
		return engine.LevelAdvisory, nil
	case pulumirpc.EnforcementLevel_DISABLED:
		return engine.LevelDisabled, nil
	}
	return "", fmt.Errorf("expected an enforcement level: one of \"mandatory\", \"advisory\", \"disabled\" (kvguard has no remediations), got %q",
		strings.ToLower(l.String()))
}

// rpcSeverity maps METADATA severity to the protocol's.
func rpcSeverity(s string) pulumirpc.PolicySeverity {
	switch strings.ToUpper(s) {
	case "LOW":
		return pulumirpc.PolicySeverity_POLICY_SEVERITY_LOW
	case "MEDIUM":
		return pulumirpc.PolicySeverity_POLICY_SEVERITY_MEDIUM
	case "HIGH":
		return pulumirpc.PolicySeverity_POLICY_SEVERITY_HIGH
	case "CRITICAL":
		return pulumirpc.PolicySeverity_POLICY_SEVERITY_CRITICAL
	}
	return pulumirpc.PolicySeverity_POLICY_SEVERITY_UNSPECIFIED
}

// compactJSON renders a setting value for a description.
func compactJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// jsonSafe round-trips v through JSON so structpb accepts it (int64, []string and nested
// typed maps become float64, []any and map[string]any).
func jsonSafe(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return v
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		return v
	}
	return out
}
