package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// pluginOutput collects what RunPlugin streams back, the way the engine's
// langhost.RunPlugin turns it into the plugin's stdout and stderr.
type pluginOutput struct {
	mu             sync.Mutex
	stdout, stderr bytes.Buffer
	done           chan error // the stream's final error; nil for a clean end
}

func collectPluginOutput(stream pulumirpc.LanguageRuntime_RunPluginClient) *pluginOutput {
	out := &pluginOutput{done: make(chan error, 1)}
	go func() {
		for {
			msg, err := stream.Recv()
			if err != nil {
				if errors.Is(err, io.EOF) {
					err = nil
				}
				out.done <- err
				return
			}
			out.mu.Lock()
			out.stdout.Write(msg.GetStdout())
			out.stderr.Write(msg.GetStderr())
			out.mu.Unlock()
		}
	}()
	return out
}

func (o *pluginOutput) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return "stdout:\n" + o.stdout.String() + "\nstderr:\n" + o.stderr.String()
}

// firstLine waits for the plugin's first line of stdout: the port the engine
// is to connect to.
func (o *pluginOutput) firstLine(t *testing.T, d time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		o.mu.Lock()
		line, _, found := strings.Cut(o.stdout.String(), "\n")
		o.mu.Unlock()
		if found {
			return line
		}
		select {
		case err := <-o.done:
			t.Fatalf("RunPlugin ended (%v) before the plugin printed a port\n%s", err, o)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no port from the plugin within %v\n%s", d, o)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// startPolicyPack lays out the test pack next to a node_modules linking the
// repository's @pulumi/pulumi and @pulumi/policy, and starts it the way the
// engine's plugin.ExecPlugin does for a PulumiPolicy.yaml with a language
// runtime: RunPlugin with kind "analyzer", the engine address as the only
// argument and the whole environment. It returns the analyzer address the
// host printed and the pack's pid file.
func startPolicyPack(
	t *testing.T, ctx context.Context,
) (analyzer pulumirpc.AnalyzerClient, packDir, engineAddress, pidFile string, out *pluginOutput) {
	t.Helper()
	packDir = filepath.Join(t.TempDir(), "pack")
	copyFixture(t, "policy-pack", packDir)
	nm := filepath.Join(packDir, "node_modules")
	linkPackage(t, nm, "@pulumi/pulumi", sdkDir(t, "@pulumi/pulumi"))
	linkPackage(t, nm, "@pulumi/policy", sdkDir(t, "@pulumi/policy"))
	pidFile = filepath.Join(t.TempDir(), "pack.pid")
	engineAddress = serveGRPC(t, func(srv *grpc.Server) { pulumirpc.RegisterEngineServer(srv, &fakeEngine{}) })

	stream, err := startHost(t).RunPlugin(ctx, &pulumirpc.RunPluginRequest{
		Name: "test-policy-pack",
		Kind: string(apitype.AnalyzerPlugin),
		// The engine's own working directory, i.e. the stack's project; the
		// pack must still run in its own folder.
		Pwd:  t.TempDir(),
		Args: []string{engineAddress},
		Env:  append(os.Environ(), "TEST_POLICY_PACK_PID_FILE="+pidFile),
		Info: &pulumirpc.ProgramInfo{
			RootDirectory:    packDir,
			ProgramDirectory: packDir,
			EntryPoint:       ".",
			Options:          jsOnly(t),
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	out = collectPluginOutput(stream)
	port := out.firstLine(t, testTimeout)
	if _, err := strconv.Atoi(port); err != nil {
		t.Fatalf("first line of the plugin's stdout is %q, not a port\n%s", port, out)
	}
	analyzer = pulumirpc.NewAnalyzerClient(dial(t, "127.0.0.1:"+port))

	// As plugin.NewPolicyAnalyzer does right after connecting.
	if _, err := analyzer.Handshake(ctx, &pulumirpc.AnalyzerHandshakeRequest{
		EngineAddress:    engineAddress,
		RootDirectory:    &packDir,
		ProgramDirectory: &packDir,
	}); err != nil {
		t.Fatalf("Handshake: %v\n%s", err, out)
	}
	return analyzer, packDir, engineAddress, pidFile, out
}

func policyNames(info *pulumirpc.AnalyzerInfo) []string {
	var names []string
	for _, p := range info.GetPolicies() {
		names = append(names, p.GetName())
	}
	return names
}

func policyDescription(info *pulumirpc.AnalyzerInfo, name string) string {
	for _, p := range info.GetPolicies() {
		if p.GetName() == name {
			return p.GetDescription()
		}
	}
	return ""
}

func TestRunPluginServesPolicyPackConfiguredForTheStack(t *testing.T) {
	t.Parallel()
	requireNode(t)
	ctx, cancel := contextWithCancel(t)
	analyzer, _, _, pidFile, out := startPolicyPack(t, ctx)

	// The engine's next call; the host only starts Node once it has this,
	// because the pack reads the stack settings from its environment.
	if _, err := analyzer.ConfigureStack(ctx, &pulumirpc.AnalyzerStackConfigureRequest{
		Organization: "acme-org",
		Project:      testProject,
		Stack:        testStack,
		DryRun:       true,
		Config:       map[string]string{"acme:owner": "team-a"},
	}); err != nil {
		t.Fatalf("ConfigureStack: %v\n%s", err, out)
	}

	info, err := analyzer.GetAnalyzerInfo(ctx, &emptypb.Empty{})
	if err != nil {
		t.Fatalf("GetAnalyzerInfo: %v\n%s", err, out)
	}
	if info.GetName() != "test-policy-pack" || info.GetVersion() != "0.3.0" {
		t.Errorf("analyzer is %q version %q, want the pack's name and package.json version",
			info.GetName(), info.GetVersion())
	}
	if got, want := policyNames(info), []string{"no-public-buckets", "reports-stack-settings"}; !slices.Equal(got, want) {
		t.Errorf("policies = %q, want %q", got, want)
	}
	if got, want := policyDescription(info, "reports-stack-settings"),
		"stack=dev project=proj owner=team-a"; got != want {
		t.Errorf("the pack saw %q, want the configured stack %q", got, want)
	}

	props, err := structpb.NewStruct(map[string]any{"public": true})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := analyzer.Analyze(ctx, &pulumirpc.AnalyzeRequest{
		Type:       "test:index:Bucket",
		Name:       "logs",
		Urn:        "urn:pulumi:dev::proj::test:index:Bucket::logs",
		Properties: props,
		Options:    &pulumirpc.AnalyzerResourceOptions{},
	})
	if err != nil {
		t.Fatalf("Analyze: %v\n%s", err, out)
	}
	if d := resp.GetDiagnostics(); len(d) != 1 || d[0].GetPolicyName() != "no-public-buckets" ||
		!strings.Contains(d[0].GetMessage(), "bucket logs is public") {
		t.Errorf("Analyze of a public bucket = %v, want one no-public-buckets violation", d)
	}

	// The engine stops a plugin by ending its RunPlugin call; the pack must
	// not outlive it.
	pid, err := strconv.Atoi(waitForFile(t, pidFile, time.Second))
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	waitUntilGone(t, pid, 5*time.Second)
}

func TestRunPluginStartsPolicyPackWithoutStackConfiguration(t *testing.T) {
	t.Parallel()
	requireNode(t)
	ctx := testContext(t, testTimeout)
	analyzer, _, _, _, out := startPolicyPack(t, ctx)

	// `pulumi policy publish` asks for the pack's metadata without a stack.
	info, err := analyzer.GetAnalyzerInfo(ctx, &emptypb.Empty{})
	if err != nil {
		t.Fatalf("GetAnalyzerInfo: %v\n%s", err, out)
	}
	if got, want := policyNames(info), []string{"no-public-buckets", "reports-stack-settings"}; !slices.Equal(got, want) {
		t.Errorf("policies = %q, want %q", got, want)
	}
	// The SDK's defaults, since no stack settings were passed on.
	if got, want := policyDescription(info, "reports-stack-settings"),
		"stack=stack project=project owner=undefined"; got != want {
		t.Errorf("the pack saw %q, want %q", got, want)
	}
}
