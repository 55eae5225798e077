package analyzer

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

func TestIsLanguageHost(t *testing.T) {
	tests := []struct {
		name  string
		argv0 string
		mode  string
		want  bool
	}{
		{name: "installed as the runtime", argv0: "/home/u/.pulumi/plugins/language-kvguard-v0.1.0/pulumi-language-kvguard", want: true},
		{name: "windows runtime", argv0: `C:\p\pulumi-language-kvguard.exe`, want: filepath.Separator == '\\'},
		{name: "analyzer binary", argv0: "/usr/local/bin/pulumi-analyzer-policy-kvguard", want: false},
		{name: "child of the runtime", argv0: "/p/pulumi-language-kvguard", mode: "analyzer", want: false},
		{name: "forced language mode", argv0: "/p/pulumi-analyzer-policy-kvguard", mode: "language", want: true},
		{name: "another runtime's name", argv0: "/p/pulumi-language-go", want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			getenv := func(k string) string {
				if k == EnvMode {
					return tt.mode
				}
				return ""
			}
			got := IsLanguageHost(tt.argv0, getenv)
			assert.Equal(t, tt.want, got, "IsLanguageHost(%q, mode %q): got %v, want %v", tt.argv0, tt.mode, got, tt.want)
		})
	}
}

// startLanguageHost serves a langHost whose "analyzer" is exe, on loopback, and returns a
// client to it.
func startLanguageHost(t *testing.T, exe string) pulumirpc.LanguageRuntimeClient {
	t.Helper()
	lis, err := Listen()
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(lis.Addr().String(), "127.0.0.1:"), "got listener %q, want 127.0.0.1 only", lis.Addr())
	ctx, cancel := context.WithCancel(context.Background())
	var port bytes.Buffer
	done := make(chan error, 1)
	go func() { done <- serveLanguageHost(ctx, lis, &langHost{exe: exe, version: "1.2.3"}, &port) }()
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err)
	t.Cleanup(func() {
		_ = conn.Close()
		cancel()
		require.NoError(t, <-done)
	})
	return pulumirpc.NewLanguageRuntimeClient(conn)
}

// pluginRun is what one RunPlugin stream carried.
type pluginRun struct {
	stdout, stderr string
	exit           int32
	gotExit        bool
}

func runPlugin(t *testing.T, c pulumirpc.LanguageRuntimeClient, req *pulumirpc.RunPluginRequest) (pluginRun, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	stream, err := c.RunPlugin(ctx, req)
	if err != nil {
		return pluginRun{}, err
	}
	var run pluginRun
	var out, errOut strings.Builder
	for {
		msg, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return run, err
		}
		switch o := msg.Output.(type) {
		case *pulumirpc.RunPluginResponse_Stdout:
			out.Write(o.Stdout)
		case *pulumirpc.RunPluginResponse_Stderr:
			errOut.Write(o.Stderr)
		case *pulumirpc.RunPluginResponse_Exitcode:
			run.exit, run.gotExit = o.Exitcode, true
		}
	}
	run.stdout, run.stderr = out.String(), errOut.String()
	return run, nil
}

func TestLanguageHostRunPlugin(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no POSIX shell to stand in for the analyzer")
	}
	c := startLanguageHost(t, sh)
	pwd := t.TempDir()
	resolvedPwd, err := filepath.EvalSymlinks(pwd)
	require.NoError(t, err)

	tests := []struct {
		name       string
		req        *pulumirpc.RunPluginRequest
		wantCode   codes.Code
		wantStdout string
		wantStderr []string
		wantExit   int32
	}{
		{
			name: "port line, logs and exit code reach Pulumi",
			req: &pulumirpc.RunPluginRequest{
				Kind: "analyzer", Pwd: pwd, Env: []string{"KVGUARD_NOW=2026-12-03"},
				Args: []string{"-c", `echo 4242; echo "mode=$KVGUARD_PLUGIN_MODE now=$KVGUARD_NOW pwd=$(pwd -P)" >&2; exit 3`},
			},
			wantStdout: "4242\n",
			wantStderr: []string{"mode=analyzer", "now=2026-12-03", "pwd=" + resolvedPwd},
			wantExit:   3,
		},
		{
			name:       "clean exit",
			req:        &pulumirpc.RunPluginRequest{Kind: "analyzer", Pwd: pwd, Args: []string{"-c", "echo 1"}},
			wantStdout: "1\n",
			wantExit:   0,
		},
		{
			name:     "other plugin kinds are refused",
			req:      &pulumirpc.RunPluginRequest{Kind: "resource", Pwd: pwd, Args: []string{"-c", "echo 1"}},
			wantCode: codes.InvalidArgument,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run, err := runPlugin(t, c, tt.req)
			if tt.wantCode != codes.OK {
				require.Error(t, err)
				assert.Equal(t, tt.wantCode, status.Code(err), "got code %v, want %v (%v)", status.Code(err), tt.wantCode, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantStdout, run.stdout, "got stdout %q, want %q", run.stdout, tt.wantStdout)
			for _, s := range tt.wantStderr {
				assert.Contains(t, run.stderr, s)
			}
			require.True(t, run.gotExit, "got no exit code message, want one")
			assert.Equal(t, tt.wantExit, run.exit, "got exit %d, want %d", run.exit, tt.wantExit)
		})
	}
}

func TestLanguageHostPluginInfo(t *testing.T) {
	c := startLanguageHost(t, "/nonexistent")
	info, err := c.GetPluginInfo(context.Background(), &emptypb.Empty{})
	require.NoError(t, err)
	assert.Equal(t, "1.2.3", info.GetVersion(), "got version %q, want 1.2.3", info.GetVersion())

	// A missing analyzer executable is an error, never a silent success.
	_, err = runPlugin(t, c, &pulumirpc.RunPluginRequest{Kind: "analyzer", Pwd: t.TempDir()})
	require.Error(t, err)
	assert.Equal(t, codes.Internal, status.Code(err), "got %v, want Internal", err)
}
