package analyzer

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"google.golang.org/protobuf/types/known/structpb"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"github.com/kvguard/kvguard/internal/engine"
	"github.com/kvguard/kvguard/internal/model"
	"github.com/kvguard/kvguard/internal/source"
)

// phase says which call a diagnostic answers, because an unknown value means something
// different before the update (it will be known) and after a preview (it is not known yet).
type phase int

const (
	phaseResource phase = iota // Analyze: one resource's inputs
	phaseStack                 // AnalyzeStack: the whole stack's outputs
)

// minRedactLen is the shortest secret value scrubbed from messages; shorter ones ("", "1",
// "yes") would mangle every message while revealing almost nothing.
const minRedactLen = 4

// resourceFromRequest turns one resource of an analyzer request into the model, through the
// same PropertyMap walker the planner uses (secrets and unknowns removed, paths recorded). It
// also returns the secret string values found, so messages can be checked against them.
func resourceFromRequest(
	op, urn, typ, name string,
	props *structpb.Struct,
	opts *pulumirpc.AnalyzerResourceOptions,
	provider *pulumirpc.AnalyzerProviderResource,
	parent string,
	deps []string,
	propDeps map[string]*pulumirpc.AnalyzerPropertyDependencies,
) (model.Resource, []string, error) {
	pm, err := plugin.UnmarshalProperties(props, plugin.MarshalOptions{
		Label:            "analyzer." + urn,
		KeepUnknowns:     true,
		KeepSecrets:      true,
		KeepResources:    true,
		KeepOutputValues: true,
	})
	if err != nil {
		return model.Resource{}, nil, fmt.Errorf("resource %q: properties: %w", urn, err)
	}
	if parent == "" {
		parent = opts.GetParent()
	}
	er := source.EngineResource{
		Op:     op,
		URN:    urn,
		Type:   typ,
		Name:   name,
		Custom: isCustom(typ, provider),
		Parent: parent,
		// The engine sends no resource id; relations resolve through propertyDependencies.
		Protect:              opts.GetProtect(),
		Dependencies:         deps,
		PropertyDependencies: map[string][]string{},
		Properties:           pm,
	}
	if provider != nil {
		er.Provider = provider.GetUrn()
	}
	for k, v := range propDeps {
		if len(v.GetUrns()) > 0 {
			er.PropertyDependencies[k] = append([]string{}, v.GetUrns()...)
		}
	}
	res, err := source.FromEngineResource(er)
	if err != nil {
		return model.Resource{}, nil, err
	}
	return res, secretStrings(pm), nil
}

// isCustom guesses whether a resource is a custom (provider-managed) resource: the protocol
// does not say, but the engine attaches a provider to every custom resource and to none of the
// components, and providers themselves are custom.
func isCustom(typ string, provider *pulumirpc.AnalyzerProviderResource) bool {
	if strings.HasPrefix(typ, "pulumi:providers:") {
		return true
	}
	if typ == "pulumi:pulumi:Stack" {
		return false
	}
	return provider != nil && (provider.GetUrn() != "" || provider.GetType() != "")
}

// secretStrings collects every string held under a secret mark in pm.
func secretStrings(pm resource.PropertyMap) []string {
	var out []string
	var walk func(v resource.PropertyValue, secret bool)
	walk = func(v resource.PropertyValue, secret bool) {
		switch {
		case v.IsSecret():
			walk(v.SecretValue().Element, true)
		case v.IsOutput():
			o := v.OutputValue()
			walk(o.Element, secret || o.Secret)
		case v.IsString():
			if secret {
				out = append(out, v.StringValue())
			}
		case v.IsArray():
			for _, e := range v.ArrayValue() {
				walk(e, secret)
			}
		case v.IsObject():
			for _, e := range v.ObjectValue() {
				walk(e, secret)
			}
		}
	}
	for _, v := range pm {
		walk(v, false)
	}
	return out
}

// splitStackURN returns the stack and project of a URN.
func splitStackURN(urn string) (stack, project string, ok bool) {
	u, err := resource.ParseURN(urn)
	if err != nil || !u.IsValid() {
		return "", "", false
	}
	return u.Stack().String(), u.Project().String(), true
}

