// Package engine loads kvguard's Rego policies, compiles them once and evaluates them over a
// whole document in a single query. It owns the METADATA catalogue, per-stack enforcement
// levels, the policy-pack config and exceptions. It returns a Report and never prints.
package engine

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"path"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/topdown"

	"github.com/kvguard/kvguard/internal/model"
)

// Profiles a stack maps to (see ProfileFor).
const (
	ProfileDev     = "dev"
	ProfileStaging = "staging"
	ProfileProd    = "prod"
)

// Engine holds the compiled policies and the one prepared query that evaluates all of them.
// It is safe for concurrent use: Evaluate only reads it.
type Engine struct {
	policies []Policy          // sorted by id
	byID     map[string]int    // id -> index in policies
	sources  map[string]string // non-test Rego file path -> source text
	// query binds every policy's deny and warn set: the evaluation of a document on one CPU.
	query rego.PreparedEvalQuery
	// byPolicy bind the same sets one policy at a time, for evaluating a document on every
	// CPU; readers are the queries of policies that read other policies' sets (GEN-002), run
	// once the others are done.
	byPolicy []policyQuery
	readers  []policyQuery
	// shared are the library values annotated `shared`, each after the shared values it reads:
	// computed once per document, before the policies, and given to every worker.
	shared []sharedQuery
	// evals counts OPA evaluations, so a test can prove a fixed number of queries (never one
	// per resource) serves a whole document.
	evals atomic.Int64
}

// Settings are the per-run inputs of Evaluate.
type Settings struct {
	// Stack names the stack asked for; the profile (DocumentProfile) is the stricter of its and
	// the document's own stack's, and selects levels and settings defaults. The report names
	// the stack ReportStack gives.
	Stack string
	// Now is the evaluation time given to policies as input.now; zero means the wall clock.
	Now time.Time
	// Config is the parsed policy-pack config; the zero value means none.
	Config PackConfig
	// Exceptions waive failures; expired ones are reported and ignored.
	Exceptions []Exception
	// ExceptionsFile names the file Exceptions came from, for error messages.
	ExceptionsFile string
	// ReleaseProperties lets Evaluate drop what policies read from every resource (properties,
	// old properties, unknown and secret paths, dependencies) once it is converted into OPA's
	// input, when the caller has no further use for it (the check command), so a large
	// document is not held twice while the policies run. URN, type, name, op, custom and
	// source position stay.
	ReleaseProperties bool
}

