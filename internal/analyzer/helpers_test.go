package analyzer

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/providers"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"github.com/kvguard/kvguard/internal/model"
	"github.com/kvguard/kvguard/policies"
)

// planted is the secret the shared fixtures carry; it must never reach a diagnostic.
const planted = "kvguard-planted-SECRET-9f8e7d"

// fixedNow keeps expiry policies stable whatever day the tests run.
var fixedNow = time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)

// fixture returns the path of a shared Pulumi fixture.
func fixture(name string) string {
	return filepath.Join("..", "..", "tests", "testdata", "pulumi", name)
}

// startServer serves a Server on loopback and returns a real gRPC client to it.
func startServer(t *testing.T, opts Options) (pulumirpc.AnalyzerClient, *Server) {
	t.Helper()
	if opts.Policies == nil {
		opts.Policies = policies.FS
	}
	if opts.Now == nil {
		opts.Now = func() time.Time { return fixedNow }
	}
	if opts.Version == "" {
		opts.Version = "1.2.3"
	}
	srv, err := New(opts)
	require.NoError(t, err)
	lis, err := Listen()
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(lis.Addr().String(), "127.0.0.1:"), "got listener %q, want 127.0.0.1 only", lis.Addr())
	ctx, cancel := context.WithCancel(context.Background())
	var port bytes.Buffer
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, lis, srv, &port) }()
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err)
	t.Cleanup(func() {
		_ = conn.Close()
		cancel()
		require.NoError(t, <-done)
	})
	return pulumirpc.NewAnalyzerClient(conn), srv
}

// loadExport reads a `pulumi stack export` fixture with unknown fields disallowed.
func loadExport(t *testing.T, path string) []apitype.ResourceV3 {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	var ud apitype.UntypedDeployment
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	require.NoError(t, dec.Decode(&ud), "decode %q", path)
	require.Equal(t, 3, ud.Version, "export version in %q", path)
	var dep apitype.DeploymentV3
	dec = json.NewDecoder(bytes.NewReader(ud.Deployment))
	dec.DisallowUnknownFields()
	require.NoError(t, dec.Decode(&dep), "decode deployment of %q", path)
	return dep.Resources
}

// findResource returns the export resource with the given URN suffix ("keyvault:Vault::vault").
func findResource(t *testing.T, rs []apitype.ResourceV3, suffix string) *apitype.ResourceV3 {
	t.Helper()
	for i := range rs {
		if strings.HasSuffix(string(rs[i].URN), suffix) {
			return &rs[i]
		}
	}
	require.Failf(t, "no resource", "no resource ending in %q", suffix)
	return nil
}

// propertyMap turns export JSON values into the PropertyMap the engine would hold: a secret
// signature object becomes a secret (its plaintext when the export has it, else the planted
// value, since the test cannot decrypt), the unknown sentinel becomes computed.
func propertyMap(t *testing.T, m map[string]any) resource.PropertyMap {
	t.Helper()
	var repl func(v any) (resource.PropertyValue, bool)
	repl = func(v any) (resource.PropertyValue, bool) {
		switch x := v.(type) {
		case string:
			if x == model.UnknownSentinel {
				return resource.MakeComputed(resource.NewProperty("")), true
			}
		case map[string]any:
			if x[model.SecretSigKey] != model.SecretSigValue {
				return resource.PropertyValue{}, false
			}
			if pt, ok := x["plaintext"].(string); ok {
				var inner any
				require.NoError(t, json.Unmarshal([]byte(pt), &inner))
				return resource.MakeSecret(resource.NewPropertyValueRepl(inner, nil, repl)), true
			}
			return resource.MakeSecret(resource.NewProperty(planted)), true
		}
		return resource.PropertyValue{}, false
	}
	return resource.NewPropertyMapFromMapRepl(m, nil, repl)
}

// marshal encodes a PropertyMap as the engine does on the wire (secrets and unknowns kept).
func marshal(t *testing.T, pm resource.PropertyMap) *structpb.Struct {
	t.Helper()
	st, err := plugin.MarshalProperties(pm, plugin.MarshalOptions{KeepSecrets: true, KeepUnknowns: true, KeepResources: true})
	require.NoError(t, err)
	return st
}

