// Command pulumi-language-nodejs is Homeostat's Node.js language host for the
// Pulumi engine.
//
// Why it exists: the Go module proxy that this project's machines reach serves
// github.com/pulumi/pulumi/pkg/v3 and sdk/v3, so setup builds the real `pulumi`
// CLI from them, but it refuses the separate module that holds Pulumi's own
// Node.js language host ("This module version is not available"). This host
// speaks the same LanguageRuntime gRPC protocol and starts the same Node.js
// entry points that ship inside @pulumi/pulumi (cmd/run for programs,
// cmd/run-policy-pack for policy packs, cmd/run-plugin for plugins), so the
// engine, the SDK and the policy packs all run unchanged. Where an upstream
// pulumi-language-nodejs of the pinned version is installed, setup uses that
// one instead and this file is not built.
//
// What it deliberately does not do: code generation (GenerateProgram,
// GenerateProject, GeneratePackage, Pack, Link) and debugger attachment. The
// engine only calls those for `pulumi convert`, `pulumi package` and
// `--attach-debugger`, which Homeostat never uses.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"

	sdk "github.com/pulumi/pulumi/sdk/v3"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/config"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/version"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// exitBail is the exit code with which @pulumi/pulumi's run script says "the
// user has already been shown an actionable error"; the engine must then stop
// without adding a message of its own.
const exitBail = 32

func main() {
	showVersion := flag.Bool("version", false, "print the plugin version and exit")
	// The engine may pass these; they change nothing here, but unknown flags
	// would make the host exit before it prints its port.
	flag.String("tracing", "", "tracing endpoint (ignored)")
	flag.String("runtime", "nodejs", "runtime name (only nodejs is supported)")
	flag.Parse()

	if *showVersion {
		fmt.Println(version.Version)
		return
	}

	var engineAddress string
	if args := flag.Args(); len(args) > 0 {
		engineAddress = args[0]
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	cancelServe := make(chan bool)
	go func() {
		<-ctx.Done()
		close(cancelServe)
	}()

	if engineAddress != "" {
		// Exit on our own when the engine goes away, so a crashed engine
		// never leaves an orphaned host behind.
		if err := rpcutil.Healthcheck(ctx, engineAddress, 5*time.Minute, stop); err != nil {
			fatalf("could not start the engine health check: %v", err)
		}
	}

	host := newHost(engineAddress)
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: cancelServe,
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, host)
			return nil
		},
	})
	if err != nil {
		fatalf("could not start the language host: %v", err)
	}

	// The engine reads the port from our first line of output.
	fmt.Printf("%d\n", handle.Port)

	if err := <-handle.Done; err != nil {
		fatalf("language host stopped serving: %v", err)
	}
}

func fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: "+format+"\n", args...)
	os.Exit(1)
}

type nodeHost struct {
	pulumirpc.UnimplementedLanguageRuntimeServer

	mu            sync.Mutex
	engineAddress string

	// cancelled by the Cancel RPC; every child process is started under it.
	cancelCtx  context.Context
	cancelFunc context.CancelFunc
}

func newHost(engineAddress string) *nodeHost {
	ctx, cancel := context.WithCancel(context.Background())
	return &nodeHost{engineAddress: engineAddress, cancelCtx: ctx, cancelFunc: cancel}
}

func (h *nodeHost) engine() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.engineAddress
}

// Handshake is how newer engines hand over their address instead of a
// command-line argument.
func (h *nodeHost) Handshake(
	_ context.Context, req *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	h.mu.Lock()
	h.engineAddress = req.GetEngineAddress()
	h.mu.Unlock()
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *nodeHost) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version.Version}, nil
}

func (h *nodeHost) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	h.cancelFunc()
	return &emptypb.Empty{}, nil
}

// --- runtime options ------------------------------------------------------

// nodeOptions are the `runtime.options` of Pulumi.yaml / PulumiPolicy.yaml
// that matter for running a program.
type nodeOptions struct {
	typescript   bool
	tsconfigPath string
	nodeArgs     []string
}

