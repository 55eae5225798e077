package engine

import (
	"encoding/json"
	"fmt"
	"math"
	"runtime"
	"strconv"
	"sync"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/kvguard/kvguard/internal/model"
)

// documentValue builds the OPA input value straight from the document. It replaces a JSON
// round trip (marshal, unmarshal, ast.InterfaceToValue), which BenchmarkInputConversion
// shows costs several times the time and allocations on large documents. Field names and
// omitempty rules follow the model's json tags, so `opa eval` on the marshalled document
// sees the same input; nil lists and maps become empty ones so policies can iterate them.
// With release set, each resource keeps only what the report needs (URN, type, name, op,
// custom, source position) once it is converted, so the Go copy and the OPA copy of a large
// document are never both whole in memory.
func documentValue(doc *model.Document, release bool) (ast.Value, error) {
	// Resources convert independently: split them between the available CPUs, each worker
	// with its own term cache.
	res := make([]*ast.Term, len(doc.Resources))
	workers := min(runtime.GOMAXPROCS(0), max(1, len(doc.Resources)/1000))
	errs := make([]error, workers)
	errAt := make([]int, workers) // index of the resource that failed, per worker
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := newConverter()
			for i := w; i < len(doc.Resources); i += workers {
				r := &doc.Resources[i]
				v, err := c.resourceValue(r)
				if err != nil {
					errs[w], errAt[w] = fmt.Errorf("resource %q: %w", r.URN, err), i
					return
				}
				res[i] = ast.NewTerm(v)
				if release {
					r.Properties, r.OldProperties, r.PropertyDependencies = nil, nil, nil
					r.Unknown, r.Secret, r.Plaintext, r.Dependencies, r.ReplaceReasons = nil, nil, nil, nil, nil
				}
			}
		}()
	}
	wg.Wait()
	// Report the first failing resource in document order, whichever worker met it.
	first := -1
	for w, err := range errs {
		if err != nil && (first < 0 || errAt[w] < errAt[first]) {
			first = w
		}
	}
	if first >= 0 {
		return nil, errs[first]
	}
	c := newConverter()
	cfg := ast.NewObjectWithCapacity(len(doc.Config))
	for id, settings := range doc.Config {
		v, err := c.term(settings)
		if err != nil {
			return nil, fmt.Errorf("config %q: %w", id, err)
		}
		cfg.Insert(ast.StringTerm(id), v)
	}
	obj := ast.NewObjectWithCapacity(8)
	obj.Insert(ast.InternedTerm("stack"), ast.StringTerm(doc.Stack))
	obj.Insert(ast.InternedTerm("project"), ast.StringTerm(doc.Project))
	obj.Insert(ast.InternedTerm("source"), ast.StringTerm(doc.Source))
	obj.Insert(ast.InternedTerm("now"), ast.StringTerm(doc.Now))
	obj.Insert(ast.InternedTerm("profile"), ast.StringTerm(doc.Profile))
	// Left out when unset, as in the document's JSON (kvguard input), so opa eval and
	// conftest see the same input.
	if doc.Partial {
		obj.Insert(ast.InternedTerm("partial"), ast.BooleanTerm(true))
	}
	if doc.Environment != "" {
		obj.Insert(ast.InternedTerm("environment"), ast.StringTerm(doc.Environment))
	}
	obj.Insert(ast.InternedTerm("config"), ast.NewTerm(cfg))
	obj.Insert(ast.InternedTerm("resources"), ast.ArrayTerm(res...))
	return obj, nil
}

// converter turns model values into OPA terms. Terms are immutable, so one term serves every
// occurrence of the same short string or number: property names, types, locations, tenant
// ids and enum values repeat in every resource of a large estate, and sharing them roughly
// halves the size of the input OPA holds.
type converter struct {
	strs map[string]*ast.Term
	nums map[string]*ast.Term
}

// internMax is the longest string shared. URNs and ids repeat too (parent, provider,
// dependencies), so only unusually long strings are left out of the cache.
const internMax = 1024