// New parses every non-test .rego file and every .json data file of fsys, reads each policy's
// package METADATA into the catalogue, compiles everything once and prepares the single query
// Evaluate runs. A module is a policy when it defines deny or warn or its package METADATA has
// custom.id; any other module (kvguard.lib) is a library.
func New(fsys fs.FS) (*Engine, error) {
	modules := map[string]*ast.Module{}
	sources := map[string]string{}
	data := map[string]any{}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		switch {
		case strings.HasSuffix(p, "_test.rego"):
			return nil
		case strings.HasSuffix(p, ".rego"):
			src, err := fs.ReadFile(fsys, p)
			if err != nil {
				return fmt.Errorf("read %q: %w", p, err)
			}
			m, err := ast.ParseModuleWithOpts(p, string(src), ast.ParserOptions{
				ProcessAnnotation: true,
				RegoVersion:       ast.RegoV1,
			})
			if err != nil {
				return fmt.Errorf("parse %q: %w", p, err)
			}
			modules[p] = m
			sources[p] = string(src)
		case strings.HasSuffix(p, ".json"):
			raw, err := fs.ReadFile(fsys, p)
			if err != nil {
				return fmt.Errorf("read %q: %w", p, err)
			}
			if err := mergeDataFile(data, p, raw); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load policies: %w", err)
	}
	if len(modules) == 0 {
		return nil, errors.New("load policies: no .rego files found")
	}

	e := &Engine{byID: map[string]int{}, sources: sources}
	files := make([]string, 0, len(modules))
	for f := range modules {
		files = append(files, f)
	}
	sort.Strings(files)
	pkgFile := map[string]string{}
	type entry struct{ deny, warn bool }
	var libFiles []string
	entries := map[string]entry{} // policy id -> which entry points exist
	for _, f := range files {
		m := modules[f]
		pkg := strings.TrimPrefix(m.Package.Path.String(), "data.")
		ann := packageAnnotation(m)
		deny, warn, err := entryPoints(f, m)
		if err != nil {
			return nil, err
		}
		hasID := ann != nil && ann.Custom != nil && ann.Custom["id"] != nil
		if !deny && !warn && !hasID {
			libFiles = append(libFiles, f)
			continue // library module
		}
		if ann == nil {
			return nil, fmt.Errorf("policy %q: no package-scoped METADATA block (scope: package)", f)
		}
		if !deny && !warn {
			return nil, fmt.Errorf("policy %q: METADATA has custom.id but the package defines neither deny nor warn", f)
		}
		if other, ok := pkgFile[pkg]; ok {
			return nil, fmt.Errorf("policy %q: package %q is already defined by %q (one policy per file)", f, pkg, other)
		}
		pkgFile[pkg] = f
		p, err := policyFromAnnotation(f, pkg, ann)
		if err != nil {
			return nil, err
		}
		if i, dup := e.byID[p.ID]; dup {
			return nil, fmt.Errorf("policy %q: id %q is already used by %q", f, p.ID, e.policies[i].File)
		}
		e.byID[p.ID] = len(e.policies)
		e.policies = append(e.policies, p)
		entries[p.ID] = entry{deny: deny, warn: warn}
	}
	sort.Slice(e.policies, func(i, j int) bool { return e.policies[i].ID < e.policies[j].ID })
	for i, p := range e.policies {
		e.byID[p.ID] = i
	}

	compiler := ast.NewCompiler().WithDefaultRegoVersion(ast.RegoV1)
	compiler.Compile(modules)
	if compiler.Failed() {
		return nil, fmt.Errorf("compile policies: %w", compiler.Errors)
	}

	// One query binds every policy's deny and warn set, so a document is evaluated once
	// whatever its size; OPA shares the library's per-type indexes between policies.
	var all strings.Builder
	var perPolicy []string
	for i, p := range e.policies {
		ent := entries[p.ID]
		var q strings.Builder
		if ent.deny {
			fmt.Fprintf(&q, "%s := data.%s.deny\n", bindingName(i, "d"), p.Package)
		}
		if ent.warn {
			fmt.Fprintf(&q, "%s := data.%s.warn\n", bindingName(i, "w"), p.Package)
		}
		all.WriteString(q.String())
		perPolicy = append(perPolicy, q.String())
	}
	store := inmem.NewFromObject(data)
	prepare := func(q string) (rego.PreparedEvalQuery, error) {
		if q == "" {
			q = "true\n"
		}
		pq, err := rego.New(
			rego.Query(q),
			rego.Compiler(compiler),
			rego.Store(store),
		).PrepareForEval(context.Background())
		if err != nil {
			return rego.PreparedEvalQuery{}, fmt.Errorf("prepare policy query: %w", err)
		}
		return pq, nil
	}
	if e.query, err = prepare(all.String()); err != nil {
		return nil, err
	}
	for _, sv := range sharedValues(compiler, libFiles) {
		pq, err := prepare("_ = " + sv.ref.String() + "\n")
		if err != nil {
			return nil, err
		}
		sv.query = pq
		e.shared = append(e.shared, sv)
	}
	// The same sets one policy at a time, for several CPUs. A policy's deny and warn stay
	// together: the relational ones read the same whole-stack groupings from both.
	for i, p := range e.policies {
		pq, err := prepare(perPolicy[i])
		if err != nil {
			return nil, err
		}
		q := policyQuery{query: pq, policy: i, sets: setRefs(p, entries[p.ID].deny, entries[p.ID].warn)}
		if readsPolicies(modules[p.File], pkgFile) {
			e.readers = append(e.readers, q)
		} else {
			e.byPolicy = append(e.byPolicy, q)
		}
	}
	return e, nil
}

// queriesPerDocument is how many OPA evaluations Evaluate runs for one document: one on one
// CPU; on several, one per shared library value and one per policy. Never a function of the
// document's size.
func (e *Engine) queriesPerDocument() int {
	if runtime.GOMAXPROCS(0) > 1 && len(e.byPolicy) > 1 {
		return len(e.shared) + len(e.byPolicy) + len(e.readers)
	}
	return 1
}

// policyQuery is the query of one policy's sets.
type policyQuery struct {
	query  rego.PreparedEvalQuery
	policy int       // index in Engine.policies
	sets   []ast.Ref // the data paths of the sets it binds
}

// setRefs are the data paths of a policy's deny and warn sets.
func setRefs(p Policy, deny, warn bool) []ast.Ref {
	var refs []ast.Ref
	for _, set := range []struct {
		name string
		has  bool
	}{{"deny", deny}, {"warn", warn}} {
		if set.has {
			refs = append(refs, ast.MustParseRef("data."+p.Package+"."+set.name))
		}
	}
	return refs
}