func parseOptions(info *pulumirpc.ProgramInfo) (nodeOptions, error) {
	opts := nodeOptions{typescript: true}
	if info == nil || info.GetOptions() == nil {
		return opts, nil
	}
	raw := info.GetOptions().AsMap()
	if v, ok := raw["typescript"]; ok {
		b, isBool := v.(bool)
		if !isBool {
			return opts, fmt.Errorf("runtime option 'typescript' must be a boolean, got %T", v)
		}
		opts.typescript = b
	}
	if v, ok := raw["tsconfig"]; ok {
		s, isString := v.(string)
		if !isString {
			return opts, fmt.Errorf("runtime option 'tsconfig' must be a string, got %T", v)
		}
		opts.tsconfigPath = s
	}
	if v, ok := raw["nodeargs"]; ok {
		s, isString := v.(string)
		if !isString {
			return opts, fmt.Errorf("runtime option 'nodeargs' must be a string, got %T", v)
		}
		opts.nodeArgs = strings.Fields(s)
	}
	return opts, nil
}

func (o nodeOptions) env() []string {
	var env []string
	if o.typescript {
		env = append(env, "PULUMI_NODEJS_TYPESCRIPT=true")
	}
	if o.tsconfigPath != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+o.tsconfigPath)
	}
	return env
}

// --- Run: a Pulumi program -------------------------------------------------

func (h *nodeHost) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	nodeBin, err := exec.LookPath("node")
	if err != nil {
		return &pulumirpc.RunResponse{Error: "could not find node on the PATH: " + err.Error()}, nil
	}
	info := req.GetInfo()
	opts, err := parseOptions(info)
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	runScript, err := resolveModule(nodeBin, info.GetProgramDirectory(), "@pulumi/pulumi/cmd/run")
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}

	cfg, err := programConfig(req.GetConfig())
	if err != nil {
		return &pulumirpc.RunResponse{Error: "cannot pass the stack config to the program: " + err.Error()}, nil
	}
	secretKeys, err := json.Marshal(nonNil(req.GetConfigSecretKeys()))
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}

	args := append([]string{}, opts.nodeArgs...)
	args = append(args, runScript)
	flagIf := func(name, value string) {
		if value != "" {
			args = append(args, "--"+name, value)
		}
	}
	flagIf("monitor", req.GetMonitorAddress())
	flagIf("engine", h.engine())
	flagIf("organization", req.GetOrganization())
	flagIf("project", req.GetProject())
	flagIf("root-directory", info.GetRootDirectory())
	flagIf("stack", req.GetStack())
	flagIf("pwd", info.GetProgramDirectory())
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	flagIf("parallel", strconv.Itoa(int(req.GetParallel())))
	entry := info.GetEntryPoint()
	if entry == "" {
		entry = "."
	}
	args = append(args, entry)
	args = append(args, req.GetArgs()...)

	env := append(os.Environ(), "PULUMI_CONFIG="+cfg, "PULUMI_CONFIG_SECRET_KEYS="+string(secretKeys))
	env = append(env, opts.env()...)

	cmd := h.command(ctx, nodeBin, args)
	cmd.Env = env
	cmd.Dir = info.GetProgramDirectory()
	// Node may switch its stdio to non-blocking mode; wrapping our own
	// stdout in a plain writer makes exec copy through a pipe instead of
	// handing Node our file descriptors.
	cmd.Stdout = struct{ io.Writer }{os.Stdout}
	cmd.Stderr = struct{ io.Writer }{os.Stderr}

	if err := cmd.Run(); err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			if exitErr.ExitCode() == exitBail {
				return &pulumirpc.RunResponse{Bail: true}, nil
			}
			return &pulumirpc.RunResponse{
				Error: fmt.Sprintf("Program exited with non-zero exit code: %d", exitErr.ExitCode()),
			}, nil
		}
		return &pulumirpc.RunResponse{Error: "could not start the program: " + err.Error()}, nil
	}
	return &pulumirpc.RunResponse{}, nil
}

