package analyzer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"time"

	"google.golang.org/grpc"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"github.com/kvguard/kvguard/internal/engine"
)

// Listen opens the plugin's listener on a free loopback port: the engine dials the port the
// plugin prints, and nothing else on the network should reach it.
func Listen() (net.Listener, error) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen on 127.0.0.1: %w", err)
	}
	return lis, nil
}

// Serve registers srv on a gRPC server over lis and serves until ctx ends. It writes the port
// to portOut first, which is how a Pulumi plugin tells the engine where to connect.
func Serve(ctx context.Context, lis net.Listener, srv *Server, portOut io.Writer) error {
	gs := grpc.NewServer(grpc.MaxRecvMsgSize(400 * 1024 * 1024))
	pulumirpc.RegisterAnalyzerServer(gs, srv)
	return serveGRPC(ctx, lis, gs, portOut, "analyzer")
}

// serveGRPC prints the port line, then serves gs on lis until ctx ends, stopping gracefully
// (in-flight calls finish) for up to five seconds. what names the service in errors.
func serveGRPC(ctx context.Context, lis net.Listener, gs *grpc.Server, portOut io.Writer, what string) error {
	addr, ok := lis.Addr().(*net.TCPAddr)
	if !ok {
		return fmt.Errorf("listener address %q is not TCP", lis.Addr())
	}
	if _, err := fmt.Fprintf(portOut, "%d\n", addr.Port); err != nil {
		return fmt.Errorf("write port: %w", err)
	}
	done := make(chan error, 1)
	go func() { done <- gs.Serve(lis) }()
	select {
	case err := <-done:
		if err != nil && !errors.Is(err, grpc.ErrServerStopped) {
			return fmt.Errorf("serve %s: %w", what, err)
		}
		return nil
	case <-ctx.Done():
		stopped := make(chan struct{})
		go func() { gs.GracefulStop(); close(stopped) }()
		select {
		case <-stopped:
		case <-time.After(5 * time.Second):
			gs.Stop()
		}
		return nil
	}
}

// Run is the plugin's whole life: compile the policies, load the exceptions named by
// KVGUARD_EXCEPTIONS, then serve on loopback until ctx ends. Pulumi passes the engine's address
// as an argument; kvguard never calls the engine, so arguments are ignored. An error means the
// pack did not start; the caller exits non-zero and Pulumi stops the preview or update.
func Run(ctx context.Context, policies fs.FS, version string, getenv func(string) string, portOut io.Writer) error {
	opts := Options{Policies: policies, Version: version, ExceptionsFile: getenv(EnvExceptions)}
	if v := getenv(EnvNow); v != "" {
		now, err := engine.ParseNow(EnvNow, v)
		if err != nil {
			return err
		}
		opts.Now = func() time.Time { return now }
	}
	srv, err := New(opts)
	if err != nil {
		return err
	}
	lis, err := Listen()
	if err != nil {
		return err
	}
	return Serve(ctx, lis, srv, portOut)
}