func newConverter() *converter {
	return &converter{strs: map[string]*ast.Term{}, nums: map[string]*ast.Term{}}
}

func (c *converter) str(s string) *ast.Term {
	if len(s) > internMax {
		return ast.StringTerm(s)
	}
	if t, ok := c.strs[s]; ok {
		return t
	}
	t := ast.StringTerm(s)
	c.strs[s] = t
	return t
}

func (c *converter) num(n string) *ast.Term {
	if t, ok := c.nums[n]; ok {
		return t
	}
	t := ast.NumberTerm(json.Number(n))
	c.nums[n] = t
	return t
}

func (c *converter) resourceValue(r *model.Resource) (ast.Value, error) {
	props, err := c.mapValue(r.Properties)
	if err != nil {
		return nil, fmt.Errorf("properties: %w", err)
	}
	// Sized to the members it gets: an object's map and key list are most of its cost.
	o := ast.NewObjectWithCapacity(resourceMembers(r))
	o.Insert(c.str("urn"), ast.StringTerm(r.URN))
	o.Insert(c.str("type"), c.str(r.Type))
	o.Insert(c.str("name"), ast.StringTerm(r.Name))
	o.Insert(c.str("op"), c.str(r.Op))
	o.Insert(c.str("custom"), ast.InternedTerm(r.Custom))
	o.Insert(c.str("protect"), ast.InternedTerm(r.Protect))
	o.Insert(c.str("properties"), ast.NewTerm(props))
	o.Insert(c.str("unknown"), c.stringsTerm(r.Unknown))
	o.Insert(c.str("secret"), c.stringsTerm(r.Secret))
	o.Insert(c.str("dependencies"), c.stringsTerm(r.Dependencies))
	pd := ast.InternedEmptyObject
	if len(r.PropertyDependencies) > 0 {
		deps := ast.NewObjectWithCapacity(len(r.PropertyDependencies))
		for k, v := range r.PropertyDependencies {
			deps.Insert(c.str(k), c.stringsTerm(v))
		}
		pd = ast.NewTerm(deps)
	}
	o.Insert(c.str("propertyDependencies"), pd)
	optString := func(key, v string) {
		if v != "" {
			o.Insert(c.str(key), c.str(v))
		}
	}
	optString("id", r.ID)
	optString("parent", r.Parent)
	optString("provider", r.Provider)
	optString("sourcePosition", r.SourcePosition)
	if len(r.OldProperties) > 0 {
		// The previous properties mostly equal the current ones (an update changes a few
		// settings): equal subtrees share the terms already built for the properties.
		old, err := c.sharedMapValue(r.OldProperties, r.Properties, props)
		if err != nil {
			return nil, fmt.Errorf("oldProperties: %w", err)
		}
		o.Insert(c.str("oldProperties"), ast.NewTerm(old))
	}
	if len(r.OldUnreadable) > 0 {
		o.Insert(c.str("oldUnreadable"), c.stringsTerm(r.OldUnreadable))
	}
	if len(r.Plaintext) > 0 {
		o.Insert(c.str("plaintext"), c.stringsTerm(r.Plaintext))
	}
	if len(r.ReplaceReasons) > 0 {
		o.Insert(c.str("replaceReasons"), c.stringsTerm(r.ReplaceReasons))
	}
	return o, nil
}

// resourceMembers is the number of members resourceValue gives r.
func resourceMembers(r *model.Resource) int {
	n := 11 // urn, type, name, op, custom, protect, properties, unknown, secret, dependencies, propertyDependencies
	for _, present := range []bool{
		r.ID != "", r.Parent != "", r.Provider != "", r.SourcePosition != "",
		len(r.OldProperties) > 0, len(r.OldUnreadable) > 0, len(r.Plaintext) > 0, len(r.ReplaceReasons) > 0,
	} {
		if present {
			n++
		}
	}
	return n
}

