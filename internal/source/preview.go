package source

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/kvguard/kvguard/internal/model"
)

// PreviewDigest is what `pulumi preview --json` prints. It mirrors display.PreviewDigest of
// github.com/pulumi/pulumi/pkg/v3 (v3.276.0) field for field and tag for tag; kvguard does not
// import pkg/v3 because it drags the whole CLI into the module. The planner writes its preview
// JSON with these types so that file has Pulumi's shape too.
type PreviewDigest struct {
	// Config holds the stack configuration, secrets blinded by Pulumi.
	Config map[string]string `json:"config,omitempty"`
	// Steps lists every resource step; same steps only with --show-sames, and
	// create-replacement/delete-replaced only with --show-replacement-steps.
	Steps []*PreviewStep `json:"steps,omitempty"`
	// Diagnostics are the warnings and errors of the preview.
	Diagnostics []PreviewDiagnostic `json:"diagnostics,omitempty"`
	// Duration is the preview's duration in nanoseconds.
	Duration time.Duration `json:"duration,omitempty"`
	// ChangeSummary counts steps per op.
	ChangeSummary map[string]int `json:"changeSummary,omitempty"`
	// MaybeCorrupt is set when a resource may be corrupt.
	MaybeCorrupt bool `json:"maybeCorrupt,omitempty"`
}

// PreviewStep mirrors display.PreviewStep: one step the engine intends to take.
type PreviewStep struct {
	// Op is the step kind: same, create, update, delete, replace, create-replacement, ...
	Op string `json:"op"`
	// URN is the resource the step affects.
	URN string `json:"urn"`
	// Provider is the provider reference performing the step.
	Provider string `json:"provider,omitempty"`
	// OldState is the state before the step, for steps that have one.
	OldState *apitype.ResourceV3 `json:"oldState,omitempty"`
	// NewState is the state after the step, for steps that have one.
	NewState *apitype.ResourceV3 `json:"newState,omitempty"`
	// DiffReasons lists the top-level keys that differ.
	DiffReasons []string `json:"diffReasons,omitempty"`
	// ReplaceReasons lists the top-level keys that force a replacement.
	ReplaceReasons []string `json:"replaceReasons,omitempty"`
	// DetailedDiff maps property paths to their kind of change; always written, often null.
	DetailedDiff map[string]PropertyDiff `json:"detailedDiff"`
}

// PropertyDiff mirrors display.PropertyDiff.
type PropertyDiff struct {
	// Kind is add, add-replace, delete, delete-replace, update or update-replace.
	Kind string `json:"kind"`
	// InputDiff is true when the diff is between old and new inputs rather than state.
	InputDiff bool `json:"inputDiff"`
}

// PrintedPreview is PreviewDigest as kvguard writes one (the planner's --out file, the
// benchmark estates): the same fields and tags, its steps' states printed as the shared samples
// show them, inputs and outputs always written. Decoding it as a PreviewDigest with unknown
// fields disallowed is the test that it has Pulumi's shape.
type PrintedPreview struct {
	Config        map[string]string `json:"config,omitempty"`
	Steps         []PrintedStep     `json:"steps,omitempty"`
	Duration      int64             `json:"duration,omitempty"`
	ChangeSummary map[string]int    `json:"changeSummary,omitempty"`
}

// PrintedStep is PreviewStep with PrintedState states.
type PrintedStep struct {
	Op             string                  `json:"op"`
	URN            string                  `json:"urn"`
	Provider       string                  `json:"provider,omitempty"`
	OldState       *PrintedState           `json:"oldState,omitempty"`
	NewState       *PrintedState           `json:"newState,omitempty"`
	DiffReasons    []string                `json:"diffReasons,omitempty"`
	ReplaceReasons []string                `json:"replaceReasons,omitempty"`
	DetailedDiff   map[string]PropertyDiff `json:"detailedDiff"`
}

