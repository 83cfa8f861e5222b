package main

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// fakePackage is an installed npm package, as far as its package.json goes.
type fakePackage struct {
	name, version string
	packageJSON   string
}

// installedForDiscovery is what a program's node_modules holds in the
// discovery tests: four provider SDKs written the different ways providers
// declare themselves, and three packages that are not providers.
var installedForDiscovery = []fakePackage{
	{"@pulumi/random", "4.16.7",
		`{"name": "@pulumi/random", "version": "4.16.7",
		  "pulumi": {"resource": true, "name": "random", "version": "4.16.7"}}`},
	// The plugin version may differ from the SDK's npm version, and the
	// plugin may come from somewhere else than Pulumi's own releases.
	{"@acme/cloud", "1.2.3",
		`{"name": "@acme/cloud", "version": "1.2.3",
		  "pulumi": {"resource": true, "name": "acmecloud", "version": "v1.2.0",
		             "server": "github://api.github.com/acme"}}`},
	// No pulumi.name: the @pulumi scope is dropped...
	{"@pulumi/tls", "5.2.0", `{"name": "@pulumi/tls", "version": "5.2.0", "pulumi": {"resource": true}}`},
	// ...other scopes only lose the leading "@", as in the upstream host's
	// getPluginName.
	{"@acme/widgets", "2.0.1", `{"name": "@acme/widgets", "version": "2.0.1", "pulumi": {"resource": true}}`},
	// The SDK itself carries a "pulumi" section, but it is not a provider.
	{"@pulumi/pulumi", "3.276.0",
		`{"name": "@pulumi/pulumi", "version": "3.276.0", "pulumi": {"comment": "Do not remove."}}`},
	{"@acme/not-a-provider", "0.1.0",
		`{"name": "@acme/not-a-provider", "version": "0.1.0", "pulumi": {"resource": false, "name": "nope"}}`},
	{"left-pad", "1.3.0", `{"name": "left-pad", "version": "1.3.0"}`},
}

var wantDiscoveredPackages = []*pulumirpc.PackageDependency{
	{Kind: "resource", Name: "acmecloud", Version: "v1.2.0", Server: "github://api.github.com/acme"},
	{Kind: "resource", Name: "acme/widgets", Version: "v2.0.1"},
	{Kind: "resource", Name: "random", Version: "v4.16.7"},
	{Kind: "resource", Name: "tls", Version: "v5.2.0"},
}

// installNpm writes pkgs into nodeModules as npm lays them out.
func installNpm(t *testing.T, nodeModules string, pkgs []fakePackage) {
	t.Helper()
	for _, p := range pkgs {
		writeFile(t, filepath.Join(nodeModules, filepath.FromSlash(p.name), "package.json"), p.packageJSON)
	}
	// npm's own bookkeeping lives next to the packages and is not one.
	writeFile(t, filepath.Join(nodeModules, ".package-lock.json"), `{"name": "app", "lockfileVersion": 3}`)
	mustMkdirAll(t, filepath.Join(nodeModules, ".bin"))
}

// installPnpm writes pkgs into nodeModules as pnpm lays them out: each
// package in node_modules/.pnpm, linked from the top level.
func installPnpm(t *testing.T, nodeModules string, pkgs []fakePackage) {
	t.Helper()
	for _, p := range pkgs {
		store := linkPnpmPackage(t, nodeModules, p.name, p.version, "")
		writeFile(t, filepath.Join(store, "package.json"), p.packageJSON)
	}
	writeFile(t, filepath.Join(nodeModules, ".modules.yaml"), "layoutVersion: 5\n")
}

