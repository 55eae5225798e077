// Package planner runs the secret-store Pulumi program (package infra) in-process against
// Pulumi's mocks answering as Azure would, and turns what the program registers into a plan:
// the steps `pulumi preview` would show, the data model the policies read, and the same plan in
// the `pulumi preview --json` shape so `kvguard check` gives the same findings.
//
// # What is known at preview
//
// A plan mirrors a real `pulumi preview`, not a simulated `pulumi up`: a resource that does not
// exist yet (create, or the new half of a replace) gets no id, and every output Azure assigns
// (ids, `name`, vaultUri, principalId, clientId, ...) is unknown, so inputs built from them
// (a diagnostic setting's resourceUri, a role assignment's scope and principalId, a secret's
// vaultName) carry Pulumi's unknown sentinel, exactly as in tests/testdata/samples/preview-dev.json.
// Outputs of the same name as an input echo the input, as azure-native previews do. Invokes
// (getClientConfig) run at preview in Pulumi too, so their answers are known. Resources that
// exist in a given state (--state) and do not change keep their id and outputs; updated ones
// keep their id, with outputs taken from the state overlaid by the new inputs.
//
// With Options.Applied the program runs as `pulumi up` would (Pulumi's DryRun off): every
// resource gets the Azure-shaped id and outputs of the mock. That is what Export writes, so a
// simulated deployment can be planned against with --state.
package planner

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"github.com/kvguard/kvguard/infra"
	"github.com/kvguard/kvguard/internal/model"
)

const (
	secretPlaceholder = model.SecretPlaceholder
	stackType         = "pulumi:pulumi:Stack"
	// defaultProviderVersion is the azure-native version the SDK modules register with when a
	// registration names none (v2.90.0, see go.mod).
	defaultProviderVersion = "2.90.0"
)

// Options configures one planning run.
type Options struct {
	// Dir is the project folder holding Pulumi.yaml; "" means the current folder.
	Dir string
	// Stack names the stack: "dev", "staging", "prod".
	Stack string
	// StackConfig is the stack config file to use instead of <Dir>/<stackConfigDir>/Pulumi.<Stack>.yaml.
	StackConfig string
	// Set holds "KEY=VALUE" overrides applied over the stack config, in order (see
	// StackConfig.Apply).
	Set []string
	// State is an existing stack (a `pulumi stack export`) to plan against; nil plans a first
	// deployment.
	State *State
	// Applied runs the program as `pulumi up` would: every output known (see the package doc).
	Applied bool
	// Program is the Pulumi program; nil means infra.Run.
	Program pulumi.RunFunc
	// Azure answers registrations and invokes; nil means the infra/azuremock monitor, with
	// the tenant and subscription from the stack config (azure-native:tenantId,
	// azure-native:subscriptionId) or its documented placeholders.
	Azure func(project, stack string, cfg *StackConfig) pulumi.MockResourceMonitor
}

// Plan is what one run of the program against the mocks would do.
type Plan struct {
	Project string
	Stack   string
	// Config is the stack config as previews print it: secrets as "[secret]".
	Config map[string]string
	// Steps are in dependency order (a resource after its parent and dependencies, ties by
	// URN), deletes last.
	Steps []Step
	// Applied is true when the plan simulates `pulumi up` (Options.Applied).
	Applied bool
	// Duration is how long the program ran.
	Duration time.Duration
}

// Step is one resource's planned operation.
type Step struct {
	Op     string
	URN    string
	Type   string
	Name   string
	Custom bool
	// ID is the resource's id when known: from the state for same and update steps, from the
	// mock when Applied.
	ID       string
	Parent   string
	Provider string
	// Inputs are the program's inputs; secrets and unknowns keep their marks.
	Inputs resource.PropertyMap
	// Outputs are the outputs known at preview (nil when none are: create, replace).
	Outputs resource.PropertyMap
	// Simulated are the outputs the Azure mock gives this resource once created; shown to
	// people ("after apply"), never evaluated.
	Simulated resource.PropertyMap
	// Old is the resource in the given state, for same, update, replace and delete steps.
	Old                  *OldResource
	Dependencies         []string
	PropertyDependencies map[string][]string
	Protect              bool
	// DiffKeys are the top-level inputs that differ from the state; ReplaceKeys those of
	// them that force a replace (see ReplaceKeys).
	DiffKeys       []string
	ReplaceKeys    []string
	SourcePosition string
}