// PrintedState is a resource state as `pulumi preview --json` and `pulumi stack export` print
// it: apitype.ResourceV3's fields this project uses, in the samples' order, inputs and outputs
// written even when empty.
type PrintedState struct {
	URN                  string              `json:"urn"`
	Custom               bool                `json:"custom"`
	Delete               bool                `json:"delete,omitempty"`
	ID                   string              `json:"id,omitempty"`
	Type                 string              `json:"type"`
	Inputs               map[string]any      `json:"inputs"`
	Outputs              map[string]any      `json:"outputs"`
	Parent               string              `json:"parent,omitempty"`
	Protect              bool                `json:"protect,omitempty"`
	Provider             string              `json:"provider,omitempty"`
	Dependencies         []string            `json:"dependencies,omitempty"`
	PropertyDependencies map[string][]string `json:"propertyDependencies,omitempty"`
	SourcePosition       string              `json:"sourcePosition,omitempty"`
}

// PreviewDiagnostic mirrors display.PreviewDiagnostic.
type PreviewDiagnostic struct {
	URN      string `json:"urn,omitempty"`
	Prefix   string `json:"prefix,omitempty"`
	Message  string `json:"message,omitempty"`
	Severity string `json:"severity,omitempty"`
}

// unreadableEnvironment is the environment a preview whose environment setting is secret or
// unknown is judged as.
const unreadableEnvironment = "prod"

// previewFields are the JSON fields of display.PreviewDigest.
var previewFields = []string{"config", "steps", "diagnostics", "duration", "changeSummary", "maybeCorrupt"}

// stepOps are the step kinds Pulumi's engine has (deploy.StepOp in pkg/v3/resource/deploy).
var stepOps = []string{
	model.OpSame, model.OpCreate, model.OpUpdate, model.OpDelete, model.OpReplace,
	model.OpCreateReplacement, model.OpDeleteReplaced, model.OpRead, "read-replacement",
	model.OpRefresh, model.OpDiscard, model.OpDiscardReplaced, model.OpRemovePendingReplace, model.OpImport,
	"import-replacement",
}

// listedOps are the ops `pulumi preview --json` lists whatever its flags: same steps need
// --show-sames, reads --show-reads and replacement halves --show-replacement-steps.
var listedOps = []string{model.OpCreate, model.OpUpdate, model.OpDelete, model.OpReplace}

// loadPreview decodes the digest step by step (rather than in one Unmarshal) so an error can
// name the step index: encoding/json's field paths leave indexes out.
func loadPreview(file string, top map[string]json.RawMessage) (*model.Document, error) {
	if err := knownFields(file, "", top, previewFields); err != nil {
		return nil, err
	}
	if raw, ok := top["diagnostics"]; ok {
		var diags []PreviewDiagnostic
		if err := json.Unmarshal(raw, &diags); err != nil {
			return nil, decodeError(file, "diagnostics", err)
		}
		// A preview that failed lists what it got through, not the plan: judging it would
		// report a partial change set as clean. Messages are not repeated (they may quote values).
		for i, d := range diags {
			if d.Severity == "error" {
				return nil, &InputError{File: file, Path: fmt.Sprintf("diagnostics[%d]", i),
					Expected: "a preview that succeeded", Got: "an error diagnostic (the preview failed; fix it and run it again)"}
			}
		}
	}
	if raw, ok := top["maybeCorrupt"]; ok {
		var corrupt bool
		if err := json.Unmarshal(raw, &corrupt); err != nil {
			return nil, &InputError{File: file, Path: "maybeCorrupt", Expected: "a boolean", Got: kindOf(raw)}
		}
		// Pulumi sets it when an operation left resources in an unknown condition: the steps
		// are not a plan anyone can rely on.
		if corrupt {
			return nil, &InputError{File: file, Path: "maybeCorrupt", Expected: "false or absent",
				Got: "true (Pulumi reports resources that may be corrupt; run pulumi refresh, then preview again)"}
		}
	}
	var steps []json.RawMessage
	if raw, ok := top["steps"]; ok {
		if err := unmarshalArray(raw, &steps); err != nil || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
			return nil, &InputError{File: file, Path: "steps", Expected: "an array", Got: kindOf(raw)}
		}
	}
	resources := make([]model.Resource, 0, len(steps))
	var first urnParts
	for i, raw := range steps {
		path := stepPath(i)
		if k := kindOf(raw); k != "an object" {
			return nil, &InputError{File: file, Path: path, Expected: "an object", Got: k}
		}
		var step PreviewStep
		if err := json.Unmarshal(raw, &step); err != nil {
			return nil, decodeErrorIn(file, path, raw, err)
		}
		if err := refuseDamagedStates(file, raw, step.states(path)); err != nil {
			return nil, err
		}
		r, u, err := fromStep(file, path, &step)
		if err != nil {
			return nil, err
		}
		if i == 0 {
			first = u
		} else if !u.sameStack(first) {
			return nil, otherStackError(file, path, first)
		}
		resources = append(resources, r)
	}
	return previewDocument(file, resources, first, top["changeSummary"], top["config"])
}