// response maps engine results to diagnostics: fail at its level, unverifiable and excepted
// as advisory, not-applicable as PolicyNotApplicable; pass says nothing.
func (s *Server) response(rep *engine.Report, doc *model.Document, results []engine.Result, ph phase, secrets []string) *pulumirpc.AnalyzeResponse {
	secretPaths := map[string][]string{}
	for _, r := range doc.Resources {
		secretPaths[r.URN] = r.Secret
	}
	byID := map[string]engine.Policy{}
	for _, p := range rep.Policies {
		byID[p.ID] = p.Policy
	}
	resp := &pulumirpc.AnalyzeResponse{}
	notApplicable := map[string]bool{}
	for _, r := range results {
		p := byID[r.PolicyID]
		var lvl engine.Level
		var msg string
		switch r.Status {
		case engine.StatusFail:
			lvl, msg = r.Level, r.Message
			if lvl == engine.LevelDisabled {
				continue
			}
		case engine.StatusUnverifiable:
			lvl, msg = engine.LevelAdvisory, unverifiableMessage(r, ph, secretPaths[r.URN])
		case engine.StatusExcepted:
			lvl = engine.LevelAdvisory
			msg = fmt.Sprintf("Excepted by the kvguard exceptions file (%s): %s", r.Exception, r.Message)
		case engine.StatusNotApplicable:
			notApplicable[r.PolicyID] = true
			continue
		default:
			continue
		}
		if p.RecommendedAction != "" && r.Status != engine.StatusUnverifiable {
			msg += "\nRecommended action: " + p.RecommendedAction
		}
		resp.Diagnostics = append(resp.Diagnostics, &pulumirpc.AnalyzeDiagnostic{
			PolicyName:        r.PolicyID,
			PolicyPackName:    PackName,
			PolicyPackVersion: s.version,
			Description:       p.Title,
			Message:           redact(msg, secrets),
			EnforcementLevel:  rpcLevel(lvl),
			Urn:               r.URN,
			Severity:          rpcSeverity(p.Severity),
		})
	}
	ids := make([]string, 0, len(notApplicable))
	for id := range notApplicable {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		resp.NotApplicable = append(resp.NotApplicable, &pulumirpc.PolicyNotApplicable{
			PolicyName: id,
			Reason:     fmt.Sprintf("disabled for stack %q", rep.Stack),
		})
	}
	return resp
}

// unverifiableMessage says which value could not be read and whether kvguard looks again: an
// unknown value is checked once the update has run, a Pulumi secret never is.
func unverifiableMessage(r engine.Result, ph phase, secretPaths []string) string {
	paths := strings.Split(r.Path, ", ")
	secret := 0
	for _, p := range paths {
		if slices.ContainsFunc(secretPaths, func(s string) bool { return p == s || strings.HasPrefix(p, s+".") }) {
			secret++
		}
	}
	if r.Path != "" && secret == len(paths) {
		return fmt.Sprintf("%s cannot be verified for %q: %s is kept as a Pulumi secret, which the policies never read, so no later run checks it either.",
			r.PolicyID, r.ResourceName, quotePaths(r.Path))
	}
	reason := "is not known until the update runs"
	if secret > 0 {
		reason = "is not known until the update runs, or kept as a Pulumi secret"
	}
	what := fmt.Sprintf("%s cannot be verified for %q yet: %s %s.", r.PolicyID, r.ResourceName, quotePaths(r.Path), reason)
	if ph == phaseResource {
		return what + " kvguard runs this policy again over the stack's outputs after the update (AnalyzeStack)."
	}
	return what + " It is checked when the stack is analyzed after `pulumi up`, or with " +
		"`pulumi policy analyze` or `kvguard check` on the stack export."
}

// quotePaths renders "a, b" as "'properties.a', 'b'".
func quotePaths(paths string) string {
	if paths == "" {
		return "a value it needs"
	}
	parts := strings.Split(paths, ", ")
	for i, p := range parts {
		parts[i] = "'" + p + "'"
	}
	return strings.Join(parts, ", ")
}

// expiredDiagnostics reports each exception whose date has passed: it no longer waives
// anything, and the team should renew or delete it.
func (s *Server) expiredDiagnostics(rep *engine.Report) []*pulumirpc.AnalyzeDiagnostic {
	var out []*pulumirpc.AnalyzeDiagnostic
	for _, ex := range rep.ExpiredExceptions {
		out = append(out, &pulumirpc.AnalyzeDiagnostic{
			PolicyName:        ex.Policy,
			PolicyPackName:    PackName,
			PolicyPackVersion: s.version,
			Description:       "Expired kvguard exception",
			Message: fmt.Sprintf("The exception for %s (%s) expired on %s and no longer applies; renew or remove it in %q.",
				ex.Policy, strings.Join(ex.URNs, ", "), ex.Expires, s.exceptionsFile),
			EnforcementLevel: pulumirpc.EnforcementLevel_ADVISORY,
		})
	}
	return out
}

// redact replaces every secret value in msg. Policies never see secret values (the model drops
// them), so this only guards against a future message that echoes an input.
func redact(msg string, secrets []string) string {
	for _, v := range secrets {
		if len(v) >= minRedactLen && strings.Contains(msg, v) {
			msg = strings.ReplaceAll(msg, v, "[secret]")
		}
	}
	return msg
}
