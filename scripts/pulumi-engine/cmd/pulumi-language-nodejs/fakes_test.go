package main

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// fakeMonitor is just enough of the engine's resource monitor for
// @pulumi/pulumi's run entry point to run a program to completion: it accepts
// every registration and remembers it. Calls it leaves unimplemented
// (GetDeploymentInfo, SignalAndWaitForShutdown, ...) are ones the SDK treats
// UNIMPLEMENTED as "an older engine" for.
type fakeMonitor struct {
	pulumirpc.UnimplementedResourceMonitorServer

	stack, project string

	mu         sync.Mutex
	registered []*pulumirpc.RegisterResourceRequest
	outputs    map[string]*structpb.Struct // by URN
}

func (m *fakeMonitor) SupportsFeature(
	context.Context, *pulumirpc.SupportsFeatureRequest,
) (*pulumirpc.SupportsFeatureResponse, error) {
	// Claiming no optional features keeps the SDK on its simplest code paths.
	return &pulumirpc.SupportsFeatureResponse{HasSupport: false}, nil
}

func (m *fakeMonitor) urn(typ, name string) string {
	return fmt.Sprintf("urn:pulumi:%s::%s::%s::%s", m.stack, m.project, typ, name)
}

func (m *fakeMonitor) RegisterResource(
	_ context.Context, req *pulumirpc.RegisterResourceRequest,
) (*pulumirpc.RegisterResourceResponse, error) {
	m.mu.Lock()
	m.registered = append(m.registered, req)
	m.mu.Unlock()
	resp := &pulumirpc.RegisterResourceResponse{Urn: m.urn(req.GetType(), req.GetName()), Object: req.GetObject()}
	if req.GetCustom() {
		resp.Id = "id-" + req.GetName()
	}
	return resp, nil
}

func (m *fakeMonitor) RegisterResourceOutputs(
	_ context.Context, req *pulumirpc.RegisterResourceOutputsRequest,
) (*emptypb.Empty, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.outputs == nil {
		m.outputs = map[string]*structpb.Struct{}
	}
	m.outputs[req.GetUrn()] = req.GetOutputs()
	return &emptypb.Empty{}, nil
}

func (m *fakeMonitor) Invoke(
	_ context.Context, req *pulumirpc.ResourceInvokeRequest,
) (*pulumirpc.ResourceInvokeResponse, error) {
	return &pulumirpc.ResourceInvokeResponse{Return: &structpb.Struct{}}, nil
}

// registeredTypes lists "<type>::<name>" of every registration, in order.
func (m *fakeMonitor) registeredTypes() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for _, r := range m.registered {
		out = append(out, r.GetType()+"::"+r.GetName())
	}
	return out
}

func (m *fakeMonitor) stackOutputs() map[string]any {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.outputs[m.urn("pulumi:pulumi:Stack", m.project+"-"+m.stack)]
	if s == nil {
		return nil
	}
	return s.AsMap()
}

// fakeEngine records what the program logs; the run entry point reports a
// program's unhandled error through Log before it exits.
type fakeEngine struct {
	pulumirpc.UnimplementedEngineServer

	mu   sync.Mutex
	logs []*pulumirpc.LogRequest
	root string
}

func (e *fakeEngine) Log(_ context.Context, req *pulumirpc.LogRequest) (*emptypb.Empty, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.logs = append(e.logs, req)
	return &emptypb.Empty{}, nil
}

func (e *fakeEngine) GetRootResource(
	context.Context, *pulumirpc.GetRootResourceRequest,
) (*pulumirpc.GetRootResourceResponse, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return &pulumirpc.GetRootResourceResponse{Urn: e.root}, nil
}

func (e *fakeEngine) SetRootResource(
	_ context.Context, req *pulumirpc.SetRootResourceRequest,
) (*pulumirpc.SetRootResourceResponse, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.root = req.GetUrn()
	return &pulumirpc.SetRootResourceResponse{}, nil
}

func (e *fakeEngine) rootResource() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.root
}

func (e *fakeEngine) errorLogs() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []string
	for _, l := range e.logs {
		if l.GetSeverity() == pulumirpc.LogSeverity_ERROR {
			out = append(out, l.GetMessage())
		}
	}
	return out
}

// deployment is one fake engine side of a `pulumi up`: a monitor and an
// engine server, and the language host the engine has handshaken with.
type deployment struct {
	host           pulumirpc.LanguageRuntimeClient
	monitor        *fakeMonitor
	engine         *fakeEngine
	monitorAddress string
}

const (
	testStack   = "dev"
	testProject = "proj"
)

func newDeployment(t *testing.T) *deployment {
	t.Helper()
	d := &deployment{
		host:    startHost(t),
		monitor: &fakeMonitor{stack: testStack, project: testProject},
		engine:  &fakeEngine{},
	}
	d.monitorAddress = serveGRPC(t, func(srv *grpc.Server) { pulumirpc.RegisterResourceMonitorServer(srv, d.monitor) })
	engineAddress := serveGRPC(t, func(srv *grpc.Server) { pulumirpc.RegisterEngineServer(srv, d.engine) })
	// Newer engines hand over their address this way rather than on the
	// host's command line.
	if _, err := d.host.Handshake(testContext(t, testTimeout),
		&pulumirpc.LanguageHandshakeRequest{EngineAddress: engineAddress}); err != nil {
		t.Fatal(err)
	}
	return d
}

// runRequest is what the engine sends to run the program in programDir.
func (d *deployment) runRequest(t *testing.T, rootDir, programDir string, args ...string) *pulumirpc.RunRequest {
	return &pulumirpc.RunRequest{
		Project:        testProject,
		Stack:          testStack,
		MonitorAddress: d.monitorAddress,
		Args:           args,
		Info: &pulumirpc.ProgramInfo{
			RootDirectory:    rootDir,
			ProgramDirectory: programDir,
			EntryPoint:       ".",
			Options:          jsOnly(t),
		},
	}
}

func containsSubstring(list []string, sub string) bool {
	for _, s := range list {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}
