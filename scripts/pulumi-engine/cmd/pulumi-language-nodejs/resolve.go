package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// resolveModule finds the file Node would load for module (a package and a
// path inside it, such as "@pulumi/pulumi/cmd/run") from dir, so that a
// program runs the @pulumi/pulumi of its own node_modules. The common layouts
// are resolved here (findModule); only what needs Node's own rules asks Node,
// which costs a Node.js process (40-60 ms, more on a loaded machine) on the
// way to every program and policy pack.
func resolveModule(nodeBin, dir, module string) (string, error) {
	if path, ok := findModule(dir, module); ok {
		return path, nil
	}
	script := fmt.Sprintf("process.stdout.write(require.resolve(%q))", module)
	cmd := exec.Command(nodeBin, "-e", script)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf(
			"cannot find %s from %s: is @pulumi/pulumi installed (npm ci)? %w", module, dir, err)
	}
	return strings.TrimSpace(string(out)), nil
}

// findModule is require.resolve for a package without an "exports" map: in
// the node_modules folder of dir and of each folder above it, the package's
// path as a file (as is, then with .js, .json, .node) or as a folder's index,
// the first found by its real path (Node follows links, as pnpm's layout
// needs). ok is false when nothing was found, or when Node's other rules
// could apply (an "exports" map, a folder with its own package.json): then
// only Node can say.
func findModule(dir, module string) (path string, ok bool) {
	pkg, sub := splitModule(module)
	if pkg == "" {
		return "", false
	}
	for d := dir; ; d = filepath.Dir(d) {
		if filepath.Base(d) != "node_modules" {
			pkgDir := filepath.Join(d, "node_modules", filepath.FromSlash(pkg))
			if isDir(pkgDir) {
				if hasExportsMap(pkgDir) {
					return "", false
				}
				found, decided := fileOf(filepath.Join(pkgDir, filepath.FromSlash(sub)))
				if !decided {
					return "", false
				}
				if found != "" {
					real, err := filepath.EvalSymlinks(found)
					return real, err == nil
				}
			}
		}
		if parent := filepath.Dir(d); parent == d {
			return "", false
		}
	}
}

// splitModule splits "@scope/name/a/b" into "@scope/name" and "a/b" (and
// "name/a" into "name" and "a"); "" when there is no path inside the package.
func splitModule(module string) (pkg, sub string) {
	parts := strings.Split(module, "/")
	n := 1
	if strings.HasPrefix(module, "@") {
		n = 2
	}
	if len(parts) <= n || parts[0] == "" || parts[0] == "." || parts[0] == ".." {
		return "", ""
	}
	return strings.Join(parts[:n], "/"), strings.Join(parts[n:], "/")
}

// fileOf is Node's LOAD_AS_FILE then LOAD_AS_DIRECTORY for x, without a
// folder's own package.json (decided is false there: its "main" is Node's).
func fileOf(x string) (found string, decided bool) {
	for _, candidate := range []string{x, x + ".js", x + ".json", x + ".node"} {
		if isFile(candidate) {
			return candidate, true
		}
	}
	if !isDir(x) {
		return "", true
	}
	if isFile(filepath.Join(x, "package.json")) {
		return "", false
	}
	for _, index := range []string{"index.js", "index.json", "index.node"} {
		if candidate := filepath.Join(x, index); isFile(candidate) {
			return candidate, true
		}
	}
	return "", true
}

// hasExportsMap says whether the package declares "exports", which replaces
// the plain file look-up for its paths; an unreadable package.json counts as
// one, so that Node decides.
func hasExportsMap(pkgDir string) bool {
	raw, err := os.ReadFile(filepath.Join(pkgDir, "package.json"))
	if err != nil {
		return !os.IsNotExist(err)
	}
	var manifest map[string]json.RawMessage
	if json.Unmarshal(raw, &manifest) != nil {
		return true
	}
	_, has := manifest["exports"]
	return has
}

func isFile(path string) bool {
	info, err := os.Stat(path)
	return err == nil && info.Mode().IsRegular()
}

func isDir(path string) bool {
	info, err := os.Stat(path)
	return err == nil && info.IsDir()
}
