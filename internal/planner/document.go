package planner

import (
	"fmt"
	"slices"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/kvguard/kvguard/internal/model"
	"github.com/kvguard/kvguard/internal/source"
)

// Document builds the data model the policies read, through source's PropertyMap walker (never
// Mappable, which would copy secrets out). Each resource carries what its preview step shows:
// the new inputs overlaid with the outputs known at preview (the old state for a delete), the
// old inputs for a change, and the replace reasons; so `kvguard check` on PreviewJSON's output
// builds the same document with source "preview".
func (p *Plan) Document(now time.Time) (*model.Document, error) {
	rs := make([]source.EngineResource, 0, len(p.Steps))
	for _, s := range p.Steps {
		r := source.EngineResource{
			URN: s.URN, Type: s.Type, Name: s.Name, ID: s.ID, Op: s.Op, Custom: s.Custom,
			Parent: s.Parent, Provider: s.Provider, Protect: s.Protect,
			Dependencies: s.Dependencies, PropertyDependencies: s.PropertyDependencies,
			SourcePosition: s.SourcePosition,
		}
		if s.Op == model.OpDelete {
			r.Properties = overlayProps(dropNulls(s.Old.InputProps()), dropNulls(s.Old.OutputProps()))
		} else {
			r.Properties = overlayProps(dropNulls(s.Inputs), dropNulls(s.Outputs))
		}
		// As for a preview's same steps (source): no change, so nothing to compare.
		if s.Old != nil && s.Op != model.OpCreate && s.Op != model.OpSame {
			r.OldProperties = overlayProps(dropNulls(s.Old.InputProps()), dropNulls(s.Old.OutputProps()))
		}
		rs = append(rs, r)
	}
	doc, err := source.FromEngine(model.SourcePlan, rs)
	if err != nil {
		return nil, fmt.Errorf("build the data model of stack %q: %w", p.Stack, err)
	}
	for i := range doc.Resources {
		if s := p.Steps[i]; s.Op == model.OpReplace && len(s.ReplaceKeys) > 0 {
			doc.Resources[i].ReplaceReasons = slices.Clone(s.ReplaceKeys)
		}
	}
	if doc.Stack == "" {
		doc.Stack, doc.Project = p.Stack, p.Project
	}
	// As a preview's config carries it, so `check` on the --out file weighs it the same way.
	doc.Environment = p.Config[model.EnvironmentKey(p.Project)]
	if !now.IsZero() {
		doc.Now = now.UTC().Format(time.RFC3339)
	}
	return doc, nil
}

// overlayProps lays known outputs over inputs with the rules the JSON sources use (see
// source's overlay), so the plan and its preview file give policies the same properties: an
// unknown or null output never hides a known input, a secret on either side wins, objects
// merge key by key and arrays of the same length element by element.
func overlayProps(in, out resource.PropertyMap) resource.PropertyMap {
	if in == nil {
		in = resource.PropertyMap{}
	}
	if out == nil {
		return in
	}
	merged := overlayValue(resource.NewProperty(in), resource.NewProperty(out))
	if merged.IsObject() {
		return merged.ObjectValue()
	}
	return in
}

func overlayValue(in, out resource.PropertyValue) resource.PropertyValue {
	switch {
	case out.IsNull() || isUnknown(out):
		if !in.IsNull() {
			return in
		}
		return out
	case isSecret(out):
		return out
	case isSecret(in):
		return in
	}
	in, out = knownElement(in), knownElement(out)
	if in.IsObject() && out.IsObject() {
		im, om := in.ObjectValue(), out.ObjectValue()
		merged := resource.PropertyMap{}
		for k, v := range im {
			merged[k] = v
		}
		for k, v := range om {
			iv, ok := im[k]
			if !ok {
				iv = resource.NewNullProperty()
			}
			merged[k] = overlayValue(iv, v)
		}
		return resource.NewProperty(merged)
	}
	if in.IsArray() && out.IsArray() && len(in.ArrayValue()) == len(out.ArrayValue()) {
		ia, oa := in.ArrayValue(), out.ArrayValue()
		merged := make([]resource.PropertyValue, len(oa))
		for i := range oa {
			merged[i] = overlayValue(ia[i], oa[i])
		}
		return resource.NewProperty(merged)
	}
	return out
}

func isUnknown(v resource.PropertyValue) bool {
	if v.IsComputed() {
		return true
	}
	if v.IsOutput() {
		return !v.OutputValue().Known && !v.OutputValue().Secret
	}
	return v.IsString() && v.StringValue() == model.UnknownSentinel
}

func isSecret(v resource.PropertyValue) bool {
	if v.IsSecret() {
		return true
	}
	if v.IsOutput() {
		return v.OutputValue().Secret
	}
	return v.IsString() && v.StringValue() == model.SecretPlaceholder
}

// knownElement unwraps a known, non-secret output value.
func knownElement(v resource.PropertyValue) resource.PropertyValue {
	for v.IsOutput() && v.OutputValue().Known && !v.OutputValue().Secret {
		v = v.OutputValue().Element
	}
	return v
}

// dropNulls removes null object members, as the preview file leaves them out.
func dropNulls(m resource.PropertyMap) resource.PropertyMap {
	if m == nil {
		return nil
	}
	out := resource.PropertyMap{}
	for k, v := range m {
		if v.IsNull() {
			continue
		}
		if v.IsObject() {
			v = resource.NewProperty(dropNulls(v.ObjectValue()))
		}
		out[k] = v
	}
	return out
}