// discoveryLayouts builds the same installed packages in each layout the
// host must understand and returns the program folder to ask about.
var discoveryLayouts = []struct {
	name  string
	build func(t *testing.T, pkgs []fakePackage, rootPackageJSON string) (programDir string)
}{
	{"npm", func(t *testing.T, pkgs []fakePackage, rootPackageJSON string) string {
		dir := t.TempDir()
		writeFile(t, filepath.Join(dir, "package.json"), rootPackageJSON)
		installNpm(t, filepath.Join(dir, "node_modules"), pkgs)
		return dir
	}},
	{"pnpm", func(t *testing.T, pkgs []fakePackage, rootPackageJSON string) string {
		dir := t.TempDir()
		writeFile(t, filepath.Join(dir, "package.json"), rootPackageJSON)
		installPnpm(t, filepath.Join(dir, "node_modules"), pkgs)
		return dir
	}},
	// The program sits in a subfolder without package.json or node_modules
	// of its own.
	{"nested program folder", func(t *testing.T, pkgs []fakePackage, rootPackageJSON string) string {
		dir := t.TempDir()
		writeFile(t, filepath.Join(dir, "package.json"), rootPackageJSON)
		installNpm(t, filepath.Join(dir, "node_modules"), pkgs)
		program := filepath.Join(dir, "infra")
		writeFile(t, filepath.Join(program, "index.js"), "")
		return program
	}},
}

func packageIDs(pkgs []*pulumirpc.PackageDependency) []string {
	var out []string
	for _, p := range pkgs {
		out = append(out, p.GetKind()+" "+p.GetName()+" "+p.GetVersion()+" "+p.GetServer())
	}
	return out
}

func pluginIDs(plugins []*pulumirpc.PluginDependency) []string {
	var out []string
	for _, p := range plugins {
		out = append(out, p.GetKind()+" "+p.GetName()+" "+p.GetVersion()+" "+p.GetServer())
	}
	return out
}

func TestGetRequiredPackagesReportsInstalledProviderSDKs(t *testing.T) {
	for _, layout := range discoveryLayouts {
		t.Run(layout.name, func(t *testing.T) {
			program := layout.build(t, installedForDiscovery, `{"name": "app"}`)

			resp, err := newHost("").GetRequiredPackages(context.Background(),
				&pulumirpc.GetRequiredPackagesRequest{Info: &pulumirpc.ProgramInfo{ProgramDirectory: program}})
			if err != nil {
				t.Fatal(err)
			}
			if got, want := packageIDs(resp.GetPackages()), packageIDs(wantDiscoveredPackages); !slices.Equal(got, want) {
				t.Errorf("GetRequiredPackages reported\n  %q\nwant\n  %q", got, want)
			}
		})
	}
}

func TestGetRequiredPluginsReportsTheSameProvidersAsGetRequiredPackages(t *testing.T) {
	// Older engines still ask with GetRequiredPlugins.
	for _, layout := range discoveryLayouts {
		t.Run(layout.name, func(t *testing.T) {
			program := layout.build(t, installedForDiscovery, `{"name": "app"}`)

			resp, err := newHost("").GetRequiredPlugins(context.Background(),
				&pulumirpc.GetRequiredPluginsRequest{Info: &pulumirpc.ProgramInfo{ProgramDirectory: program}})
			if err != nil {
				t.Fatal(err)
			}
			if got, want := pluginIDs(resp.GetPlugins()), packageIDs(wantDiscoveredPackages); !slices.Equal(got, want) {
				t.Errorf("GetRequiredPlugins reported\n  %q\nwant\n  %q", got, want)
			}
		})
	}
}

func TestGetRequiredPackagesWithoutNodeModulesReportsNothing(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "package.json"), `{"name": "app"}`)

	resp, err := newHost("").GetRequiredPackages(context.Background(),
		&pulumirpc.GetRequiredPackagesRequest{Info: &pulumirpc.ProgramInfo{ProgramDirectory: dir}})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.GetPackages()) != 0 {
		t.Errorf("GetRequiredPackages = %q for a program without node_modules", packageIDs(resp.GetPackages()))
	}
}

func dependencyIDs(deps []*pulumirpc.DependencyInfo) []string {
	var out []string
	for _, d := range deps {
		out = append(out, d.GetName()+"@"+d.GetVersion())
	}
	return out
}

