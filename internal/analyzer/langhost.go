package analyzer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// Why a language host: Pulumi v3.276.0 starts a directory pack (`--policy-pack <dir>` with
// PulumiPolicy.yaml) only through the language host of the manifest's `runtime`
// (pulumi-language-<runtime>, RunPlugin; pkg/v3 resource/plugin ExecPlugin). The old
// `pulumi-analyzer-policy-<runtime>` fallback is gone from the CLI's loader. The Go host builds
// the directory with `go build` on every run and is not available to build here, so the pack
// names its own runtime, `kvguard`, and this binary is that runtime when installed under the
// language plugin name (`pulumi plugin install language kvguard <version> --file <binary>`, or
// pulumi-language-kvguard on PATH). Both work offline.

// LanguageRuntimeName is the `runtime` of the directory pack's PulumiPolicy.yaml.
const LanguageRuntimeName = "kvguard"

// EnvMode overrides the mode the binary picks from its name: "language" or "analyzer". The
// language host sets "analyzer" for the child it starts, whose executable is still named
// pulumi-language-kvguard.
const EnvMode = "KVGUARD_PLUGIN_MODE"

// IsLanguageHost reports whether the process should serve the kvguard language runtime: it was
// started as pulumi-language-kvguard (how Pulumi starts a runtime) or EnvMode says so.
func IsLanguageHost(argv0 string, getenv func(string) string) bool {
	switch getenv(EnvMode) {
	case "analyzer":
		return false
	case "language":
		return true
	}
	base := strings.TrimSuffix(filepath.Base(argv0), ".exe")
	return base == "pulumi-language-"+LanguageRuntimeName
}

// langHost is a language runtime whose only program is the kvguard analyzer: RunPlugin starts
// exe in analyzer mode and streams its port line, logs and exit code back to Pulumi, which
// then dials the analyzer exactly as it dials a binary pack.
type langHost struct {
	pulumirpc.UnimplementedLanguageRuntimeServer

	exe     string // the analyzer executable: this binary
	version string
}

// GetPluginInfo reports the runtime's version, which is the pack's.
func (h *langHost) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: h.version}, nil
}

// Handshake accepts the engine's address; neither the runtime nor the analyzer calls back.
func (h *langHost) Handshake(context.Context, *pulumirpc.LanguageHandshakeRequest) (*pulumirpc.LanguageHandshakeResponse, error) {
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

// RunPlugin runs the analyzer with the arguments, environment and working directory Pulumi
// gives (so KVGUARD_EXCEPTIONS and KVGUARD_NOW reach it) and reports its exit code. Pulumi
// cancels the stream to stop the plugin, which kills the child. A non-zero exit (policies or
// exceptions that do not load) reaches Pulumi as a pack that failed to start.
func (h *langHost) RunPlugin(req *pulumirpc.RunPluginRequest, server pulumirpc.LanguageRuntime_RunPluginServer) error {
	if k := req.GetKind(); k != "" && k != "analyzer" {
		return status.Errorf(codes.InvalidArgument, "the %q runtime runs only the kvguard policy pack, not a %q plugin", LanguageRuntimeName, k)
	}
	closer, stdout, stderr, err := rpcutil.MakeRunPluginStreams(server, false)
	if err != nil {
		return err
	}
	defer closer.Close()

	cmd := exec.CommandContext(server.Context(), h.exe, req.GetArgs()...)
	cmd.Dir = req.GetPwd()
	env := req.GetEnv()
	if len(env) == 0 {
		env = os.Environ()
	}
	cmd.Env = append(append([]string{}, env...), EnvMode+"=analyzer")
	cmd.Stdout, cmd.Stderr = stdout, stderr
	runErr := cmd.Run()
	// Flush what the child printed before the exit code: Pulumi closes the plugin's output
	// pipes when it reads the code.
	if err := closer.Close(); err != nil {
		return err
	}
	code := 0
	var ee *exec.ExitError
	switch {
	case runErr == nil:
	case errors.As(runErr, &ee):
		code = ee.ExitCode()
	default:
		return status.Errorf(codes.Internal, "start the kvguard analyzer %q: %v", h.exe, runErr)
	}
	return server.Send(&pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Exitcode{Exitcode: int32(code)}})
}

// RunLanguageHost serves the kvguard language runtime on loopback until ctx ends. The analyzer
// it starts is this same executable.
func RunLanguageHost(ctx context.Context, version string, portOut io.Writer) error {
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find the kvguard executable: %w", err)
	}
	lis, err := Listen()
	if err != nil {
		return err
	}
	return serveLanguageHost(ctx, lis, &langHost{exe: exe, version: version}, portOut)
}

// serveLanguageHost is Serve for the language runtime: port line first, then serve until ctx
// ends.
func serveLanguageHost(ctx context.Context, lis net.Listener, h *langHost, portOut io.Writer) error {
	gs := grpc.NewServer()
	pulumirpc.RegisterLanguageRuntimeServer(gs, h)
	return serveGRPC(ctx, lis, gs, portOut, "language runtime")
}