// eval runs the policy queries over input and returns the bindings of every policy's deny
// and warn set, nil when there are no policies. checked counts the checked resources of
// each type, to start the costliest policies first.
func (e *Engine) eval(ctx context.Context, input ast.Value, checked map[string]int) (rego.Vars, error) {
	var results []rego.ResultSet
	var builtinErrs []topdown.Error
	var err error
	if e.queriesPerDocument() > 1 {
		results, builtinErrs, err = e.evalParallel(ctx, input, checked)
	} else {
		e.evals.Add(1)
		var rs rego.ResultSet
		rs, err = e.query.Eval(ctx, rego.EvalParsedInput(input), rego.EvalBuiltinErrorList(&builtinErrs))
		results = []rego.ResultSet{rs}
	}
	if err != nil {
		return nil, err
	}
	// OPA's default mode (that of opa eval and conftest too) makes a rule body whose builtin
	// fails (time.format of a date past 2262, count of a number) quietly undefined: a finding
	// it would have built is lost, and the check would pass. The evaluation runs that way, so
	// results match those tools', but a check that hit such an error is refused rather than
	// reported. The policies guard their builtins' inputs; their tests raise builtin errors.
	if len(builtinErrs) > 0 {
		return nil, builtinError(builtinErrs)
	}
	if len(e.policies) == 0 {
		return nil, nil
	}
	bindings := rego.Vars{}
	for _, rs := range results {
		if len(rs) != 1 {
			return nil, fmt.Errorf("got %d result sets, want 1", len(rs))
		}
		for k, v := range rs[0].Bindings {
			bindings[k] = v
		}
	}
	return bindings, nil
}

// evalParallel evaluates the policies' queries on GOMAXPROCS workers. Each worker takes the
// costliest query left and keeps one cache for all it evaluates, so the library's indexes
// are built once per worker; a policy's deny and warn share a query, so a relational
// policy's groupings are built once. The readers (GEN-002) run last, over the first worker's
// cache with every other worker's sets added, so they compute nothing again.
func (e *Engine) evalParallel(ctx context.Context, input ast.Value, checked map[string]int) ([]rego.ResultSet, []topdown.Error, error) {
	workers := min(runtime.GOMAXPROCS(0), len(e.byPolicy))
	caches := make([]*droppableCache, workers)
	for w := range caches {
		caches[w] = newDroppableCache()
	}
	defer func() {
		for _, c := range caches {
			c.drop()
		}
	}()
	var all []topdown.Error
	// The library's shared values first, each on the first free worker once the values it
	// reads are done, then handed to every worker.
	var shared sharedValuesRun
	shared.start(len(e.shared))
	have := make([][]bool, workers)
	for w := range have {
		have[w] = make([]bool, len(e.shared))
	}
	errs := make([]error, len(e.shared))
	builtinErrs := make([][]topdown.Error, len(e.shared))
	pool(workers, func() (int, bool) { return shared.take(e.shared) }, func(w, i int) {
		shared.copyDone(e.shared, caches[w], have[w])
		e.evals.Add(1)
		_, errs[i] = e.shared[i].query.Eval(ctx, rego.EvalParsedInput(input),
			rego.EvalBuiltinErrorList(&builtinErrs[i]), rego.EvalVirtualCache(caches[w]))
		v, _ := caches[w].Get(e.shared[i].ref)
		have[w][i] = true
		shared.finish(i, v)
	})
	for i := range e.shared {
		if errs[i] != nil {
			return nil, nil, errs[i]
		}
		all = append(all, builtinErrs[i]...)
	}
	for w := range caches {
		shared.copyDone(e.shared, caches[w], have[w])
	}
	order := e.costliestFirst(checked)
	ranOn := make([]int, len(e.byPolicy))
	results := make([]rego.ResultSet, len(e.byPolicy)+len(e.readers))
	errs = make([]error, len(results))
	builtinErrs = make([][]topdown.Error, len(results))
	pool(workers, upTo(len(order)), func(w, n int) {
		i := order[n]
		ranOn[i] = w
		e.evals.Add(1)
		results[i], errs[i] = e.byPolicy[i].query.Eval(ctx, rego.EvalParsedInput(input),
			rego.EvalBuiltinErrorList(&builtinErrs[i]), rego.EvalVirtualCache(caches[w]))
	})
	readerCache := caches[0]
	for i, q := range e.byPolicy {
		if ranOn[i] == 0 {
			continue
		}
		for _, ref := range q.sets {
			if v, _ := caches[ranOn[i]].Get(ref); v != nil {
				readerCache.Put(ref, v)
			}
		}
	}
	for j, q := range e.readers {
		i := len(e.byPolicy) + j
		e.evals.Add(1)
		results[i], errs[i] = q.query.Eval(ctx, rego.EvalParsedInput(input),
			rego.EvalBuiltinErrorList(&builtinErrs[i]), rego.EvalVirtualCache(readerCache))
	}
	for i, err := range errs {
		if err != nil {
			return nil, nil, err
		}
		all = append(all, builtinErrs[i]...)
	}
	return results, all, nil
}