// command starts a child that ends when the request ends or Cancel is called:
// first with SIGINT so that the SDK can flush, then killed after a grace.
func (h *nodeHost) command(ctx context.Context, bin string, args []string) *exec.Cmd {
	cmdCtx, cancel := context.WithCancel(h.cancelCtx)
	context.AfterFunc(ctx, cancel)
	cmd := exec.CommandContext(cmdCtx, bin, args...)
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

// programConfig turns the engine's "<namespace>:<name>" keys into the
// "<namespace>:config:<name>" form that every @pulumi/pulumi release reads.
func programConfig(in map[string]string) (string, error) {
	out := make(map[string]string, len(in))
	for k, v := range in {
		key, err := config.ParseKey(k)
		if err != nil {
			return "", err
		}
		out[key.Namespace()+":config:"+key.Name()] = v
	}
	b, err := json.Marshal(out)
	return string(b), err
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// --- RunPlugin: policy packs and other plugins written in Node.js ----------

func (h *nodeHost) RunPlugin(
	req *pulumirpc.RunPluginRequest, server pulumirpc.LanguageRuntime_RunPluginServer,
) error {
	ctx := server.Context()
	closer, stdout, stderr, err := rpcutil.MakeRunPluginStreams(server, false)
	if err != nil {
		return err
	}
	defer closer.Close()

	nodeBin, err := exec.LookPath("node")
	if err != nil {
		return fmt.Errorf("could not find node on the PATH: %w", err)
	}
	info := req.GetInfo()
	opts, err := parseOptions(info)
	if err != nil {
		return err
	}
	isPolicyPack := req.GetKind() == string(apitype.AnalyzerPlugin)
	entryModule := "@pulumi/pulumi/cmd/run-plugin"
	if isPolicyPack {
		entryModule = "@pulumi/pulumi/cmd/run-policy-pack"
	}
	entry, err := resolveModule(nodeBin, info.GetProgramDirectory(), entryModule)
	if err != nil {
		return err
	}

	args := append([]string{}, opts.nodeArgs...)
	args = append(args, entry)
	// run-policy-pack takes the engine address first and the pack directory
	// last; run-plugin takes the directory first.
	if isPolicyPack {
		args = append(args, req.GetArgs()...)
		args = append(args, info.GetProgramDirectory())
	} else {
		args = append(args, info.GetProgramDirectory())
		args = append(args, req.GetArgs()...)
	}
	env := append(append([]string{}, req.GetEnv()...), opts.env()...)

	// A policy pack reads the stack's config from its environment, but the
	// engine only sends it over the analyzer protocol. The SDK's policy proxy
	// answers that first call, hands us the config, then forwards every later
	// call to the real pack once it is up.
	var proxy *sdk.PolicyProxy
	if isPolicyPack {
		proxy, stdout, err = sdk.NewPolicyProxy(ctx, stdout)
		if err != nil {
			return fmt.Errorf("could not start the policy pack proxy: %w", err)
		}
		stackCfg, err := proxy.AwaitConfiguration(ctx)
		if err != nil {
			return fmt.Errorf("could not read the stack configuration: %w", err)
		}
		env = append(env, policyPackEnv(stackCfg)...)
	}

	cmd := h.command(ctx, nodeBin, args)
	cmd.Env = env
	if isPolicyPack {
		cmd.Dir = info.GetProgramDirectory()
	} else {
		cmd.Dir = req.GetPwd()
	}
	cmd.Stdout, cmd.Stderr = stdout, stderr

	if err := cmd.Start(); err != nil {
		return fmt.Errorf("could not start plugin %s: %w", req.GetName(), err)
	}
	if proxy != nil {
		if err := proxy.Attach(ctx, cmd); err != nil {
			return fmt.Errorf("could not attach to policy pack %s: %w", req.GetName(), err)
		}
	} else if err := cmd.Wait(); err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			return fmt.Errorf("plugin %s exited with non-zero exit code: %d", req.GetName(), exitErr.ExitCode())
		}
		return err
	}
	return closer.Close()
}