// analyzerResource builds the AnalyzerResource the engine sends for an export resource: its
// inputs (Analyze) or its outputs (AnalyzeStack).
func analyzerResource(t *testing.T, r apitype.ResourceV3, outputs bool) *pulumirpc.AnalyzerResource {
	t.Helper()
	props := r.Inputs
	if outputs {
		props = r.Outputs
	}
	ar := &pulumirpc.AnalyzerResource{
		Urn:        string(r.URN),
		Type:       string(r.Type),
		Name:       r.URN.Name(),
		Properties: marshal(t, propertyMap(t, props)),
		Options:    &pulumirpc.AnalyzerResourceOptions{Protect: r.Protect, Parent: string(r.Parent)},
		Parent:     string(r.Parent),
	}
	if r.Provider != "" {
		ref, err := providers.ParseReference(r.Provider)
		require.NoError(t, err)
		ar.Provider = &pulumirpc.AnalyzerProviderResource{
			Urn: string(ref.URN()), Type: string(ref.URN().Type()), Name: ref.URN().Name(),
		}
	}
	for _, d := range r.Dependencies {
		ar.Dependencies = append(ar.Dependencies, string(d))
	}
	if len(r.PropertyDependencies) > 0 {
		ar.PropertyDependencies = map[string]*pulumirpc.AnalyzerPropertyDependencies{}
		for k, us := range r.PropertyDependencies {
			deps := &pulumirpc.AnalyzerPropertyDependencies{}
			for _, u := range us {
				deps.Urns = append(deps.Urns, string(u))
			}
			ar.PropertyDependencies[string(k)] = deps
		}
	}
	return ar
}

// analyzeRequest is the AnalyzeRequest for one export resource's inputs.
func analyzeRequest(t *testing.T, r apitype.ResourceV3) *pulumirpc.AnalyzeRequest {
	t.Helper()
	ar := analyzerResource(t, r, false)
	return &pulumirpc.AnalyzeRequest{
		Urn: ar.Urn, Type: ar.Type, Name: ar.Name, Properties: ar.Properties,
		Options: ar.Options, Provider: ar.Provider,
	}
}

// stackRequest is the AnalyzeStackRequest for a whole export's outputs.
func stackRequest(t *testing.T, rs []apitype.ResourceV3) *pulumirpc.AnalyzeStackRequest {
	t.Helper()
	req := &pulumirpc.AnalyzeStackRequest{}
	for _, r := range rs {
		req.Resources = append(req.Resources, analyzerResource(t, r, true))
	}
	return req
}

// diag is a diagnostic reduced to what the tests compare.
type diag struct {
	Policy string
	Level  pulumirpc.EnforcementLevel
	URN    string
}

// diags reduces a response's diagnostics.
func diags(resp *pulumirpc.AnalyzeResponse) []diag {
	var out []diag
	for _, d := range resp.GetDiagnostics() {
		out = append(out, diag{d.GetPolicyName(), d.GetEnforcementLevel(), d.GetUrn()})
	}
	return out
}

// findDiag returns the diagnostic of a policy for a URN, if any.
func findDiag(resp *pulumirpc.AnalyzeResponse, policy, urn string) *pulumirpc.AnalyzeDiagnostic {
	for _, d := range resp.GetDiagnostics() {
		if d.GetPolicyName() == policy && (urn == "" || d.GetUrn() == urn) {
			return d
		}
	}
	return nil
}

// wire renders a response as JSON, to search every field for a leaked value.
func wire(t *testing.T, resp *pulumirpc.AnalyzeResponse) string {
	t.Helper()
	b, err := protojson.Marshal(resp)
	require.NoError(t, err)
	return string(b)
}

// deepCopy clones export resources so a test can change one without touching others.
func deepCopy(t *testing.T, rs []apitype.ResourceV3) []apitype.ResourceV3 {
	t.Helper()
	b, err := json.Marshal(rs)
	require.NoError(t, err)
	var out []apitype.ResourceV3
	require.NoError(t, json.Unmarshal(b, &out))
	return out
}

// linePipe is an io.Writer whose first line a test can wait for.
type linePipe struct {
	r *io.PipeReader
	w *io.PipeWriter
}

func newPipe() (*linePipe, *io.PipeWriter) {
	r, w := io.Pipe()
	return &linePipe{r: r, w: w}, w
}

// readLine returns the first line written, or an error after timeout.
func (p *linePipe) readLine(timeout time.Duration) (string, error) {
	type res struct {
		line string
		err  error
	}
	ch := make(chan res, 1)
	go func() {
		line, err := bufio.NewReader(p.r).ReadString('\n')
		ch <- res{strings.TrimSpace(line), err}
	}()
	select {
	case r := <-ch:
		return r.line, r.err
	case <-time.After(timeout):
		return "", errors.New("timed out waiting for the port line")
	}
}