// droppableCache is OPA's virtual cache whose values can be let go of once a document's
// evaluation is over: OPA's pooled evaluators keep a reference to the cache they last used
// until two collections have passed (see Evaluate).
type droppableCache struct{ topdown.VirtualCache }

func newDroppableCache() *droppableCache {
	return &droppableCache{topdown.NewVirtualCache()}
}

func (c *droppableCache) drop() { c.VirtualCache = topdown.NewVirtualCache() }

// pool runs task(worker, i) on the given number of workers for every i that next hands out,
// each worker asking for the next one as it finishes one, until next has no more.
func pool(workers int, next func() (int, bool), task func(w, i int)) {
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i, ok := next(); ok; i, ok = next() {
				task(w, i)
			}
		}()
	}
	wg.Wait()
}

// upTo hands out 0, 1, ... n-1 once each, to any number of callers.
func upTo(n int) func() (int, bool) {
	var next atomic.Int64
	return func() (int, bool) {
		i := int(next.Add(1)) - 1
		return i, i < n
	}
}

// sharedQuery computes one shared library value.
type sharedQuery struct {
	query rego.PreparedEvalQuery
	ref   ast.Ref
	deps  []int // indexes of the shared values it reads
	// dependents counts the shared values that read it.
	dependents int
}

// sharedValuesRun hands shared values to workers as the values they read are done, and
// keeps the finished ones for every worker to copy.
type sharedValuesRun struct {
	mu     sync.Mutex
	ready  *sync.Cond
	taken  []bool
	done   []bool
	values []*ast.Term
	left   int
}

func (r *sharedValuesRun) start(n int) {
	r.ready = sync.NewCond(&r.mu)
	r.taken, r.done, r.values, r.left = make([]bool, n), make([]bool, n), make([]*ast.Term, n), n
}

// take returns the first value not yet taken whose dependencies are done, waiting while
// every untaken one still waits for one; false when all are taken.
func (r *sharedValuesRun) take(qs []sharedQuery) (int, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for {
		best, left := -1, false
		for i, q := range qs {
			if r.taken[i] {
				continue
			}
			left = true
			// Values others wait for first: they unblock the most work.
			if r.depsDone(q) && (best < 0 || q.dependents > qs[best].dependents) {
				best = i
			}
		}
		if best >= 0 {
			r.taken[best] = true
			return best, true
		}
		if !left {
			return 0, false
		}
		r.ready.Wait()
	}
}

func (r *sharedValuesRun) depsDone(q sharedQuery) bool {
	for _, d := range q.deps {
		if !r.done[d] {
			return false
		}
	}
	return true
}

func (r *sharedValuesRun) finish(i int, v *ast.Term) {
	r.mu.Lock()
	r.done[i], r.values[i] = true, v
	r.mu.Unlock()
	r.ready.Broadcast()
}

// copyDone puts into cache every finished value it does not have yet. Only the worker
// that owns cache calls it, between evaluations.
func (r *sharedValuesRun) copyDone(qs []sharedQuery, cache topdown.VirtualCache, have []bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, q := range qs {
		if r.done[i] && !have[i] {
			if r.values[i] != nil {
				cache.Put(q.ref, r.values[i])
			}
			have[i] = true
		}
	}
}

// sharedValues lists the library's rules annotated `custom: {shared: true}`, each after the
// shared rules it reads (directly or through other rules and functions), with those as its
// dependencies.
func sharedValues(c *ast.Compiler, libFiles []string) []sharedQuery {
	var rules []*ast.Rule
	index := map[*ast.Rule]int{}
	for _, f := range libFiles {
		for _, a := range c.Modules[f].Annotations {
			if a.Scope != "rule" || a.Custom == nil || a.Custom["shared"] != true {
				continue
			}
			for _, rule := range c.GetRulesExact(a.GetTargetPath()) {
				if _, ok := index[rule]; !ok {
					index[rule] = len(rules)
					rules = append(rules, rule)
				}
			}
		}
	}
	// reads lists the shared rules r reads, not looking past another shared rule.
	reads := func(r *ast.Rule) []*ast.Rule {
		var out []*ast.Rule
		seen := map[*ast.Rule]bool{r: true}
		var walk func(x *ast.Rule)
		walk = func(x *ast.Rule) {
			for d := range c.Graph.Dependencies(x) {
				dr := d.(*ast.Rule)
				if seen[dr] {
					continue
				}
				seen[dr] = true
				if _, ok := index[dr]; ok {
					out = append(out, dr)
					continue
				}
				walk(dr)
			}
		}
		walk(r)
		return out
	}
	// Order each rule after those it reads (depth-first), one query per data path.
	var out []sharedQuery
	at := map[string]int{}
	var visit func(r *ast.Rule) int
	visit = func(r *ast.Rule) int {
		ref := r.Path()
		if i, ok := at[ref.String()]; ok {
			return i
		}
		var deps []int
		for _, d := range reads(r) {
			deps = append(deps, visit(d))
		}
		at[ref.String()] = len(out)
		out = append(out, sharedQuery{ref: ref, deps: deps})
		return len(out) - 1
	}
	for _, r := range rules {
		visit(r)
	}
	for _, q := range out {
		for _, d := range q.deps {
			out[d].dependents++
		}
	}
	return out
}

