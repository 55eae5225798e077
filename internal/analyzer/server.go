// Package analyzer serves kvguard's policies to the Pulumi engine over the analyzer gRPC
// protocol (pulumirpc.AnalyzerServer), so `pulumi preview/up --policy-pack` and
// `pulumi policy analyze` run the same engine, Rego files, config format and exceptions as
// `kvguard check`.
//
// The server is written directly against the protocol rather than on policyx (see
// docs/policy-pack.md): policyx builds its pack only in ConfigureStack, which
// `pulumi policy analyze` never calls, asks one callback per policy and resource where kvguard
// evaluates the whole document in one OPA query, and hands policies values converted through
// pulumi.Any instead of the PropertyMap whose secret and unknown marks kvguard needs.
package analyzer

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"sort"
	"sync"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"github.com/kvguard/kvguard/internal/engine"
	"github.com/kvguard/kvguard/internal/model"
)

// PackName is the policy pack's name as Pulumi shows it.
const PackName = "kvguard"

// Environment variables the plugin reads, because Pulumi starts it with no arguments of ours.
const (
	// EnvExceptions names the exceptions file (YAML or JSON, as for `kvguard check
	// --exceptions`). A relative path is taken from the directory Pulumi runs in.
	EnvExceptions = "KVGUARD_EXCEPTIONS"
	// EnvNow pins the evaluation time (RFC3339 or YYYY-MM-DD), as `kvguard check --now` does.
	EnvNow = "KVGUARD_NOW"
)

// Options configure a Server.
type Options struct {
	// Policies is the policy library (policies.FS in the binary).
	Policies fs.FS
	// Version is the pack's version, reported by GetPluginInfo and GetAnalyzerInfo.
	Version string
	// ExceptionsFile names an exceptions file to load; empty for none.
	ExceptionsFile string
	// Now returns the evaluation time; nil means the wall clock.
	Now func() time.Time
}

// Server implements pulumirpc.AnalyzerServer over one compiled engine. It is safe for the
// concurrent calls the Pulumi engine makes.
type Server struct {
	pulumirpc.UnimplementedAnalyzerServer

	eng            *engine.Engine
	version        string
	now            func() time.Time
	exceptions     []engine.Exception
	exceptionsFile string

	mu      sync.Mutex
	stack   string // from ConfigureStack; empty until then
	project string // from ConfigureStack
	// environment is the stack config's "<project>:environment" (from ConfigureStack), which
	// raises the profile as it does for `kvguard check` on a preview; a secret one counts as
	// prod, as there.
	environment string
	config      engine.PackConfig       // from Configure
	advertised  map[string]engine.Level // levels the last GetAnalyzerInfo reported
	// reported remembers what Analyze already told Pulumi, keyed by policy, URN and status,
	// so AnalyzeStack does not repeat a finding; a pass or an unknown in Analyze is checked
	// again by AnalyzeStack over the outputs and the whole stack.
	reported map[reportKey]bool
}

type reportKey struct {
	policy, urn string
	status      engine.Status
}

// New compiles the policies and loads the exceptions file. Any error means the pack must not
// start: a policy gate that cannot load its policies must stop the update, not wave it through.
func New(opts Options) (*Server, error) {
	if opts.Policies == nil {
		return nil, errors.New("load policies: no policy library given")
	}
	eng, err := engine.New(opts.Policies)
	if err != nil {
		return nil, fmt.Errorf("load policies: %w", err)
	}
	s := &Server{
		eng:      eng,
		version:  opts.Version,
		now:      opts.Now,
		reported: map[reportKey]bool{},
	}
	if s.version == "" {
		s.version = "0.0.0-dev"
	}
	if s.now == nil {
		s.now = time.Now
	}
	if opts.ExceptionsFile != "" {
		data, err := os.ReadFile(opts.ExceptionsFile)
		if err != nil {
			return nil, fmt.Errorf("read exceptions file %q (from %s): %w", opts.ExceptionsFile, EnvExceptions, err)
		}
		exc, err := engine.ParseExceptions(opts.ExceptionsFile, data)
		if err != nil {
			return nil, fmt.Errorf("exceptions file (from %s): %w", EnvExceptions, err)
		}
		if err := eng.ValidateExceptions(opts.ExceptionsFile, exc); err != nil {
			return nil, fmt.Errorf("exceptions file (from %s): %w", EnvExceptions, err)
		}
		s.exceptions, s.exceptionsFile = exc, opts.ExceptionsFile
	}
	return s, nil
}

// Engine returns the compiled engine the server evaluates with.
func (s *Server) Engine() *engine.Engine { return s.eng }

// Handshake accepts the engine's address; kvguard never calls back into the engine.
func (s *Server) Handshake(context.Context, *pulumirpc.AnalyzerHandshakeRequest) (*pulumirpc.AnalyzerHandshakeResponse, error) {
	return &pulumirpc.AnalyzerHandshakeResponse{}, nil
}

// GetPluginInfo reports the pack's version.
func (s *Server) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: s.version}, nil
}

