package source

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/kvguard/kvguard/internal/model"
)

// FromPropertyMap converts engine properties (the analyzer's AnalyzeRequest, a mock's inputs)
// into model properties plus their unknown and secret paths. It walks the values itself and
// never calls Mappable(), which renders a secret as {"Element":{"V":<plaintext>}}: a secret is
// replaced by a marker before anything is copied, so its value never leaves the PropertyMap.
// Computed values and outputs that are not known are unknown; an output marked secret is
// secret whether known or not. The same rules as the JSON sources then apply (Normalize), so
// the sentinel or "[secret]" arriving as plain strings are treated alike.
//
// The Key Vault secret plaintext check needs the resource type: use FromEngineResource for
// whole resources.
func FromPropertyMap(props resource.PropertyMap) (properties map[string]any, unknown, secret []string) {
	n := Normalize("", plainMap(props))
	return n.Properties, n.Unknown, n.Secret
}

// EngineResource is one resource as the Pulumi engine (analyzer) or Pulumi's mocks (planner)
// describe it. Only URN is required; Type and Name default to the URN's.
type EngineResource struct {
	URN                  string
	Type                 string
	Name                 string
	ID                   string
	Op                   string // defaults to "create"
	Custom               bool
	Parent               string
	Provider             string
	Protect              bool
	Dependencies         []string
	PropertyDependencies map[string][]string
	// Properties are the resource's inputs (or inputs overlaid with outputs, as the caller
	// sees fit); secrets and unknowns are handled as FromPropertyMap describes.
	Properties resource.PropertyMap
	// OldProperties are the properties before the change, if any: inputs overlaid with
	// outputs, as the caller sees fit for Properties.
	OldProperties  resource.PropertyMap
	SourcePosition string // Pulumi's "project:///main.go#12,3" or already "main.go:12"
}

// FromEngineResource builds a model resource from an engine resource. A URN that does not
// parse is an error naming it (URNs are not secret).
func FromEngineResource(r EngineResource) (model.Resource, error) {
	u, err := resource.ParseURN(r.URN)
	if err != nil || !u.IsValid() {
		return model.Resource{}, fmt.Errorf("engine resource %q: expected a Pulumi URN", r.URN)
	}
	typ := r.Type
	if typ == "" {
		typ = u.Type().String()
	} else if typ != u.Type().String() {
		// As for a file (fromState): judging either type could drop the resource from the
		// policies that should see it. The engine never sends such a pair; an edited export
		// given to `pulumi policy analyze --file` can.
		return model.Resource{}, fmt.Errorf("engine resource %q: type %q is not the type its URN names", r.URN, r.Type)
	}
	// Before Normalize: a pinned API version ("azure-native:keyvault/v20230701:Secret") must
	// not hide a Key Vault secret's plain value from it.
	typ = CanonicalType(typ)
	name := r.Name
	if name == "" {
		name = u.Name()
	}
	op := r.Op
	if op == "" {
		op = model.OpCreate
	}
	n := Normalize(typ, plainMap(r.Properties))
	out := model.Resource{
		URN:                  r.URN,
		Type:                 typ,
		Name:                 name,
		ID:                   knownID(r.ID),
		Op:                   op,
		Custom:               r.Custom,
		Parent:               r.Parent,
		Provider:             r.Provider,
		Properties:           n.Properties,
		Unknown:              n.Unknown,
		Secret:               n.Secret,
		Plaintext:            n.Plaintext,
		Dependencies:         append([]string{}, r.Dependencies...),
		PropertyDependencies: map[string][]string{},
		Protect:              r.Protect,
		SourcePosition:       SourcePosition(r.SourcePosition),
	}
	for k, v := range r.PropertyDependencies {
		out.PropertyDependencies[k] = append([]string{}, v...)
	}
	if r.OldProperties != nil {
		old := Normalize(typ, plainMap(r.OldProperties))
		out.OldProperties, out.OldUnreadable = old.Properties, unreadablePaths(old)
	}
	return out, nil
}

// FromEngine builds a document from engine resources in the order given; stack and project
// come from the first URN. source is model.SourceEngine (analyzer) or model.SourcePlan
// (planner). Now is left for the caller.
func FromEngine(source string, rs []EngineResource) (*model.Document, error) {
	resources := make([]model.Resource, 0, len(rs))
	var first urnParts
	for i, r := range rs {
		m, err := FromEngineResource(r)
		if err != nil {
			return nil, err
		}
		if i == 0 {
			u, _ := resource.ParseURN(r.URN)
			first = urnParts{stack: u.Stack().String(), project: u.Project().String()}
		}
		resources = append(resources, m)
	}
	return newDocument(source, resources, first), nil
}

// plainMap converts a PropertyMap to JSON-like values, with secrets and unknowns replaced by
// the markers Normalize recognises.
func plainMap(props resource.PropertyMap) map[string]any {
	out := make(map[string]any, len(props))
	for k, v := range props {
		out[string(k)] = plainValue(v)
	}
	return out
}

func plainValue(v resource.PropertyValue) any {
	switch {
	case v.IsSecret():
		return model.SecretPlaceholder
	case v.IsComputed():
		return model.UnknownSentinel
	case v.IsOutput():
		o := v.OutputValue()
		switch {
		case o.Secret:
			return model.SecretPlaceholder
		case !o.Known:
			return model.UnknownSentinel
		}
		return plainValue(o.Element)
	case v.IsNull():
		return nil
	case v.IsBool():
		return v.BoolValue()
	case v.IsNumber():
		return v.NumberValue()
	case v.IsString():
		return v.StringValue()
	case v.IsArray():
		arr := v.ArrayValue()
		out := make([]any, len(arr))
		for i, e := range arr {
			out[i] = plainValue(e)
		}
		return out
	case v.IsObject():
		return plainMap(v.ObjectValue())
	case v.IsResourceReference():
		ref := v.ResourceReferenceValue()
		out := map[string]any{"urn": string(ref.URN)}
		if ref.ID.V != nil {
			out["id"] = plainValue(ref.ID)
		}
		return out
	case v.IsAsset():
		// Only where an asset comes from: its text may be anything, so it stays behind.
		a := v.AssetValue()
		return map[string]any{"path": a.Path, "uri": a.URI, "hash": a.Hash}
	case v.IsArchive():
		a := v.ArchiveValue()
		return map[string]any{"path": a.Path, "uri": a.URI, "hash": a.Hash}
	}
	return nil
}