func TestGetProgramDependenciesHonoursTransitiveDependencies(t *testing.T) {
	const rootPackageJSON = `{"name": "app", "dependencies": {"@acme/cloud": "^1.2.3", "left-pad": "^1.3.0"}}`
	declared := []string{"@acme/cloud@1.2.3", "left-pad@1.3.0"}
	everything := []string{
		"@acme/cloud@1.2.3", "@acme/not-a-provider@0.1.0", "@acme/widgets@2.0.1",
		"@pulumi/pulumi@3.276.0", "@pulumi/random@4.16.7", "@pulumi/tls@5.2.0", "left-pad@1.3.0",
	}
	for _, layout := range discoveryLayouts {
		t.Run(layout.name, func(t *testing.T) {
			program := layout.build(t, installedForDiscovery, rootPackageJSON)
			for _, transitive := range []bool{false, true} {
				resp, err := newHost("").GetProgramDependencies(context.Background(),
					&pulumirpc.GetProgramDependenciesRequest{
						Info:                   &pulumirpc.ProgramInfo{ProgramDirectory: program},
						TransitiveDependencies: transitive,
					})
				if err != nil {
					t.Fatal(err)
				}
				want := declared
				if transitive {
					want = everything
				}
				if got := dependencyIDs(resp.GetDependencies()); !slices.Equal(got, want) {
					t.Errorf("GetProgramDependencies(transitive=%v) = %q, want %q", transitive, got, want)
				}
			}
		})
	}
}

func TestGetProgramDependenciesOfWorkspaceMemberAreItsOwn(t *testing.T) {
	// An npm workspace: the member declares its dependencies, the root only
	// its own tooling, and npm hoists everything into the root node_modules.
	root := t.TempDir()
	writeFile(t, filepath.Join(root, "package.json"),
		`{"name": "repo", "workspaces": ["infra"], "dependencies": {"left-pad": "^1.3.0"}}`)
	program := filepath.Join(root, "infra")
	writeFile(t, filepath.Join(program, "package.json"),
		`{"name": "infra", "dependencies": {"@pulumi/random": "^4.16.0", "@acme/cloud": "^1.2.3"}}`)
	installNpm(t, filepath.Join(root, "node_modules"), installedForDiscovery)

	resp, err := newHost("").GetProgramDependencies(context.Background(),
		&pulumirpc.GetProgramDependenciesRequest{Info: &pulumirpc.ProgramInfo{ProgramDirectory: program}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"@acme/cloud@1.2.3", "@pulumi/random@4.16.7"}
	if got := dependencyIDs(resp.GetDependencies()); !slices.Equal(got, want) {
		t.Errorf("GetProgramDependencies = %q, want the member's own %q", got, want)
	}
}

func TestInstallDependenciesLeavesInstalledProgramAlone(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "package.json"), `{"name": "app"}`)
	installNpm(t, filepath.Join(dir, "node_modules"), installedForDiscovery[:1])
	// A broken npm on the PATH makes any attempt to install visible.
	bin := t.TempDir()
	writeFile(t, filepath.Join(bin, "npm"), "#!/bin/sh\necho npm must not run >&2\nexit 7\n")
	if err := os.Chmod(filepath.Join(bin, "npm"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))

	stream, err := startHost(t).InstallDependencies(testContext(t, testTimeout),
		&pulumirpc.InstallDependenciesRequest{Info: &pulumirpc.ProgramInfo{ProgramDirectory: dir}})
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr string
	for {
		msg, err := stream.Recv()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				t.Fatalf("InstallDependencies failed: %v (stderr %q)", err, stderr)
			}
			break
		}
		stdout += string(msg.GetStdout())
		stderr += string(msg.GetStderr())
	}
	if stdout != "Dependencies are already installed.\n" || stderr != "" {
		t.Errorf("InstallDependencies wrote stdout %q, stderr %q", stdout, stderr)
	}
}