// Run loads the project and stack config, runs the program against the mocks and returns
// the plan. Errors from bad input (project or config files, --set, the program's config
// validation) are returned wrapped; use errors.As with *InputError (or the program's own
// error type) to tell them apart.
func Run(ctx context.Context, opts Options) (*Plan, error) {
	if opts.Stack == "" {
		return nil, &InputError{File: "--stack", Expected: "a stack name"}
	}
	dir := opts.Dir
	if dir == "" {
		dir = "."
	}
	proj, err := LoadProject(dir)
	if err != nil {
		return nil, err
	}
	cfgPath := opts.StackConfig
	if cfgPath == "" {
		cfgPath = proj.StackConfigPath(dir, opts.Stack)
	}
	cfg, err := LoadStackConfig(proj, cfgPath)
	if err != nil {
		return nil, err
	}
	for _, s := range opts.Set {
		if err := cfg.Apply(proj.Name, s); err != nil {
			return nil, err
		}
	}
	// The file the user should fix: the stack config, and --set when overrides were given.
	configSource := cfgPath
	if len(opts.Set) > 0 {
		configSource += " (with --set)"
	}
	// The planner never decrypts. A secret's value is opaque to the program anyway, but any
	// other key is read as a setting (a tenant id, a tag), which ciphertext cannot stand in for.
	for _, k := range cfg.SecretKeys {
		if strings.HasPrefix(k, infra.ConfigNamespace+":") && !infra.IsSecretValueKey(k) {
			return nil, &InputError{File: configSource, Path: "config." + k,
				Expected: "a plain value (kvguard plan never decrypts; only the " + infra.SecretValueKeyPrefix + "<name> secret values may be secure:, because the program passes them on unread)"}
		}
	}
	// The whole map, keys and values together, as the program validates what it can read:
	// under mocks it cannot list the keys, so a misspelt one is caught here.
	if _, err := infra.ParseStackConfig(cfg.Values, cfg.SecretKeys); err != nil {
		return nil, &InputError{File: configSource, Path: "config", Expected: "keys and values the program accepts", Err: err}
	}
	if opts.State != nil {
		if err := opts.State.check(opts.Stack, proj.Name); err != nil {
			return nil, err
		}
	}
	program := opts.Program
	if program == nil {
		program = defaultProgram
	}
	newAzure := opts.Azure
	if newAzure == nil {
		newAzure = defaultAzure
	}
	mon := &monitor{
		project: proj.Name,
		stack:   opts.Stack,
		azure:   newAzure(proj.Name, opts.Stack, cfg),
		dryRun:  !opts.Applied,
		state:   opts.State,
		steps:   map[string]*Step{},
	}
	start := time.Now()
	if err := runProgram(ctx, proj, opts.Stack, dir, cfg, mon, program); err != nil {
		// The program validates its whole config before creating anything; name the file
		// rather than pass on Pulumi's "1 error occurred" wrapping.
		var ce *infra.ConfigError
		if errors.As(err, &ce) {
			return nil, &InputError{File: configSource, Path: "config", Expected: "values the program accepts", Err: ce}
		}
		return nil, err
	}
	p := &Plan{
		Project:  proj.Name,
		Stack:    opts.Stack,
		Config:   cfg.Display(),
		Applied:  opts.Applied,
		Duration: time.Since(start),
	}
	p.Steps = mon.finish()
	return p, nil
}

// runProgram runs body like `pulumi preview` (or `up` when the monitor is not a dry run)
// would, turning a panic inside the program into an error.
func runProgram(ctx context.Context, proj *Project, stack, dir string, cfg *StackConfig, mon *monitor,
	body pulumi.RunFunc,
) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("program panicked: %v\n%s", r, debug.Stack())
		}
	}()
	root, _ := filepath.Abs(dir)
	mon.root = root
	pctx, err := pulumi.NewContext(ctx, pulumi.RunInfo{
		Project:          proj.Name,
		Stack:            stack,
		RootDirectory:    root,
		Config:           cfg.Values,
		ConfigSecretKeys: cfg.SecretKeys,
		DryRun:           mon.dryRun,
		Parallel:         1,
		Mocks:            mon,
	})
	if err != nil {
		return fmt.Errorf("create Pulumi context: %w", err)
	}
	defer pctx.Close()
	mon.addStack(resource.NewURN(tokens.QName(stack), tokens.PackageName(proj.Name), "", stackType, proj.Name+"-"+stack))
	if err := pulumi.RunWithContext(pctx, body); err != nil {
		return fmt.Errorf("run program for stack %q: %w", stack, err)
	}
	return nil
}

