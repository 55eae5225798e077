package engine

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/kvguard/kvguard/internal/model"
)

// documentValue builds the OPA input value straight from the document. It replaces a JSON
// round trip (marshal, unmarshal, ast.InterfaceToValue), which BenchmarkInputConversion
// shows costs several times the time and allocations on large documents. Field names and
// omitempty rules follow the model's json tags, so `opa eval` on the marshalled document
// sees the same input; nil lists and maps become empty ones so policies can iterate them.
func documentValue(doc *model.Document) (ast.Value, error) {
	res := make([]*ast.Term, len(doc.Resources))
	for i := range doc.Resources {
		v, err := resourceValue(&doc.Resources[i])
		if err != nil {
			return nil, fmt.Errorf("resource %q: %w", doc.Resources[i].URN, err)
		}
		res[i] = ast.NewTerm(v)
	}
	cfg := ast.NewObjectWithCapacity(len(doc.Config))
	for id, settings := range doc.Config {
		v, err := anyValue(settings)
		if err != nil {
			return nil, fmt.Errorf("config %q: %w", id, err)
		}
		cfg.Insert(ast.StringTerm(id), ast.NewTerm(v))
	}
	obj := ast.NewObjectWithCapacity(8)
	obj.Insert(ast.InternedTerm("stack"), ast.StringTerm(doc.Stack))
	obj.Insert(ast.InternedTerm("project"), ast.StringTerm(doc.Project))
	obj.Insert(ast.InternedTerm("source"), ast.StringTerm(doc.Source))
	obj.Insert(ast.InternedTerm("now"), ast.StringTerm(doc.Now))
	obj.Insert(ast.InternedTerm("profile"), ast.StringTerm(doc.Profile))
	obj.Insert(ast.InternedTerm("config"), ast.NewTerm(cfg))
	obj.Insert(ast.InternedTerm("resources"), ast.ArrayTerm(res...))
	return obj, nil
}

func resourceValue(r *model.Resource) (ast.Value, error) {
	props, err := mapValue(r.Properties)
	if err != nil {
		return nil, fmt.Errorf("properties: %w", err)
	}
	o := ast.NewObjectWithCapacity(20)
	o.Insert(ast.InternedTerm("urn"), ast.StringTerm(r.URN))
	o.Insert(ast.InternedTerm("type"), ast.StringTerm(r.Type))
	o.Insert(ast.InternedTerm("name"), ast.StringTerm(r.Name))
	o.Insert(ast.InternedTerm("op"), ast.StringTerm(r.Op))
	o.Insert(ast.InternedTerm("custom"), ast.InternedTerm(r.Custom))
	o.Insert(ast.InternedTerm("protect"), ast.InternedTerm(r.Protect))
	o.Insert(ast.InternedTerm("properties"), ast.NewTerm(props))
	o.Insert(ast.InternedTerm("unknown"), stringsTerm(r.Unknown))
	o.Insert(ast.InternedTerm("secret"), stringsTerm(r.Secret))
	o.Insert(ast.InternedTerm("dependencies"), stringsTerm(r.Dependencies))
	pd := ast.NewObjectWithCapacity(len(r.PropertyDependencies))
	for k, v := range r.PropertyDependencies {
		pd.Insert(ast.StringTerm(k), stringsTerm(v))
	}
	o.Insert(ast.InternedTerm("propertyDependencies"), ast.NewTerm(pd))
	optString := func(key, v string) {
		if v != "" {
			o.Insert(ast.InternedTerm(key), ast.StringTerm(v))
		}
	}
	optString("id", r.ID)
	optString("parent", r.Parent)
	optString("provider", r.Provider)
	optString("sourcePosition", r.SourcePosition)
	if len(r.OldProperties) > 0 {
		old, err := mapValue(r.OldProperties)
		if err != nil {
			return nil, fmt.Errorf("oldProperties: %w", err)
		}
		o.Insert(ast.InternedTerm("oldProperties"), ast.NewTerm(old))
	}
	if len(r.Plaintext) > 0 {
		o.Insert(ast.InternedTerm("plaintext"), stringsTerm(r.Plaintext))
	}
	if len(r.ReplaceReasons) > 0 {
		o.Insert(ast.InternedTerm("replaceReasons"), stringsTerm(r.ReplaceReasons))
	}
	return o, nil
}

func stringsTerm(ss []string) *ast.Term {
	ts := make([]*ast.Term, len(ss))
	for i, s := range ss {
		ts[i] = ast.StringTerm(s)
	}
	return ast.ArrayTerm(ts...)
}

func mapValue(m map[string]any) (ast.Object, error) {
	o := ast.NewObjectWithCapacity(len(m))
	for k, v := range m {
		val, err := anyValue(v)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", k, err)
		}
		o.Insert(ast.StringTerm(k), ast.NewTerm(val))
	}
	return o, nil
}

// anyValue converts the JSON-like values sources produce; anything else goes through
// ast.InterfaceToValue (a JSON round trip), which is correct but slower.
func anyValue(v any) (ast.Value, error) {
	switch x := v.(type) {
	case nil:
		return ast.NullValue, nil
	case string:
		return ast.String(x), nil
	case bool:
		return ast.Boolean(x), nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, fmt.Errorf("number %v is not JSON", x)
		}
		return ast.Number(strconv.FormatFloat(x, 'g', -1, 64)), nil
	case int:
		return ast.Number(strconv.Itoa(x)), nil
	case int64:
		return ast.Number(strconv.FormatInt(x, 10)), nil
	case json.Number:
		return ast.Number(x), nil
	case map[string]any:
		return mapValue(x)
	case []any:
		ts := make([]*ast.Term, len(x))
		for i, e := range x {
			ev, err := anyValue(e)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			ts[i] = ast.NewTerm(ev)
		}
		return ast.NewArray(ts...), nil
	case []string:
		return stringsTerm(x).Value, nil
	case map[string]map[string]any:
		o := ast.NewObjectWithCapacity(len(x))
		for k, e := range x {
			ev, err := mapValue(e)
			if err != nil {
				return nil, fmt.Errorf("%q: %w", k, err)
			}
			o.Insert(ast.StringTerm(k), ast.NewTerm(ev))
		}
		return o, nil
	}
	val, err := ast.InterfaceToValue(v)
	if err != nil {
		return nil, fmt.Errorf("unsupported value of type %T", v)
	}
	return val, nil
}
