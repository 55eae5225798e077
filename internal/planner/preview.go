package planner

import (
	"bytes"
	"crypto/sha1"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/kvguard/kvguard/internal/model"
	"github.com/kvguard/kvguard/internal/source"
)

// PreviewJSON renders the plan as `pulumi preview --json --show-sames` would: secrets as
// "[secret]", values unknown at preview as the unknown sentinel, a step per resource with its
// old state (same, update, replace, delete) and new state (all but delete), the inputs that
// differ as diffReasons and detailedDiff, those forcing a replace as replaceReasons.
// Unlike Pulumi's default, same steps are included, so the file holds the whole stack and
// `kvguard check` judges it like the plan.
func (p *Plan) PreviewJSON() ([]byte, error) {
	doc := source.PrintedPreview{Config: p.Config, Duration: int64(p.Duration), ChangeSummary: map[string]int{}}
	for _, s := range p.Steps {
		js := source.PrintedStep{Op: s.Op, URN: s.URN, Provider: s.Provider}
		if s.Old != nil && s.Op != model.OpCreate {
			old := oldJSONState(s.Old)
			js.OldState = &old
		}
		if s.Op != model.OpDelete {
			ns := source.PrintedState{
				URN: s.URN, Custom: s.Custom, ID: s.ID, Type: s.Type,
				Inputs: previewMap(s.Inputs), Outputs: previewMap(s.Outputs),
				Parent: s.Parent, Protect: s.Protect, Provider: s.Provider,
				Dependencies: s.Dependencies, PropertyDependencies: s.PropertyDependencies,
				SourcePosition: s.SourcePosition,
			}
			if len(ns.PropertyDependencies) == 0 {
				ns.PropertyDependencies = nil
			}
			js.NewState = &ns
		}
		if len(s.DiffKeys) > 0 {
			js.DiffReasons = s.DiffKeys
			js.ReplaceReasons = s.ReplaceKeys
			js.DetailedDiff = map[string]source.PropertyDiff{}
			forces := map[string]bool{}
			for _, k := range s.ReplaceKeys {
				forces[k] = true
			}
			for _, k := range s.DiffKeys {
				kind := "update"
				if forces[k] {
					kind = "update-replace"
				}
				js.DetailedDiff[k] = source.PropertyDiff{Kind: kind, InputDiff: true}
			}
		}
		doc.Steps = append(doc.Steps, js)
		doc.ChangeSummary[s.Op]++
	}
	return marshalIndent(doc)
}

// oldJSONState renders a resource of the state as the preview prints its oldState: through the
// same program values and renderer as the new state, so every secret of the state (already
// redacted when it was read, see ParseState) prints as "[secret]", never as its ciphertext or
// plaintext, and a Key Vault secret's value the export held in plain text does too.
func oldJSONState(o *OldResource) source.PrintedState {
	return source.PrintedState{
		URN: o.URN, Custom: o.Custom, ID: o.ID, Type: o.Type,
		Inputs: previewMap(o.InputProps()), Outputs: previewMap(o.OutputProps()),
		Parent: o.Parent, Protect: o.Protect, Provider: o.Provider,
		Dependencies: o.Dependencies, PropertyDependencies: nonEmptyDeps(o.PropertyDependencies),
		SourcePosition: o.SourcePosition,
	}
}

func nonEmptyDeps(m map[string][]string) map[string][]string {
	if len(m) == 0 {
		return nil
	}
	return m
}

// Export renders an applied plan (Options.Applied) as the `pulumi stack export` (version 3)
// Pulumi would hold after the update: Azure-shaped ids and outputs, the default providers, and
// every secret as the signature object with an opaque ciphertext that is not the value.
func (p *Plan) Export(at time.Time) ([]byte, error) {
	if !p.Applied {
		return nil, errors.New("export needs an applied plan (Options.Applied): a preview has no ids")
	}
	var res []source.PrintedState
	providers := map[string]bool{}
	for _, s := range p.Steps {
		if s.Op == model.OpDelete {
			continue
		}
		if s.Provider != "" && !providers[s.Provider] {
			providers[s.Provider] = true
		}
	}
	add := func(s Step) {
		res = append(res, source.PrintedState{
			URN: s.URN, Custom: s.Custom, ID: s.ID, Type: s.Type,
			Inputs: exportMap(s.Inputs), Outputs: exportMap(s.Outputs),
			Parent: s.Parent, Protect: s.Protect, Provider: s.Provider,
			Dependencies: s.Dependencies, PropertyDependencies: nonEmptyDeps(s.PropertyDependencies),
			SourcePosition: s.SourcePosition,
		})
	}
	// Pulumi writes the stack first, then each provider before the resources that use it.
	stepsLeft := p.Steps
	if len(stepsLeft) > 0 && stepsLeft[0].Type == stackType {
		add(stepsLeft[0])
		stepsLeft = stepsLeft[1:]
	}
	for _, ref := range sortedKeys(providers) {
		id := lastSegment(ref)
		urn := strings.TrimSuffix(ref, "::"+id)
		name := resource.URN(urn).Name()
		version := strings.ReplaceAll(strings.TrimPrefix(name, "default_"), "_", ".")
		res = append(res, source.PrintedState{
			URN: urn, Custom: true, ID: id, Type: resource.URN(urn).Type().String(),
			Inputs: map[string]any{"version": version}, Outputs: map[string]any{"version": version},
		})
	}
	for _, s := range stepsLeft {
		if s.Op != model.OpDelete {
			add(s)
		}
	}
	deployment := map[string]any{
		"manifest": map[string]any{"time": at.UTC().Format(time.RFC3339), "magic": "", "version": "v3.276.0"},
		"secrets_providers": map[string]any{
			"type":  "passphrase",
			"state": map[string]any{"salt": "v1:kvguard:simulated"},
		},
		"resources": res,
	}
	return marshalIndent(map[string]any{"version": 3, "deployment": deployment})
}