// costliestFirst orders the policy queries so the costliest start first and the cheap ones
// fill the workers' ends: the relational policies (they build whole-stack groupings, the
// costliest work), then the others by how many checked resources of their types the document
// has.
func (e *Engine) costliestFirst(checked map[string]int) []int {
	resources := make([]int, len(e.byPolicy))
	for i, q := range e.byPolicy {
		for _, t := range e.policies[q.policy].ResourceTypes {
			resources[i] += checked[t]
		}
	}
	order := make([]int, len(e.byPolicy))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool {
		pa, pb := e.policies[e.byPolicy[order[a]].policy], e.policies[e.byPolicy[order[b]].policy]
		if pa.Relational != pb.Relational {
			return pa.Relational
		}
		return resources[order[a]] > resources[order[b]]
	})
	return order
}

// builtinError words the first builtin error of an evaluation: where in the policies, what
// failed, and why the check is refused. The message is OPA's, about a value of the document,
// which holds no secret values.
func builtinError(list []topdown.Error) error {
	first := list[0]
	where := "a policy"
	if first.Location != nil {
		where = first.Location.String()
	}
	more := ""
	if len(list) > 1 {
		more = fmt.Sprintf(" (and %d more)", len(list)-1)
	}
	return fmt.Errorf("a policy builtin failed on a value of the input at %s: %s%s; a rule that fails this way loses its finding, so the check is refused rather than reported (a policy bug: report it with the input's shape)", where, first.Message, more)
}

func bindingName(i int, kind string) string { return fmt.Sprintf("p%d%s", i, kind) }

// packageAnnotation returns the module's package-scoped METADATA block, if any.
func packageAnnotation(m *ast.Module) *ast.Annotations {
	for _, a := range m.Annotations {
		if a.Scope == "package" {
			return a
		}
	}
	return nil
}

// entryPoints reports whether the module defines deny and warn, and insists they are partial
// set rules: a complete rule can be undefined, which would make the one shared query undefined
// for every policy.
func entryPoints(file string, m *ast.Module) (deny, warn bool, err error) {
	for _, r := range m.Rules {
		name := r.Head.Name.String()
		if len(r.Head.Reference) > 0 {
			name = r.Head.Reference[0].Value.String()
		}
		if name != "deny" && name != "warn" {
			continue
		}
		if len(r.Head.Reference) > 1 || r.Head.RuleKind() != ast.MultiValue {
			return false, false, fmt.Errorf("policy %q: %q must be a partial set rule (%s contains entry if {...})", file, name, name)
		}
		if name == "deny" {
			deny = true
		} else {
			warn = true
		}
	}
	return deny, warn, nil
}

// mergeDataFile places a JSON file's object under the data path of its directory, as
// `opa eval -d policies/` does, so data.kvguard.roles resolves the same way everywhere.
func mergeDataFile(data map[string]any, file string, raw []byte) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return fmt.Errorf("data file %q: expected valid JSON: %w", file, err)
	}
	obj, ok := v.(map[string]any)
	dir := path.Dir(file)
	if dir == "." && !ok {
		return fmt.Errorf("data file %q: expected a JSON object at the top level", file)
	}
	target := data
	if dir != "." {
		for _, part := range strings.Split(dir, "/") {
			next, ok := target[part].(map[string]any)
			if !ok {
				if _, exists := target[part]; exists {
					return fmt.Errorf("data file %q: data path %q conflicts with another data file", file, part)
				}
				next = map[string]any{}
				target[part] = next
			}
			target = next
		}
	}
	if !ok {
		return fmt.Errorf("data file %q: expected a JSON object at the top level", file)
	}
	return mergeObjects(file, "", target, obj)
}

func mergeObjects(file, prefix string, dst, src map[string]any) error {
	for k, v := range src {
		cur, exists := dst[k]
		if !exists {
			dst[k] = v
			continue
		}
		a, okA := cur.(map[string]any)
		b, okB := v.(map[string]any)
		if !okA || !okB {
			return fmt.Errorf("data file %q: key %q is defined by another data file", file, prefix+k)
		}
		if err := mergeObjects(file, prefix+k+".", a, b); err != nil {
			return err
		}
	}
	return nil
}