// monitor answers the program's registrations (through Azure) and records each as a step.
type monitor struct {
	project, stack string
	azure          pulumi.MockResourceMonitor
	dryRun         bool
	state          *State
	// root is the project folder, absolute; source positions under it are project-relative.
	root string

	mu       sync.Mutex
	steps    map[string]*Step
	stackURN string
	err      error
}

var _ pulumi.MockResourceMonitor = (*monitor)(nil)

func (m *monitor) addStack(urn resource.URN) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.stackURN = string(urn)
	op := model.OpCreate
	var old *OldResource
	if m.state != nil {
		if o := m.state.byURN[string(urn)]; o != nil {
			op, old = model.OpSame, o
		}
	}
	m.steps[string(urn)] = &Step{Op: op, URN: string(urn), Type: stackType, Name: m.project + "-" + m.stack,
		Inputs: resource.PropertyMap{}, Outputs: resource.PropertyMap{}, Old: old}
}

// Call answers invokes (getClientConfig, ...) through the Azure mock. Pulumi runs invokes at
// preview too, so their answers are known.
func (m *monitor) Call(args pulumi.MockCallArgs) (out resource.PropertyMap, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("azure mock invoke %q panicked: %v", args.Token, r)
		}
	}()
	return m.azure.Call(args)
}

// newURN builds a URN the way Pulumi's mock monitor does.
func (m *monitor) newURN(parent, typ, name string) string {
	parentType := tokens.Type("")
	if p := resource.URN(parent); p != "" && p.QualifiedType() != resource.RootStackType {
		parentType = p.QualifiedType()
	}
	return string(resource.NewURN(tokens.QName(m.stack), tokens.PackageName(m.project), parentType, tokens.Type(typ), name))
}

// NewResource records one registration and answers it: at preview, as a resource that does
// not exist yet (no id, Azure-assigned outputs unknown) unless the state holds it unchanged or
// updated in place.
func (m *monitor) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	if args.RegisterRPC == nil {
		return m.read(args)
	}
	req := args.RegisterRPC
	urn := m.newURN(req.GetParent(), req.GetType(), req.GetName())
	// The mock monitor drops unknown inputs before calling us; read them from the request.
	inputs, err := plugin.UnmarshalProperties(req.GetObject(), plugin.MarshalOptions{
		KeepUnknowns: true, KeepSecrets: true, KeepResources: true, KeepOutputValues: true,
	})
	if err != nil {
		return "", nil, fmt.Errorf("read inputs of %q: %w", urn, err)
	}
	st := &Step{
		Op:                   model.OpCreate,
		URN:                  urn,
		Type:                 req.GetType(),
		Name:                 req.GetName(),
		Custom:               req.GetCustom(),
		Parent:               req.GetParent(),
		Inputs:               inputs,
		Dependencies:         sortedUnique(req.GetDependencies()),
		PropertyDependencies: propertyDeps(req.GetPropertyDependencies()),
		Protect:              req.GetProtect(),
		SourcePosition:       sourcePosition(m.root, req.GetSourcePosition()),
	}
	if st.Parent == "" && req.GetType() != stackType {
		st.Parent = m.stackURNValue()
	}

	var simID string
	var simulated resource.PropertyMap
	if st.Custom {
		simID, simulated, err = m.simulate(args)
		if err != nil {
			return "", nil, err
		}
		st.Simulated = simulated
		st.Provider = m.providerRef(req)
	}

	old := m.oldResource(urn)
	st.Old = old
	id, outs := "", resource.PropertyMap{}
	switch {
	case !m.dryRun:
		// Simulated `pulumi up`: Azure answers everything.
		id, outs = simID, simulated
		st.ID, st.Outputs = simID, simulated
		if old != nil {
			st.DiffKeys, st.ReplaceKeys = diffInputs(st.Type, old.Inputs, old.PlaintextInputs, inputs)
			st.Op = opFor(st.DiffKeys, st.ReplaceKeys)
		}
	case !st.Custom:
		// Components have no provider and no outputs of their own.
		if old != nil {
			st.Op = model.OpSame
		}
	case old == nil:
		outs = previewOutputs(inputs, simulated)
	default:
		st.DiffKeys, st.ReplaceKeys = diffInputs(st.Type, old.Inputs, old.PlaintextInputs, inputs)
		st.Op = opFor(st.DiffKeys, st.ReplaceKeys)
		switch st.Op {
		case model.OpSame:
			id, outs = old.ID, old.OutputProps()
			st.ID, st.Outputs = old.ID, outs
		case model.OpUpdate:
			outs = overlayMap(old.OutputProps(), inputs)
			id = old.ID
			st.ID, st.Outputs = old.ID, outs
		default: // replace: the new resource does not exist yet
			outs = previewOutputs(inputs, simulated)
		}
	}

	m.mu.Lock()
	defer m.mu.Unlock()
	if _, dup := m.steps[urn]; dup {
		return "", nil, fmt.Errorf("duplicate resource URN %q", urn)
	}
	m.steps[urn] = st
	return id, outs, nil
}