func (c *converter) stringsTerm(ss []string) *ast.Term {
	if len(ss) == 0 {
		return ast.InternedEmptyArray
	}
	ts := make([]*ast.Term, len(ss))
	for i, s := range ss {
		ts[i] = c.str(s)
	}
	return ast.ArrayTerm(ts...)
}

func (c *converter) mapValue(m map[string]any) (ast.Object, error) {
	o := ast.NewObjectWithCapacity(len(m))
	for k, v := range m {
		val, err := c.term(v)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", k, err)
		}
		o.Insert(c.str(k), val)
	}
	return o, nil
}

// sharedMapValue converts m like mapValue, reusing the term of like's value (whose terms
// are in likeTerm) wherever the two hold deeply equal values under the same key.
func (c *converter) sharedMapValue(m, like map[string]any, likeTerm ast.Object) (ast.Object, error) {
	o := ast.NewObjectWithCapacity(len(m))
	for k, v := range m {
		key := c.str(k)
		if lv, ok := like[k]; ok {
			if lt := likeTerm.Get(key); lt != nil {
				if equalJSON(v, lv) {
					o.Insert(key, lt)
					continue
				}
				vm, ok1 := v.(map[string]any)
				lm, ok2 := lv.(map[string]any)
				lo, ok3 := lt.Value.(ast.Object)
				if ok1 && ok2 && ok3 {
					sub, err := c.sharedMapValue(vm, lm, lo)
					if err != nil {
						return nil, fmt.Errorf("%q: %w", k, err)
					}
					o.Insert(key, ast.NewTerm(sub))
					continue
				}
			}
		}
		val, err := c.term(v)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", k, err)
		}
		o.Insert(key, val)
	}
	return o, nil
}

// equalJSON reports whether two values of the shapes sources produce are equal as OPA would
// see them once converted; any other type is never equal, so it is converted on its own.
func equalJSON(a, b any) bool {
	switch x := a.(type) {
	case nil:
		return b == nil
	case string:
		y, ok := b.(string)
		return ok && x == y
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case float64:
		y, ok := b.(float64)
		return ok && math.Float64bits(x) == math.Float64bits(y) && !math.IsNaN(x) && !math.IsInf(x, 0)
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !equalJSON(v, w) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !equalJSON(x[i], y[i]) {
				return false
			}
		}
		return true
	}
	return false
}

// term converts the JSON-like values sources produce; anything else goes through
// ast.InterfaceToValue (a JSON round trip), which is correct but slower.
func (c *converter) term(v any) (*ast.Term, error) {
	switch x := v.(type) {
	case nil:
		return ast.InternedNullTerm, nil
	case string:
		return c.str(x), nil
	case bool:
		return ast.InternedTerm(x), nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, fmt.Errorf("number %v is not JSON", x)
		}
		return c.num(strconv.FormatFloat(x, 'g', -1, 64)), nil
	case int:
		return c.num(strconv.Itoa(x)), nil
	case int64:
		return c.num(strconv.FormatInt(x, 10)), nil
	case json.Number:
		return c.num(string(x)), nil
	case map[string]any:
		o, err := c.mapValue(x)
		if err != nil {
			return nil, err
		}
		return ast.NewTerm(o), nil
	case []any:
		ts := make([]*ast.Term, len(x))
		for i, e := range x {
			et, err := c.term(e)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			ts[i] = et
		}
		return ast.ArrayTerm(ts...), nil
	case []string:
		return c.stringsTerm(x), nil
	case map[string]map[string]any:
		o := ast.NewObjectWithCapacity(len(x))
		for k, e := range x {
			ev, err := c.mapValue(e)
			if err != nil {
				return nil, fmt.Errorf("%q: %w", k, err)
			}
			o.Insert(c.str(k), ast.NewTerm(ev))
		}
		return ast.NewTerm(o), nil
	}
	val, err := ast.InterfaceToValue(v)
	if err != nil {
		return nil, fmt.Errorf("unsupported value of type %T", v)
	}
	return ast.NewTerm(val), nil
}