// stringMap decodes a map of strings (a preview's config), naming the key whose value is not
// a string. Keys are config names, not values, so the error may quote them.
func stringMap(file, path string, raw json.RawMessage) (map[string]string, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return nil, &InputError{File: file, Path: path, Expected: "an object of string values", Got: kindOf(raw)}
	}
	out := make(map[string]string, len(fields))
	for _, k := range slices.Sorted(maps.Keys(fields)) {
		var v string
		if err := json.Unmarshal(fields[k], &v); err != nil || kindOf(fields[k]) == "null" {
			return nil, &InputError{File: file, Path: JoinPath(path, k), Expected: "a string (Pulumi prints every config value as one)", Got: kindOf(fields[k])}
		}
		out[k] = v
	}
	return out, nil
}

// previewDocument assembles a preview's document and checks the steps against the change
// summary, which Pulumi counts over every resource, listed or not. More same resources
// counted than listed means the preview left unchanged resources out (no --show-sames): the
// document is partial. More creates, updates, deletes or replaces counted than listed (Pulumi
// always lists those) mean steps were lost on the way (an edited or filtered file): judging
// the rest would pass a change nobody saw.
//
// The preview's config names the stack's environment ("<project>:environment"), which the
// engine weighs with the stack name. Pulumi prints the config as a map of strings, secrets as
// "[secret]"; an environment kvguard cannot read (secret or unknown) counts as production,
// the strictest profile, rather than letting the stack name alone decide.
func previewDocument(file string, resources []model.Resource, first urnParts, summary, config json.RawMessage) (*model.Document, error) {
	if err := refuseRepeatedURNs(file, resources, stepPath); err != nil {
		return nil, err
	}
	doc := newDocument(model.SourcePreview, resources, first)
	if len(config) > 0 && kindOf(config) != "null" {
		cfg, err := stringMap(file, "config", config)
		if err != nil {
			return nil, err
		}
		doc.Environment = cfg[model.EnvironmentKey(doc.Project)]
		if isSecretValue(doc.Environment) || isUnknownValue(doc.Environment) {
			doc.Environment = unreadableEnvironment
		}
	}
	if len(summary) == 0 || bytes.Equal(bytes.TrimSpace(summary), []byte("null")) {
		// Pulumi writes the summary for every preview that ran to the end (the stack itself is
		// always counted); a preview without one, even with no steps, comes from an edited file
		// or a cut-short run, and without it no filtered step could be noticed.
		return nil, &InputError{File: file, Path: "changeSummary",
			Expected: "the step counts Pulumi writes after the steps", Got: "nothing"}
	}
	counts, err := stepCounts(file, summary)
	if err != nil {
		return nil, err
	}
	listed := map[string]int{}
	for i := range resources {
		listed[resources[i].Op]++
	}
	doc.Partial = counts[model.OpSame] > listed[model.OpSame]
	for _, op := range listedOps {
		if counts[op] > listed[op] {
			got := fmt.Sprintf("%d such steps", listed[op])
			if len(resources) == 0 {
				got = "no steps"
			}
			return nil, &InputError{File: file, Path: "steps",
				Expected: fmt.Sprintf("the %d %q steps changeSummary counts", counts[op], op), Got: got}
		}
	}
	// Pulumi counts every step it lists (a replacement once, as "replace"), so more steps
	// listed than counted is an edited file, however the counts were lost.
	for _, op := range append(slices.Clone(listedOps), model.OpSame) {
		if listed[op] > counts[op] {
			return nil, &InputError{File: file, Path: JoinPath("changeSummary", op),
				Expected: fmt.Sprintf("at least the %d %q steps listed", listed[op], op), Got: fmt.Sprintf("a count of %d", counts[op])}
		}
	}
	return doc, nil
}