func (m *monitor) stackURNValue() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.stackURN
}

// simulate asks the Azure mock what the resource looks like once created. A panic in the mock
// (say, on an input unknown at preview) is an error, not a crash.
func (m *monitor) simulate(args pulumi.MockResourceArgs) (id string, outs resource.PropertyMap, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("azure mock panicked on %s %q: %v", args.TypeToken, args.Name, r)
		}
	}()
	id, outs, err = m.azure.NewResource(args)
	if err != nil {
		return "", nil, fmt.Errorf("azure mock: %s %q: %w", args.TypeToken, args.Name, err)
	}
	if outs == nil {
		outs = resource.PropertyMap{}
	}
	return id, outs, nil
}

// read answers a ReadResource (a lookup of an existing resource by id) through the mock.
func (m *monitor) read(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	id, outs, err := m.simulate(args)
	if err != nil {
		return "", nil, err
	}
	if args.ID != "" {
		id = args.ID
	}
	var parent string
	if args.ReadRPC != nil {
		parent = args.ReadRPC.GetParent()
	}
	urn := m.newURN(parent, args.TypeToken, args.Name)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.steps[urn] = &Step{Op: model.OpRead, URN: urn, Type: args.TypeToken, Name: args.Name, Custom: true, ID: id,
		Parent: parent, Inputs: args.Inputs, Outputs: outs, Simulated: outs}
	return id, outs, nil
}

// providerRef names the default provider a registration uses, as Pulumi writes it:
// "<provider urn>::<provider id>", the id from the state when the provider exists there.
func (m *monitor) providerRef(req *pulumirpc.RegisterResourceRequest) string {
	if p := req.GetProvider(); p != "" {
		return p
	}
	pkg := strings.SplitN(req.GetType(), ":", 2)[0]
	version := req.GetVersion()
	if version == "" {
		version = defaultProviderVersion
	}
	name := "default_" + strings.NewReplacer(".", "_", "-", "_", "+", "_").Replace(version)
	urn := string(resource.NewURN(tokens.QName(m.stack), tokens.PackageName(m.project), "",
		tokens.Type("pulumi:providers:"+pkg), name))
	id := model.UnknownSentinel
	if m.state != nil {
		if p := m.state.byURN[urn]; p != nil && p.ID != "" {
			id = p.ID
		}
	}
	if !m.dryRun && id == model.UnknownSentinel {
		id = guidFor(urn)
	}
	return urn + "::" + id
}

func (m *monitor) oldResource(urn string) *OldResource {
	if m.state == nil {
		return nil
	}
	return m.state.byURN[urn]
}

// finish orders the recorded steps and adds a delete step for every resource of the state
// the program no longer registers.
func (m *monitor) finish() []Step {
	m.mu.Lock()
	defer m.mu.Unlock()
	steps := make([]Step, 0, len(m.steps))
	for _, s := range m.steps {
		steps = append(steps, *s)
	}
	steps = topoSort(steps)
	if m.state != nil {
		var deletes []Step
		for _, o := range m.state.Resources {
			if _, ok := m.steps[o.URN]; ok || o.isProvider() {
				continue
			}
			deletes = append(deletes, Step{
				Op: model.OpDelete, URN: o.URN, Type: o.Type, Name: o.Name, Custom: o.Custom, ID: o.ID,
				Parent: o.Parent, Provider: o.Provider, Old: o, Protect: o.Protect,
				Dependencies: o.Dependencies, PropertyDependencies: o.PropertyDependencies,
			})
		}
		// Pulumi deletes dependents first: the reverse of creation order.
		deletes = topoSort(deletes)
		for i, j := 0, len(deletes)-1; i < j; i, j = i+1, j-1 {
			deletes[i], deletes[j] = deletes[j], deletes[i]
		}
		steps = append(steps, deletes...)
	}
	return steps
}

// opFor maps an input diff to the step op.
func opFor(diff, replace []string) string {
	switch {
	case len(replace) > 0:
		return model.OpReplace
	case len(diff) > 0:
		return model.OpUpdate
	}
	return model.OpSame
}