func lastSegment(ref string) string {
	i := strings.LastIndex(ref, "::")
	if i < 0 {
		return ""
	}
	return ref[i+2:]
}

// previewMap renders program values as a preview prints them.
func previewMap(m resource.PropertyMap) map[string]any {
	return renderMap(m, func() any { return model.SecretPlaceholder })
}

// exportMap renders program values as an export stores them. The ciphertext is a fixed
// marker: the planner never holds a real secrets provider, and a value derived from the
// plaintext could leak it.
func exportMap(m resource.PropertyMap) map[string]any {
	return renderMap(m, func() any {
		return map[string]any{model.SecretSigKey: model.SecretSigValue, "ciphertext": "v1:kvguard-simulated:opaque"}
	})
}

func renderMap(m resource.PropertyMap, secret func() any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		if r, keep := renderValue(v, secret); keep {
			out[string(k)] = r
		}
	}
	return out
}

// renderValue turns a program value into JSON data without ever reading a secret's element.
func renderValue(v resource.PropertyValue, secret func() any) (any, bool) {
	switch {
	case v.IsSecret():
		return secret(), true
	case v.IsComputed():
		return model.UnknownSentinel, true
	case v.IsOutput():
		o := v.OutputValue()
		switch {
		case o.Secret:
			return secret(), true
		case !o.Known:
			return model.UnknownSentinel, true
		}
		return renderValue(o.Element, secret)
	case v.IsNull():
		return nil, false
	case v.IsString():
		return v.StringValue(), true
	case v.IsNumber():
		return v.NumberValue(), true
	case v.IsBool():
		return v.BoolValue(), true
	case v.IsArray():
		arr := v.ArrayValue()
		out := make([]any, 0, len(arr))
		for _, e := range arr {
			r, _ := renderValue(e, secret)
			out = append(out, r)
		}
		return out, true
	case v.IsObject():
		return renderMap(v.ObjectValue(), secret), true
	case v.IsResourceReference():
		ref := v.ResourceReferenceValue()
		if id, ok := ref.IDString(); ok && id != "" {
			return id, true
		}
		return string(ref.URN), true
	}
	return nil, false
}

func marshalIndent(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("render JSON: %w", err)
	}
	return buf.Bytes(), nil
}

// guidFor derives a stable GUID from a name (a URN), so simulated ids never change between
// runs: a UUID v5 in a kvguard namespace.
func guidFor(name string) string {
	return uuid.NewHash(sha1.New(), plannerNamespace, []byte(name), 5).String()
}

var plannerNamespace = uuid.MustParse("5f1c3c1e-6a42-4d0e-9a4e-6b7667756172")

// ChangeSummary counts the steps by op, as the preview's changeSummary does.
func (p *Plan) ChangeSummary() map[string]int {
	out := map[string]int{}
	for _, s := range p.Steps {
		out[s.Op]++
	}
	return out
}

// sortedOps lists the ops of a summary in a fixed, readable order.
func sortedOps(m map[string]int) []string {
	order := map[string]int{model.OpCreate: 0, model.OpUpdate: 1, model.OpReplace: 2, model.OpDelete: 3, model.OpSame: 4, model.OpRead: 5}
	ops := sortedKeys(m)
	sort.SliceStable(ops, func(i, j int) bool {
		oi, ok := order[ops[i]]
		if !ok {
			oi = 99
		}
		oj, ok := order[ops[j]]
		if !ok {
			oj = 99
		}
		return oi < oj
	})
	return ops
}