func policyPackEnv(cfg *pulumirpc.AnalyzerStackConfigureRequest) []string {
	if cfg == nil {
		return nil
	}
	var env []string
	add := func(k, v string) {
		if v != "" {
			env = append(env, k+"="+v)
		}
	}
	add("PULUMI_NODEJS_ORGANIZATION", cfg.GetOrganization())
	add("PULUMI_NODEJS_PROJECT", cfg.GetProject())
	add("PULUMI_NODEJS_STACK", cfg.GetStack())
	add("PULUMI_NODEJS_DRY_RUN", strconv.FormatBool(cfg.GetDryRun()))
	if c := cfg.GetConfig(); c != nil {
		if b, err := json.Marshal(c); err == nil {
			add("PULUMI_CONFIG", string(b))
		}
	}
	return env
}

// --- plugins and dependencies ---------------------------------------------

// packageJSON is the part of a package.json that says whether the package is
// a Pulumi resource provider SDK and which plugin it needs.
type packageJSON struct {
	Name         string            `json:"name"`
	Version      string            `json:"version"`
	Dependencies map[string]string `json:"dependencies"`
	Pulumi       struct {
		Resource bool   `json:"resource"`
		Name     string `json:"name"`
		Version  string `json:"version"`
		Server   string `json:"server"`
	} `json:"pulumi"`
}

func readPackageJSON(path string) (*packageJSON, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var p packageJSON
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &p, nil
}

// nodeModulesDir finds the node_modules that Node would search first from dir.
func nodeModulesDir(dir string) (string, bool) {
	for d := dir; ; d = filepath.Dir(d) {
		candidate := filepath.Join(d, "node_modules")
		if st, err := os.Stat(candidate); err == nil && st.IsDir() {
			return candidate, true
		}
		if filepath.Dir(d) == d {
			return "", false
		}
	}
}

// installedPackages lists the package.json of every top-level package
// (scoped ones included) in a node_modules folder, sorted by name.
func installedPackages(nodeModules string) []*packageJSON {
	var dirs []string
	entries, _ := os.ReadDir(nodeModules)
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") {
			continue
		}
		if strings.HasPrefix(name, "@") {
			scoped, _ := os.ReadDir(filepath.Join(nodeModules, name))
			for _, s := range scoped {
				dirs = append(dirs, filepath.Join(nodeModules, name, s.Name()))
			}
			continue
		}
		dirs = append(dirs, filepath.Join(nodeModules, name))
	}
	sort.Strings(dirs)
	var pkgs []*packageJSON
	for _, d := range dirs {
		if p, err := readPackageJSON(filepath.Join(d, "package.json")); err == nil {
			pkgs = append(pkgs, p)
		}
	}
	return pkgs
}

// GetRequiredPackages reports the provider plugins of the resource SDKs the
// program has installed, as the upstream host does. The engine installs
// missing ones only when plugin acquisition is on, and loads providers lazily,
// so a program that never registers an AWS resource runs without the AWS
// plugin.
func (h *nodeHost) GetRequiredPackages(
	_ context.Context, req *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	resp := &pulumirpc.GetRequiredPackagesResponse{}
	nm, ok := nodeModulesDir(req.GetInfo().GetProgramDirectory())
	if !ok {
		return resp, nil
	}
	for _, p := range installedPackages(nm) {
		if !p.Pulumi.Resource {
			continue
		}
		name := p.Pulumi.Name
		if name == "" {
			name = strings.TrimPrefix(strings.TrimPrefix(p.Name, "@pulumi/"), "@")
		}
		ver := p.Pulumi.Version
		if ver == "" {
			ver = p.Version
		}
		if ver != "" && !strings.HasPrefix(ver, "v") {
			ver = "v" + ver
		}
		resp.Packages = append(resp.Packages, &pulumirpc.PackageDependency{
			Kind: string(apitype.ResourcePlugin), Name: name, Version: ver, Server: p.Pulumi.Server,
		})
	}
	return resp, nil
}

func (h *nodeHost) GetRequiredPlugins(
	ctx context.Context, req *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	pkgs, err := h.GetRequiredPackages(ctx, &pulumirpc.GetRequiredPackagesRequest{Info: req.GetInfo()})
	if err != nil {
		return nil, err
	}
	resp := &pulumirpc.GetRequiredPluginsResponse{}
	for _, p := range pkgs.GetPackages() {
		resp.Plugins = append(resp.Plugins, &pulumirpc.PluginDependency{
			Name: p.GetName(), Kind: p.GetKind(), Version: p.GetVersion(), Server: p.GetServer(),
		})
	}
	return resp, nil
}