// topoSort orders steps so a parent or dependency comes before its dependents; among ready
// steps the stack comes first, then URN order, so the output is stable across runs (the SDK
// registers resources from concurrent goroutines).
func topoSort(steps []Step) []Step {
	byURN := make(map[string]int, len(steps))
	for i, s := range steps {
		byURN[s.URN] = i
	}
	indeg := make([]int, len(steps))
	children := make([][]int, len(steps))
	for i, s := range steps {
		deps := append([]string{s.Parent}, s.Dependencies...)
		seen := map[int]bool{}
		for _, d := range deps {
			j, ok := byURN[d]
			if !ok || j == i || seen[j] {
				continue
			}
			seen[j] = true
			indeg[i]++
			children[j] = append(children[j], i)
		}
	}
	less := func(a, b int) bool {
		sa, sb := steps[a].Type == stackType, steps[b].Type == stackType
		if sa != sb {
			return sa
		}
		return steps[a].URN < steps[b].URN
	}
	var ready []int
	for i := range steps {
		if indeg[i] == 0 {
			ready = append(ready, i)
		}
	}
	out := make([]Step, 0, len(steps))
	done := make([]bool, len(steps))
	for len(out) < len(steps) {
		if len(ready) == 0 {
			// A cycle cannot come from Pulumi; keep whatever is left in URN order.
			for i := range steps {
				if !done[i] {
					ready = append(ready, i)
					break
				}
			}
		}
		sort.Slice(ready, func(a, b int) bool { return less(ready[a], ready[b]) })
		i := ready[0]
		ready = ready[1:]
		if done[i] {
			continue
		}
		done[i] = true
		out = append(out, steps[i])
		for _, c := range children[i] {
			indeg[c]--
			if indeg[c] == 0 && !done[c] {
				ready = append(ready, c)
			}
		}
	}
	return out
}

func sortedUnique(in []string) []string {
	out := make([]string, 0, len(in))
	seen := map[string]bool{}
	for _, s := range in {
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

func propertyDeps(in map[string]*pulumirpc.RegisterResourceRequest_PropertyDependencies) map[string][]string {
	out := make(map[string][]string, len(in))
	for k, v := range in {
		if urns := sortedUnique(v.GetUrns()); len(urns) > 0 {
			out[k] = urns
		}
	}
	return out
}

// sourcePosition renders the SDK's source position as the Pulumi engine stores it in state:
// "project:///infra/secretstore.go#42" for files under the project folder (so plans made on
// two machines agree), the SDK's file URI otherwise.
func sourcePosition(root string, p *pulumirpc.SourcePosition) string {
	if p == nil || p.GetUri() == "" {
		return ""
	}
	uri := p.GetUri()
	if path, ok := strings.CutPrefix(uri, "file://"); ok && root != "" {
		if rel, err := filepath.Rel(root, filepath.FromSlash(path)); err == nil && !strings.HasPrefix(rel, "..") {
			uri = "project:///" + filepath.ToSlash(rel)
		}
	}
	if p.GetLine() <= 0 {
		return uri
	}
	return fmt.Sprintf("%s#%d", uri, p.GetLine())
}

// previewOutputs is what a preview knows of a resource that does not exist yet: outputs named
// like an input echo it (objects merged key by key), every other output is unknown. Unknown
// outputs are left out: the SDK treats a missing output as unknown during a dry run.
func previewOutputs(inputs, simulated resource.PropertyMap) resource.PropertyMap {
	out := resource.PropertyMap{}
	for k, in := range inputs {
		if in.IsComputed() || (in.IsOutput() && !in.OutputValue().Known) {
			continue
		}
		if sim, ok := simulated[k]; ok && in.IsObject() && sim.IsObject() {
			out[k] = resource.NewProperty(previewOutputs(in.ObjectValue(), sim.ObjectValue()))
			continue
		}
		if _, ok := simulated[k]; ok || len(simulated) == 0 {
			out[k] = in
		}
	}
	return out
}

// overlayMap lays over onto base (objects merged key by key); unknown values in over never
// hide known ones in base.
func overlayMap(base, over resource.PropertyMap) resource.PropertyMap {
	out := resource.PropertyMap{}
	for k, v := range base {
		out[k] = v
	}
	for k, v := range over {
		b, ok := out[k]
		switch {
		case v.IsComputed() || (v.IsOutput() && !v.OutputValue().Known):
			if !ok {
				out[k] = v
			}
		case ok && b.IsObject() && v.IsObject():
			out[k] = resource.NewProperty(overlayMap(b.ObjectValue(), v.ObjectValue()))
		default:
			out[k] = v
		}
	}
	return out
}
