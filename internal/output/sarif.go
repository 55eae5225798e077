package output

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"strings"
	"unicode"

	"github.com/owenrumney/go-sarif/v3/pkg/report/v210/sarif"

	"github.com/kvguard/kvguard/internal/engine"
)

// InformationURI is the project page SARIF names as the tool's home.
const InformationURI = "https://github.com/kvguard/kvguard"

// PolicyDocURI is the generated policy reference; rule help links point at its anchors.
const PolicyDocURI = InformationURI + "/blob/main/docs/policies.md"

// SARIF is the SARIF 2.1.0 format for code scanning: one rule per policy, a result per
// failure (error when mandatory, warning when advisory) and per unverifiable check (note).
// Passing, excepted and not-applicable results are left out, since code scanning would show
// every result it gets as an alert; expired and unused exceptions are configuration
// notifications of the run's invocation.
type SARIF struct {
	// Version is written as the driver's version.
	Version string
	// Artifact is the checked input file, used as the physical location of results that have
	// no source position.
	Artifact string
}

// Output writes r as a SARIF log.
func (s *SARIF) Output(w io.Writer, r *engine.Report) error {
	run := sarif.NewRunWithInformationURI("kvguard", InformationURI)
	run.Tool.Driver.WithVersion(s.Version)

	for _, p := range sortedPolicies(r) {
		rule := run.AddRule(p.ID).
			WithName(ruleName(p)).
			WithHelpURI(PolicyDocURI + "#" + strings.ToLower(p.ID)).
			WithDefaultConfiguration(sarif.NewReportingConfiguration().
				WithEnabled(p.Level != engine.LevelDisabled).
				WithLevel(ruleLevel(p.Level)))
		if p.Title != "" {
			rule.WithShortDescription(sarif.NewMultiformatMessageString().WithText(p.Title))
		}
		if p.Description != "" {
			rule.WithFullDescription(sarif.NewMultiformatMessageString().WithText(p.Description))
		}
		if p.RecommendedAction != "" {
			rule.WithHelp(sarif.NewMultiformatMessageString().WithText(p.RecommendedAction))
		}
		props := sarif.NewPropertyBag().
			Add("severity", p.Severity).
			Add("level", string(p.Level)).
			WithTags(ruleTags(p))
		// GitHub ranks security alerts by this CVSS-like score.
		if score := securitySeverity(p.Severity); score != "" {
			props.Add("security-severity", score)
		}
		rule.WithProperties(props)
	}

	for _, res := range sortedResults(r) {
		var level string
		switch {
		case res.Status == engine.StatusFail && res.Level == engine.LevelMandatory:
			level = sarif.LevelError
		case res.Status == engine.StatusFail:
			level = sarif.LevelWarning
		case res.Status == engine.StatusUnverifiable:
			level = sarif.LevelNote
		default:
			continue
		}
		result := run.CreateResultForRule(res.PolicyID).
			WithLevel(level).
			WithMessage(sarif.NewTextMessage(findingMessage(res))).
			AddLocation(s.location(res)).
			WithPartialFingerprints(map[string]string{"kvguardFinding/v1": fingerprint(res)})
		props := sarif.NewPropertyBag().
			Add("urn", res.URN).
			Add("resourceType", res.ResourceType).
			Add("resourceName", res.ResourceName).
			Add("status", string(res.Status)).
			Add("level", string(res.Level))
		if res.Path != "" {
			props.Add("path", res.Path)
		}
		result.WithProperties(props)
	}

	runProps := sarif.NewPropertyBag().
		Add("stack", r.Stack).
		Add("project", r.Project).
		Add("profile", r.Profile).
		Add("source", r.Source).
		Add("now", r.Now)
	run.WithProperties(runProps)
	if r.Stack != "" {
		// Code scanning keeps one set of alerts per category; one per stack keeps dev alerts
		// from closing prod ones.
		run.WithAutomationDetails(sarif.NewRunAutomationDetails().WithID("kvguard/" + r.Stack + "/"))
	}

	// Expired and unused exceptions are about the configuration, not a resource: SARIF's place
	// for them is the invocation's configuration notifications.
	inv := sarif.NewInvocation().WithExecutionSuccessful(true)
	for _, e := range r.ExpiredExceptions {
		inv.AddToolConfigurationNotification(sarif.NewNotification().WithLevel(sarif.LevelWarning).
			WithMessage(sarif.NewTextMessage(expiredMessage(e))).
			WithAssociatedRule(sarif.NewReportingDescriptorReference().WithID(e.Policy)))
	}
	for _, e := range r.UnusedExceptions {
		inv.AddToolConfigurationNotification(sarif.NewNotification().WithLevel(sarif.LevelNote).
			WithMessage(sarif.NewTextMessage(unusedMessage(e))).
			WithAssociatedRule(sarif.NewReportingDescriptorReference().WithID(e.Policy)))
	}
	if len(inv.ToolConfigurationNotifications) > 0 {
		run.AddInvocation(inv)
	}

	rep := sarif.NewReport()
	rep.AddRun(run)
	if err := rep.PrettyWrite(w); err != nil {
		return fmt.Errorf("write sarif: %w", err)
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// artifactURI writes a file path as the URI reference SARIF requires: slashes, and every
// character a URI path cannot hold percent-encoded ("my dir/main.go" is "my%20dir/main.go").
// A first segment with a colon is prefixed with "./" so it cannot read as a URI scheme.
func artifactURI(file string) string {
	p := filepath.ToSlash(file)
	uri := (&url.URL{Path: p}).EscapedPath()
	if first, _, _ := strings.Cut(uri, "/"); strings.Contains(first, ":") && !strings.HasPrefix(p, "/") {
		uri = "./" + uri
	}
	return uri
}

// location places a result at its source position when known, else at the checked file; the
// URN always rides along as a logical location so the resource stays identifiable.
func (s *SARIF) location(res engine.Result) *sarif.Location {
	loc := sarif.NewLocation()
	file, line := sourceFile(res.SourcePosition)
	if file == "" {
		file = s.Artifact
		line = 0
	}
	if file != "" {
		phys := sarif.NewPhysicalLocation().
			WithArtifactLocation(sarif.NewSimpleArtifactLocation(artifactURI(file)))
		if line > 0 {
			phys.WithRegion(sarif.NewRegion().WithStartLine(line))
		}
		loc.WithPhysicalLocation(phys)
	}
	loc.AddLogicalLocation(sarif.NewLogicalLocation().
		WithFullyQualifiedName(res.URN).
		WithName(res.ResourceName).
		WithKind("resource"))
	return loc
}

// ruleLevel is the SARIF level a policy's failures get by default.
func ruleLevel(l engine.Level) string {
	switch l {
	case engine.LevelMandatory:
		return sarif.LevelError
	case engine.LevelAdvisory:
		return sarif.LevelWarning
	}
	return sarif.LevelNone
}

// ruleName turns the package slug ("kvguard.vault.purge_protection") into the PascalCase name
// SARIF viewers show ("PurgeProtection").
func ruleName(p engine.PolicyLevel) string {
	slug := p.Package
	if i := strings.LastIndex(slug, "."); i >= 0 {
		slug = slug[i+1:]
	}
	var b strings.Builder
	for _, part := range strings.FieldsFunc(slug, func(r rune) bool { return r == '_' || r == '-' }) {
		rs := []rune(part)
		rs[0] = unicode.ToUpper(rs[0])
		b.WriteString(string(rs))
	}
	if b.Len() == 0 {
		return strings.ReplaceAll(p.ID, "-", "")
	}
	return b.String()
}

// ruleTags tags every rule "security" plus its area ("vault", "rbac", ...).
func ruleTags(p engine.PolicyLevel) []string {
	tags := []string{"security"}
	parts := strings.Split(p.Package, ".")
	if len(parts) >= 3 && parts[1] != "" {
		tags = append(tags, parts[1])
	}
	return tags
}

// securitySeverity maps kvguard severities onto the scores GitHub buckets as critical (>= 9),
// high (>= 7), medium (>= 4) and low.
func securitySeverity(sev string) string {
	switch strings.ToUpper(sev) {
	case "CRITICAL":
		return "9.5"
	case "HIGH":
		return "8.0"
	case "MEDIUM":
		return "5.5"
	case "LOW":
		return "3.0"
	}
	return ""
}

// fingerprint identifies a finding across runs (same policy, same resource) without depending
// on message wording.
func fingerprint(res engine.Result) string {
	sum := sha256.Sum256([]byte(res.PolicyID + "\x00" + res.URN))
	return hex.EncodeToString(sum[:16])
}