// Policies returns the catalogue sorted by id.
func (e *Engine) Policies() []Policy {
	out := make([]Policy, len(e.policies))
	copy(out, e.policies)
	return out
}

// Policy returns the catalogue entry for id.
func (e *Engine) Policy(id string) (Policy, bool) {
	i, ok := e.byID[id]
	if !ok {
		return Policy{}, false
	}
	return e.policies[i], true
}

// Modules returns the source text of every non-test Rego file the engine compiled, keyed by
// its path inside the policy FS.
func (e *Engine) Modules() map[string]string {
	out := make(map[string]string, len(e.sources))
	for k, v := range e.sources {
		out[k] = v
	}
	return out
}

// ProfileFor maps a stack name to its environment profile. The last path segment of a fully
// qualified stack ("org/project/prod") is split into words at every character that is not a
// letter or digit, case-insensitively: a word "prod" or "production", or one starting with
// "prd", makes it prod ("prod-eu", "eu-prod", "prod2", "prdweu"); else a word "staging",
// "stage", "uat" or "preprod", or one starting with "stg", makes it staging; else dev. A
// prod word anywhere wins, so a production stack is never judged by the dev levels because
// of its naming scheme.
func ProfileFor(stack string) string {
	s := strings.ToLower(strings.TrimSpace(stack))
	if i := strings.LastIndex(s, "/"); i >= 0 {
		s = s[i+1:]
	}
	words := strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	profile := ProfileDev
	for _, w := range words {
		base := strings.TrimRightFunc(w, unicode.IsDigit)
		switch {
		case base == "prod" || base == "production" || strings.HasPrefix(w, "prd"):
			return ProfileProd
		case base == "staging" || base == "stage" || base == "uat" || base == "preprod" || strings.HasPrefix(w, "stg"):
			profile = ProfileStaging
		}
	}
	return profile
}

// SameStack reports whether asked, a stack name as `pulumi --stack` takes it (stack,
// org/stack or org/project/stack), names the document's own stack.
func SameStack(asked string, doc *model.Document) bool {
	parts := strings.Split(asked, "/")
	if doc.Stack == "" || len(parts) > 3 || parts[len(parts)-1] != doc.Stack {
		return false
	}
	return len(parts) < 3 || doc.Project == "" || parts[1] == doc.Project
}

// ReportStack is the stack a report names: the stack the resources belong to, so a report
// of a prod preview checked with --stack dev is prod's (SARIF files it under prod's
// analysis); the name asked for when the document has none, or when it names the same stack
// more fully (myorg/prod keeps two organisations' prod stacks apart).
func ReportStack(asked string, doc *model.Document) string {
	if doc.Stack == "" || SameStack(asked, doc) {
		return cmp.Or(asked, doc.Stack)
	}
	return doc.Stack
}

// profileRank orders profiles by strictness.
var profileRank = map[string]int{ProfileDev: 0, ProfileStaging: 1, ProfileProd: 2}

// latestNow is the last time in whole seconds that int64 nanoseconds since 1970 hold: the
// policies read input.now with time.parse_rfc3339_ns, which fails beyond it.
var latestNow = time.Unix(math.MaxInt64/int64(time.Second), 0).UTC()

// ParseNow reads an evaluation time as every front end takes one (--now, KVGUARD_NOW): RFC3339
// or a date. name labels the error. The zero time means "the wall clock" to Evaluate, and
// expiry dates are seconds since 1970, so a time before 1970 is a mistake, not a time to
// evaluate at.
func ParseNow(name, s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		if t, err = time.Parse(time.DateOnly, s); err != nil {
			return time.Time{}, fmt.Errorf("%s %q: expected an RFC3339 time such as 2026-12-03T00:00:00Z or a date such as 2026-12-03", name, s)
		}
	}
	if t.Year() < 1970 {
		return time.Time{}, fmt.Errorf("%s %q: expected a time in 1970 or later", name, s)
	}
	if t.After(latestNow) {
		return time.Time{}, fmt.Errorf("%s %q: expected a time no later than %s, the last that OPA's time functions take (nanoseconds in an int64)", name, s, latestNow.Format(time.RFC3339))
	}
	return t, nil
}

// DocumentProfile is the profile doc is judged by for stack: the strictest of the stack
// name's, the document's own stack name's (from its URNs) and the stack's own environment
// setting, when the document carries one. A name asked for never lowers a stack's levels.
func DocumentProfile(stack string, doc *model.Document) string {
	return StricterProfile(StricterProfile(ProfileFor(stack), ProfileFor(doc.Stack)), ProfileFor(doc.Environment))
}

// StricterProfile returns the stricter of two profiles.
func StricterProfile(a, b string) string {
	if profileRank[b] > profileRank[a] {
		return b
	}
	return a
}