// ConfigureStack records the stack, whose name picks the environment profile (dev, staging,
// prod) and so the default levels and settings. `pulumi policy analyze` does not call it; the
// stack then comes from the resources' URNs.
func (s *Server) ConfigureStack(_ context.Context, req *pulumirpc.AnalyzerStackConfigureRequest) (*pulumirpc.AnalyzerStackConfigureResponse, error) {
	if req.GetStack() == "" {
		return nil, status.Error(codes.InvalidArgument, "configure stack: the stack name is empty")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stack, s.project = req.GetStack(), req.GetProject()
	key := model.EnvironmentKey(req.GetProject())
	s.environment = req.GetConfig()[key]
	if slices.Contains(req.GetConfigSecretKeys(), key) {
		s.environment = engine.ProfileProd
	}
	return &pulumirpc.AnalyzerStackConfigureResponse{}, nil
}

// stackOnly reports whether only AnalyzeStack runs a policy: a relational one (METADATA
// `relational: true`: a vault and its diagnostic settings or lock, duplicates across
// assignments or settings) judges a resource by others, and over a one-resource document it
// would judge a vault without its settings.
func (s *Server) stackOnly(id string) bool {
	p, ok := s.eng.Policy(id)
	return ok && p.Relational
}

// profile is the environment profile the configured stack is judged by: the stricter of its
// name's and its environment setting's. The caller holds s.mu.
func (s *Server) profile() string {
	return engine.StricterProfile(engine.ProfileFor(s.stack), engine.ProfileFor(s.environment))
}

// Cancel acknowledges a cancellation; evaluations are short and hold no external resources.
func (s *Server) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, nil
}

// Analyze checks one resource's inputs before it is created or updated, with every policy that
// looks at one resource at a time. A value unknown until the update runs gives an advisory
// diagnostic; AnalyzeStack checks it again over the outputs.
func (s *Server) Analyze(ctx context.Context, req *pulumirpc.AnalyzeRequest) (*pulumirpc.AnalyzeResponse, error) {
	// The engine does not say whether the resource is created or updated; either way its inputs
	// are what is about to be applied.
	res, secrets, err := resourceFromRequest(model.OpCreate, req.GetUrn(), req.GetType(), req.GetName(), req.GetProperties(),
		req.GetOptions(), req.GetProvider(), "", nil, nil)
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	doc := s.document([]model.Resource{res})
	rep, err := s.evaluate(ctx, doc)
	if err != nil {
		return nil, err
	}
	var results []engine.Result
	for _, r := range rep.Results {
		if r.URN != res.URN || s.stackOnly(r.PolicyID) {
			continue
		}
		results = append(results, r)
	}
	resp := s.response(rep, doc, results, phaseResource, secrets)
	s.mu.Lock()
	for _, r := range results {
		s.reported[reportKey{r.PolicyID, r.URN, r.Status}] = true
	}
	s.mu.Unlock()
	return resp, nil
}

// AnalyzeStack checks the whole stack's outputs after a preview or update with every policy:
// the relational ones, and the per-resource ones whose values were unknown in Analyze. A finding
// Analyze already reported for the same policy and resource is not repeated.
func (s *Server) AnalyzeStack(ctx context.Context, req *pulumirpc.AnalyzeStackRequest) (*pulumirpc.AnalyzeResponse, error) {
	var resources []model.Resource
	var secrets []string
	for i, r := range req.GetResources() {
		// After a preview or update the stack's resources are its current state.
		res, sec, err := resourceFromRequest(model.OpSame, r.GetUrn(), r.GetType(), r.GetName(), r.GetProperties(),
			r.GetOptions(), r.GetProvider(), r.GetParent(), r.GetDependencies(), r.GetPropertyDependencies())
		if err != nil {
			return nil, status.Errorf(codes.InvalidArgument, "resources[%d]: %v", i, err)
		}
		resources = append(resources, res)
		secrets = append(secrets, sec...)
	}
	doc := s.document(resources)
	rep, err := s.evaluate(ctx, doc)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	var results []engine.Result
	for _, r := range rep.Results {
		if !s.stackOnly(r.PolicyID) && s.reported[reportKey{r.PolicyID, r.URN, r.Status}] {
			continue
		}
		results = append(results, r)
	}
	s.mu.Unlock()
	resp := s.response(rep, doc, results, phaseStack, secrets)
	resp.Diagnostics = append(resp.Diagnostics, s.expiredDiagnostics(rep)...)
	return resp, nil
}

// document builds the model document for resources. Its stack is the one the resources'
// URNs name, as a check's document's is, else the one from ConfigureStack: the engine judges
// by the stricter of that and the configured stack (engine.DocumentProfile). The project is
// ConfigureStack's, else the URNs'.
func (s *Server) document(resources []model.Resource) *model.Document {
	s.mu.Lock()
	stack, project, environment := s.stack, s.project, s.environment
	s.mu.Unlock()
	for _, r := range resources {
		if st, pr, ok := splitStackURN(r.URN); ok {
			stack, project = st, cmp.Or(project, pr)
			break
		}
	}
	if resources == nil {
		resources = []model.Resource{}
	}
	return &model.Document{Stack: stack, Project: project, Source: model.SourceEngine, Resources: resources, Environment: environment}
}

// evaluate runs the engine with the configured settings.
func (s *Server) evaluate(ctx context.Context, doc *model.Document) (*engine.Report, error) {
	s.mu.Lock()
	settings := engine.Settings{
		Stack:          cmp.Or(s.stack, doc.Stack),
		Now:            s.now(),
		Config:         s.config,
		Exceptions:     s.exceptions,
		ExceptionsFile: s.exceptionsFile,
	}
	s.mu.Unlock()
	rep, err := s.eng.Evaluate(ctx, doc, settings)
	if err != nil {
		var ce *engine.ConfigError
		if errors.As(err, &ce) {
			return nil, status.Error(codes.InvalidArgument, err.Error())
		}
		return nil, status.Errorf(codes.Internal, "evaluate policies: %v", err)
	}
	return rep, nil
}

// sortedPolicies returns the catalogue sorted by id (Policies already is; this keeps the
// order explicit where a response depends on it).
func sortedPolicies(ps []engine.Policy) []engine.Policy {
	sort.Slice(ps, func(i, j int) bool { return ps[i].ID < ps[j].ID })
	return ps
}