// InstallDependencies runs `npm ci` (or `npm install` without a lock file)
// when the program's node_modules is missing. Homeostat's own set-up installs
// them, so in practice this reports that there is nothing to do.
func (h *nodeHost) InstallDependencies(
	req *pulumirpc.InstallDependenciesRequest, server pulumirpc.LanguageRuntime_InstallDependenciesServer,
) error {
	closer, stdout, stderr, err := rpcutil.MakeInstallDependenciesStreams(server, req.GetIsTerminal())
	if err != nil {
		return err
	}
	defer closer.Close()
	dir := req.GetInfo().GetProgramDirectory()
	if _, ok := nodeModulesDir(dir); ok {
		fmt.Fprintln(stdout, "Dependencies are already installed.")
		return closer.Close()
	}
	npmArgs := []string{"install"}
	if _, err := os.Stat(filepath.Join(dir, "package-lock.json")); err == nil {
		npmArgs = []string{"ci"}
	}
	fmt.Fprintf(stdout, "Installing dependencies with npm %s...\n", npmArgs[0])
	cmd := exec.CommandContext(server.Context(), "npm", npmArgs...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("npm %s in %s failed: %w", npmArgs[0], dir, err)
	}
	return closer.Close()
}

func (h *nodeHost) GetProgramDependencies(
	_ context.Context, req *pulumirpc.GetProgramDependenciesRequest,
) (*pulumirpc.GetProgramDependenciesResponse, error) {
	dir := req.GetInfo().GetProgramDirectory()
	resp := &pulumirpc.GetProgramDependenciesResponse{}
	nm, ok := nodeModulesDir(dir)
	if !ok {
		return resp, nil
	}
	// The program's dependencies are those its own package.json declares: the
	// nearest one at or above the program folder. In an npm workspace that is
	// the program's, not the workspace root's next to the shared node_modules.
	declared := map[string]bool{}
	if own, ok := nearestPackageJSON(dir, filepath.Dir(nm)); ok {
		for name := range own.Dependencies {
			declared[name] = true
		}
	}
	for _, p := range installedPackages(nm) {
		if req.GetTransitiveDependencies() || declared[p.Name] {
			resp.Dependencies = append(resp.Dependencies, &pulumirpc.DependencyInfo{Name: p.Name, Version: p.Version})
		}
	}
	return resp, nil
}

// nearestPackageJSON reads the first package.json found from dir upwards,
// looking no higher than top.
func nearestPackageJSON(dir, top string) (*packageJSON, bool) {
	for d := dir; ; d = filepath.Dir(d) {
		if p, err := readPackageJSON(filepath.Join(d, "package.json")); err == nil {
			return p, true
		}
		if d == top || filepath.Dir(d) == d {
			return nil, false
		}
	}
}

func (h *nodeHost) About(ctx context.Context, _ *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	nodeBin, err := exec.LookPath("node")
	if err != nil {
		return nil, fmt.Errorf("could not find node on the PATH: %w", err)
	}
	out, err := exec.CommandContext(ctx, nodeBin, "--version").Output()
	if err != nil {
		return &pulumirpc.AboutResponse{Executable: nodeBin}, nil
	}
	return &pulumirpc.AboutResponse{
		Executable: nodeBin,
		Version:    strings.TrimSpace(string(out)),
		Metadata:   map[string]string{"packagemanager": "npm"},
	}, nil
}

func (h *nodeHost) RuntimeOptionsPrompts(
	context.Context, *pulumirpc.RuntimeOptionsRequest,
) (*pulumirpc.RuntimeOptionsResponse, error) {
	return &pulumirpc.RuntimeOptionsResponse{}, nil
}

func (h *nodeHost) Template(context.Context, *pulumirpc.TemplateRequest) (*pulumirpc.TemplateResponse, error) {
	return &pulumirpc.TemplateResponse{}, nil
}
