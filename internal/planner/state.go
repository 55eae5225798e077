package planner

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/kvguard/kvguard/internal/model"
	"github.com/kvguard/kvguard/internal/source"
)

// State is an existing stack, read from `pulumi stack export` (version 3), to plan against.
type State struct {
	// File names the export for errors.
	File string
	// Resources are the export's resources in order.
	Resources []*OldResource
	byURN     map[string]*OldResource
}

// OldResource is one resource of the state. Its values are the export's JSON with every secret
// reduced to a signature object with an empty ciphertext (source.Redact): neither the
// ciphertext nor a --show-secrets plaintext is kept, and neither is a Key Vault secret's value the export holds
// in plain text, so no value of the state that is or should be secret is ever in memory.
type OldResource struct {
	URN                  string
	Type                 string
	Name                 string
	ID                   string
	Custom               bool
	Parent               string
	Provider             string
	Protect              bool
	Dependencies         []string
	PropertyDependencies map[string][]string
	Inputs               map[string]any
	Outputs              map[string]any
	// PlaintextInputs are the input paths ("properties.value") where the export held a Key
	// Vault secret's value in plain text (SEC-005). The value is redacted like a secret's; the
	// path is kept so the diff still sees that the state does not hold it as a secret.
	PlaintextInputs []string
	SourcePosition  string
}

// ParseState reads a `pulumi stack export` (deployment version 3 or 4). name is the file as
// the user gave it.
func ParseState(name string, data []byte) (*State, error) {
	// The checks `kvguard check` makes, worded as it words them (shape, version, unknown
	// fields, URNs, types, stacks): a damaged export must not become a plan of fresh creates
	// that passes.
	doc, err := source.Load(name, data)
	if err != nil {
		return nil, err
	}
	if doc.Source != model.SourceExport {
		return nil, &InputError{File: name, Expected: "a pulumi stack export", Got: "pulumi preview --json output (kvguard check reads that; --state needs the state a plan starts from)"}
	}
	var untyped apitype.UntypedDeployment
	if err := json.NewDecoder(bytes.NewReader(data)).Decode(&untyped); err != nil {
		return nil, &InputError{File: name, Expected: "a pulumi stack export (JSON with version and deployment, nothing before it)", Err: jsonError(err)}
	}
	var dep apitype.DeploymentV3
	if err := json.Unmarshal(untyped.Deployment, &dep); err != nil {
		return nil, &InputError{File: name, Path: "deployment", Expected: "a version 3 or 4 deployment", Err: jsonError(err)}
	}
	s := &State{File: name, byURN: map[string]*OldResource{}}
	for i, r := range dep.Resources {
		u, err := resource.ParseURN(string(r.URN))
		if err != nil || !u.IsValid() {
			return nil, &InputError{File: name, Path: fmt.Sprintf("deployment.resources[%d].urn", i), Expected: "a Pulumi URN"}
		}
		if r.Delete {
			// A resource pending deletion from an earlier replace is not part of the stack's goal.
			continue
		}
		o := &OldResource{
			URN: string(r.URN), Type: string(r.Type), Name: u.Name(), ID: string(r.ID), Custom: r.Custom,
			Parent: string(r.Parent), Provider: r.Provider, Protect: r.Protect,
			SourcePosition: r.SourcePosition, PropertyDependencies: map[string][]string{},
		}
		if o.Type == "" {
			o.Type = u.Type().String()
		}
		// Canonical before redacting, as the sources do: a pinned API version must not hide
		// a Key Vault secret's plain value.
		typ := source.CanonicalType(o.Type)
		o.Inputs, o.PlaintextInputs = source.Redact(typ, r.Inputs)
		o.Outputs, _ = source.Redact(typ, r.Outputs)
		for _, d := range r.Dependencies {
			o.Dependencies = append(o.Dependencies, string(d))
		}
		for k, v := range r.PropertyDependencies {
			for _, d := range v {
				o.PropertyDependencies[string(k)] = append(o.PropertyDependencies[string(k)], string(d))
			}
		}
		s.byURN[o.URN] = o // source.Load refused a URN two current resources share
		s.Resources = append(s.Resources, o)
	}
	return s, nil
}

// check makes sure the state belongs to the stack and project being planned.
func (s *State) check(stack, project string) error {
	for i, r := range s.Resources {
		u, _ := resource.ParseURN(r.URN)
		if u.Stack().String() != stack || u.Project().String() != project {
			return &InputError{File: s.File, Path: fmt.Sprintf("deployment.resources[%d].urn", i),
				Expected: fmt.Sprintf("a resource of stack %q in project %q, got stack %q in project %q", stack, project, u.Stack(), u.Project())}
		}
	}
	return nil
}

func (o *OldResource) isProvider() bool { return strings.HasPrefix(o.Type, "pulumi:providers:") }

// OutputProps is the state's outputs as program values: a secret stays secret (its value is
// not known here; not even its ciphertext is kept), the unknown sentinel is unknown.
func (o *OldResource) OutputProps() resource.PropertyMap {
	return jsonToProps(o.Outputs)
}

// InputProps is the state's inputs as program values, like OutputProps.
func (o *OldResource) InputProps() resource.PropertyMap {
	return jsonToProps(o.Inputs)
}

func jsonToProps(m map[string]any) resource.PropertyMap {
	out := resource.PropertyMap{}
	for k, v := range m {
		out[resource.PropertyKey(k)] = jsonToValue(v)
	}
	return out
}

func jsonToValue(v any) resource.PropertyValue {
	switch x := v.(type) {
	case nil:
		return resource.NewNullProperty()
	case string:
		if x == model.UnknownSentinel {
			return resource.MakeComputed(resource.NewProperty(""))
		}
		return resource.NewProperty(x)
	case bool:
		return resource.NewProperty(x)
	case float64:
		return resource.NewProperty(x)
	case json.Number:
		f, _ := x.Float64()
		return resource.NewProperty(f)
	case []any:
		arr := make([]resource.PropertyValue, len(x))
		for i, e := range x {
			arr[i] = jsonToValue(e)
		}
		return resource.NewProperty(arr)
	case map[string]any:
		if sig, ok := x[model.SecretSigKey].(string); ok && sig == model.SecretSigValue {
			// A secret of the state holds nothing once read (source.Redact): the program sees a
			// secret with no usable value.
			return resource.MakeSecret(resource.NewProperty(""))
		}
		return resource.NewProperty(jsonToProps(x))
	}
	return resource.NewNullProperty()
}

// jsonError keeps encoding/json's position but not its quoted input, which may be a secret.
func jsonError(err error) error {
	var se *json.SyntaxError
	if ok := asSyntax(err, &se); ok {
		return fmt.Errorf("invalid JSON at byte %d", se.Offset)
	}
	return fmt.Errorf("undecodable JSON")
}

func asSyntax(err error, se **json.SyntaxError) bool {
	s, ok := err.(*json.SyntaxError)
	if ok {
		*se = s
	}
	return ok
}

// sortedKeys returns a map's keys sorted.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