// stepCounts decodes the change summary: an object of whole, non-negative counts.
func stepCounts(file string, summary json.RawMessage) (map[string]int, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(summary, &raw); err != nil || raw == nil {
		return nil, &InputError{File: file, Path: "changeSummary", Expected: "an object of step counts", Got: kindOf(summary)}
	}
	counts := make(map[string]int, len(raw))
	for _, op := range slices.Sorted(maps.Keys(raw)) {
		var n int
		if err := json.Unmarshal(raw[op], &n); err != nil || n < 0 {
			return nil, &InputError{File: file, Path: JoinPath("changeSummary", op),
				Expected: "a whole number of steps, 0 or more", Got: countGot(raw[op])}
		}
		counts[op] = n
	}
	return counts, nil
}

// countGot describes a count that is not one, by kind only (InputError never quotes input).
func countGot(raw json.RawMessage) string {
	if k := kindOf(raw); k != "a number" {
		return k
	}
	return "a number that is negative, not whole or too large"
}

// stepPath is where step i of a preview is in the file.
func stepPath(i int) string { return fmt.Sprintf("steps[%d]", i) }

// states are the step's states by their paths in the file, for refuseDamagedStates.
func (step *PreviewStep) states(path string) map[string]*apitype.ResourceV3 {
	return map[string]*apitype.ResourceV3{JoinPath(path, "newState"): step.NewState, JoinPath(path, "oldState"): step.OldState}
}

// fromStep builds the resource one step describes. A step going away is judged on its old
// state; every other step on its new state, with the old state kept for policies on changes
// (none for a same step, which changes nothing).
func fromStep(file, path string, step *PreviewStep) (model.Resource, urnParts, error) {
	if step.Op == "" {
		return model.Resource{}, urnParts{}, &InputError{File: file, Path: JoinPath(path, "op"), Expected: "a step op", Got: "nothing"}
	}
	if !slices.Contains(stepOps, step.Op) {
		return model.Resource{}, urnParts{}, &InputError{File: file, Path: JoinPath(path, "op"),
			Expected: "a Pulumi step op (same, create, update, delete, replace, ...)", Got: fmt.Sprintf("%q", step.Op)}
	}
	state, statePath := step.NewState, JoinPath(path, "newState")
	if model.IsRemoval(step.Op) {
		state, statePath = step.OldState, JoinPath(path, "oldState")
	}
	if state == nil {
		return model.Resource{}, urnParts{}, &InputError{File: file, Path: statePath,
			Expected: fmt.Sprintf("an object (a %q step carries this state)", step.Op), Got: "nothing"}
	}
	switch {
	case state.URN == "":
		state.URN = resource.URN(step.URN)
	case step.URN != "" && string(state.URN) != step.URN:
		// Pulumi writes the step's URN into its states; two URNs mean an edited file, and
		// either could name the wrong stack or resource.
		return model.Resource{}, urnParts{}, &InputError{File: file, Path: JoinPath(statePath, "urn"),
			Expected: "the step's own URN", Got: "another URN"}
	}
	if state.Provider == "" {
		state.Provider = step.Provider
	}
	r, u, err := fromState(file, statePath, state, step.Op)
	if err != nil {
		return model.Resource{}, urnParts{}, err
	}
	// A same step changes nothing: its old state is its new one, and no policy compares the
	// two. Leaving it out spares a second normalisation (and OPA a second copy) of most of an
	// estate's resources.
	if step.Op != model.OpSame {
		r.OldProperties, r.OldUnreadable = oldProperties(step.OldState)
	}
	if isReplaceOp(step.Op) {
		r.ReplaceReasons = replaceReasons(step)
	}
	return r, u, nil
}

// replaceReasons prefers Pulumi's replaceReasons, then diffReasons, then the keys of the
// detailed diff whose kind forces a replacement (reduced to their top-level property).
func replaceReasons(step *PreviewStep) []string {
	var reasons []string
	switch {
	case len(step.ReplaceReasons) > 0:
		reasons = slices.Clone(step.ReplaceReasons)
	case len(step.DiffReasons) > 0:
		reasons = slices.Clone(step.DiffReasons)
	default:
		for path, d := range step.DetailedDiff {
			if strings.HasSuffix(d.Kind, "-replace") {
				top, _, _ := strings.Cut(path, ".")
				top, _, _ = strings.Cut(top, "[")
				reasons = append(reasons, top)
			}
		}
	}
	if len(reasons) == 0 {
		return nil
	}
	slices.Sort(reasons)
	return slices.Compact(reasons)
}