// LevelFor is the policy's level for a profile under cfg: prod_enforcement in prod (when set)
// else enforcement, then the config's "all", then the config's entry for the policy id.
func LevelFor(p Policy, profile string, cfg PackConfig) Level {
	lvl := p.Enforcement
	if profile == ProfileProd && p.ProdEnforcement != "" {
		lvl = p.ProdEnforcement
	}
	if cfg.All != "" {
		lvl = cfg.All
	}
	if pc, ok := cfg.Policies[p.ID]; ok && pc.Level != "" {
		lvl = pc.Level
	}
	return lvl
}

// EffectiveSettings returns the settings a policy sees in input.config for a profile: schema
// default, then the schema's prod default in the prod profile, then cfg. Policies without
// settings are absent.
func (e *Engine) EffectiveSettings(profile string, cfg PackConfig) map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, p := range e.policies {
		if len(p.Config) == 0 {
			continue
		}
		m := make(map[string]any, len(p.Config))
		for name, schema := range p.Config {
			m[name] = schema["default"]
			if v, ok := schema["prod"]; ok && profile == ProfileProd {
				m[name] = v
			}
			if pc, ok := cfg.Policies[p.ID]; ok {
				if v, ok := pc.Settings[name]; ok {
					m[name] = normalizeSetting(schema["type"], v)
				}
			}
		}
		out[p.ID] = m
	}
	return out
}

// finding is one deny or warn entry of one policy.
type finding struct {
	urn, msg, unknown string
	deny              bool
}

// Evaluate validates the settings against the catalogue for the stack's profile
// (ValidateConfigFor), fills doc.Now, doc.Profile and doc.Config, evaluates every policy over
// the whole document in one query and turns the entries into one Result per (policy,
// resource).
//
// For one (policy, resource): deny entries give fail at the policy's level; warn entries
// without "unknown" give fail capped at advisory; warn entries with "unknown" give
// unverifiable (Path set) only when there is no fail. Several messages or paths for one pair
// are joined (messages with a space, paths with ", "). Resources of the policy's
// resource_types with no entry pass, except components and resources being deleted
// (delete, delete-replaced), which get results only from entries. A disabled policy gives
// not-applicable for its resources and its entries are dropped.
func (e *Engine) Evaluate(ctx context.Context, doc *model.Document, s Settings) (*Report, error) {
	if doc == nil {
		return nil, errors.New("evaluate: nil document")
	}
	// The stack's own environment setting (a preview's config, the planned stack config)
	// counts too: a stack named "eu-west" that says environment: prod is judged as prod.
	profile := DocumentProfile(s.Stack, doc)
	if err := e.ValidateConfigFor(profile, s.Config); err != nil {
		return nil, err
	}
	excFile := s.ExceptionsFile
	if excFile == "" {
		excFile = "exceptions"
	}
	if err := e.ValidateExceptions(excFile, s.Exceptions); err != nil {
		return nil, err
	}
	now := s.Now
	if now.IsZero() {
		now = time.Now()
	}
	now = now.UTC()
	doc.Now = now.Format(time.RFC3339)
	doc.Profile = profile
	doc.Config = e.EffectiveSettings(profile, s.Config)

	input, err := documentValue(doc, s.ReleaseProperties)
	if err != nil {
		return nil, fmt.Errorf("evaluate: convert input: %w", err)
	}
	// Index the checked resources by type once; deletions and components only matter
	// through the entries policies produce for them.
	idx, checked := newResourceIndex(doc)
	bindings, err := e.eval(ctx, input, checked)
	if err != nil {
		return nil, fmt.Errorf("evaluate policies: %w", err)
	}
	// OPA's pooled evaluators keep a reference to the last input (and cache) they evaluated
	// until two collections have passed, so the first collection while the results are
	// built would mark the whole document again (0.7 GB at 100k resources) and free little.
	// Nothing reads the input any more: it lets go of the resources here.
	if obj, ok := input.(ast.Object); ok {
		obj.Insert(ast.InternedTerm("resources"), ast.ArrayTerm())
	}

	levels := make([]Level, len(e.policies))
	rep := &Report{
		Stack:   ReportStack(s.Stack, doc),
		Project: doc.Project,
		Source:  doc.Source,
		Profile: profile,
		Now:     doc.Now,
	}
	for i, p := range e.policies {
		levels[i] = LevelFor(p, profile, s.Config)
		rep.Policies = append(rep.Policies, PolicyLevel{Policy: p, Level: levels[i]})
	}

	live, expired := splitExceptions(s.Exceptions, now)
	rep.ExpiredExceptions = expired

	// One result per (policy, resource), each policy's built on its own (they share nothing
	// but the exceptions of their own id), on every CPU.
	pfs := make([]*policyFindings, len(e.policies))
	errs := make([]error, len(e.policies))
	pool(runtime.GOMAXPROCS(0), upTo(len(e.policies)), func(_, i int) {
		pfs[i], errs[i] = idx.newPolicyFindings(e.policies[i], levels[i], bindings[bindingName(i, "d")], bindings[bindingName(i, "w")])
	})
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	if rep.Results, err = idx.buildResults(pfs, live); err != nil {
		return nil, err
	}
	rep.UnusedExceptions = unusedExceptions(live)
	return rep, nil
}

