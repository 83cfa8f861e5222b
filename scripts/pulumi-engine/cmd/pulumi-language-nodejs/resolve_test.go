package main

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// nodeResolves is the answer findModule must give: Node's own require.resolve.
func nodeResolves(t *testing.T, node, dir, module string) string {
	t.Helper()
	cmd := exec.Command(node, "-e", "process.stdout.write(require.resolve(process.argv[1]))", module)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node cannot resolve %s from %s: %v", module, dir, err)
	}
	return string(out)
}

func TestFindModuleAgreesWithNode(t *testing.T) {
	node := requireNode(t)
	root := t.TempDir()
	// The package nearest to the program lacks the entry; Node goes on to the next node_modules up.
	writeFile(t, filepath.Join(root, "project", "infra", "node_modules", "@pulumi", "pulumi", "package.json"), `{"name": "@pulumi/pulumi"}`)
	stubSDK(t, filepath.Join(root, "project", "node_modules", "@pulumi", "pulumi"))
	// A file wins over a folder of the same name.
	writeFile(t, filepath.Join(root, "project", "node_modules", "@pulumi", "pulumi", "cmd", "run.js"), "")
	writeFile(t, filepath.Join(root, "project", "node_modules", "leftpad", "lib", "pad.json"), "{}")
	writeFile(t, filepath.Join(root, "project", "node_modules", "leftpad", "package.json"), `{"name": "leftpad"}`)
	program := filepath.Join(root, "project", "infra")
	pnpm := t.TempDir()
	stubSDK(t, linkPnpmPackage(t, filepath.Join(pnpm, "node_modules"), "@pulumi/pulumi", "3.276.0", ""))

	for _, c := range []struct{ dir, module string }{
		{program, "@pulumi/pulumi/cmd/run"},
		{program, "@pulumi/pulumi/cmd/run-policy-pack"},
		{program, "leftpad/lib/pad"},
		{pnpm, "@pulumi/pulumi/cmd/run-plugin"},
	} {
		got, ok := findModule(c.dir, c.module)
		if !ok {
			t.Errorf("findModule(%s, %s) found nothing", c.dir, c.module)
			continue
		}
		if want := nodeResolves(t, node, c.dir, c.module); got != want {
			t.Errorf("findModule(%s, %s) = %q, Node says %q", c.dir, c.module, got, want)
		}
	}
}

func TestResolveModuleStartsNoNodeForAPlainLayout(t *testing.T) {
	program := t.TempDir()
	stubSDK(t, filepath.Join(program, "node_modules", "@pulumi", "pulumi"))

	got, err := resolveModule(filepath.Join(t.TempDir(), "no-node-here"), program, "@pulumi/pulumi/cmd/run")
	if err != nil {
		t.Fatalf("resolveModule needed Node: %v", err)
	}
	if !strings.HasSuffix(got, filepath.Join("cmd", "run", "index.js")) {
		t.Errorf("resolveModule = %q", got)
	}
}

func TestResolveModuleLeavesExportsMapsToNode(t *testing.T) {
	node := requireNode(t)
	program := t.TempDir()
	sdk := filepath.Join(program, "node_modules", "@pulumi", "pulumi")
	stubSDK(t, sdk)
	// With an exports map, cmd/run is whatever the map says, not the folder of that name.
	writeFile(t, filepath.Join(sdk, "package.json"),
		`{"name": "@pulumi/pulumi", "version": "3.276.0", "exports": {"./cmd/run": "./lib/run.js"}}`)
	writeFile(t, filepath.Join(sdk, "lib", "run.js"), "")

	if got, ok := findModule(program, "@pulumi/pulumi/cmd/run"); ok {
		t.Fatalf("findModule decided %q for a package with an exports map", got)
	}
	got, err := resolveModule(node, program, "@pulumi/pulumi/cmd/run")
	if err != nil {
		t.Fatal(err)
	}
	if want := realPath(t, filepath.Join(sdk, "lib", "run.js")); got != want {
		t.Errorf("resolveModule = %q, want Node's %q", got, want)
	}
}

func TestSplitModule(t *testing.T) {
	for module, want := range map[string][2]string{
		"@pulumi/pulumi/cmd/run": {"@pulumi/pulumi", "cmd/run"},
		"minimist/index":         {"minimist", "index"},
		"@pulumi/pulumi":         {"", ""},
		"./local/file":           {"", ""},
	} {
		if pkg, sub := splitModule(module); pkg != want[0] || sub != want[1] {
			t.Errorf("splitModule(%q) = %q, %q; want %q, %q", module, pkg, sub, want[0], want[1])
		}
	}
}