// collectFindings groups one policy's deny and warn entries by URN.
func collectFindings(id string, deny, warn any) (map[string][]finding, error) {
	out := map[string][]finding{}
	for _, set := range []struct {
		name string
		v    any
		deny bool
	}{{"deny", deny, true}, {"warn", warn, false}} {
		if set.v == nil {
			continue
		}
		entries, ok := set.v.([]any)
		if !ok {
			return nil, fmt.Errorf("policy %q: %s: expected a set of objects", id, set.name)
		}
		for _, raw := range entries {
			obj, ok := raw.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("policy %q: %s entry: expected an object built by lib.fail or lib.unverifiable", id, set.name)
			}
			urn, _ := obj["urn"].(string)
			msg, _ := obj["msg"].(string)
			if urn == "" || msg == "" {
				return nil, fmt.Errorf("policy %q: %s entry: expected string fields \"urn\" and \"msg\"", id, set.name)
			}
			f := finding{urn: urn, msg: msg, deny: set.deny}
			if u, ok := obj["unknown"]; ok {
				us, ok := u.(string)
				if !ok || us == "" {
					return nil, fmt.Errorf("policy %q: %s entry for %q: expected \"unknown\" to be a property path", id, set.name, urn)
				}
				if set.deny {
					return nil, fmt.Errorf("policy %q: deny entry for %q carries \"unknown\": an unknown value must be reported under warn (lib.unverifiable)", id, urn)
				}
				f.unknown = us
			}
			out[urn] = append(out[urn], f)
		}
	}
	return out, nil
}

// judge sets status, level, message and path of a result from its entries; fail wins.
func judge(res *Result, fs []finding, lvl Level) {
	var denyMsgs, warnMsgs, unkMsgs, paths []string
	for _, f := range fs {
		switch {
		case f.deny:
			denyMsgs = append(denyMsgs, f.msg)
		case f.unknown == "":
			warnMsgs = append(warnMsgs, f.msg)
		default:
			unkMsgs = append(unkMsgs, f.msg)
			paths = append(paths, f.unknown)
		}
	}
	switch {
	case len(denyMsgs) > 0:
		res.Status, res.Level = StatusFail, lvl
		res.Message = joinSorted(append(denyMsgs, warnMsgs...), " ")
	case len(warnMsgs) > 0:
		res.Status, res.Level = StatusFail, capAdvisory(lvl)
		res.Message = joinSorted(warnMsgs, " ")
	default:
		res.Status, res.Level = StatusUnverifiable, capAdvisory(lvl)
		res.Message = joinSorted(unkMsgs, " ")
		res.Path = joinSorted(paths, ", ")
	}
}

func capAdvisory(l Level) Level {
	if l == LevelMandatory {
		return LevelAdvisory
	}
	return l
}

func joinSorted(ss []string, sep string) string {
	sort.Strings(ss)
	out := ss[:0]
	for i, s := range ss {
		if i == 0 || s != ss[i-1] {
			out = append(out, s)
		}
	}
	return strings.Join(out, sep)
}

// splitURN extracts the type and name of "urn:pulumi:stack::project::parent$type::name".
func splitURN(urn string) (typ, name string) {
	parts := strings.SplitN(urn, "::", 4)
	if len(parts) != 4 {
		return "", urn
	}
	qt := parts[2]
	if i := strings.LastIndex(qt, "$"); i >= 0 {
		qt = qt[i+1:]
	}
	return qt, parts[3]
}

// readsPolicies reports whether a policy module refers to another policy's package (GEN-002
// reads every other warn set), so it is evaluated after them.
func readsPolicies(m *ast.Module, pkgFile map[string]string) bool {
	own := m.Package.Path
	found := false
	ast.WalkRefs(m, func(r ast.Ref) bool {
		if found || !r.HasPrefix(ast.DefaultRootRef) {
			return found
		}
		prefix := r.GroundPrefix()
		for pkg := range pkgFile {
			path := ast.MustParseRef("data." + pkg)
			if path.Equal(own) {
				continue
			}
			if path.HasPrefix(prefix) || prefix.HasPrefix(path) {
				found = true
			}
		}
		return found
	})
	return found
}
