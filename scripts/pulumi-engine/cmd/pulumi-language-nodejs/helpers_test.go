package main

import (
	"context"
	"errors"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/structpb"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// repoNodeModules is the node_modules that `npm ci` filled at the top of the
// repository; every Node.js layout the tests build links into it rather than
// copying @pulumi/pulumi. HOMEOSTAT_NODE_MODULES points elsewhere if needed.
func repoNodeModules(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("HOMEOSTAT_NODE_MODULES")
	if dir == "" {
		_, file, _, ok := runtime.Caller(0)
		if !ok {
			t.Fatal("cannot locate the test source file")
		}
		dir = filepath.Join(filepath.Dir(file), "..", "..", "..", "..", "node_modules")
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "@pulumi", "pulumi", "package.json")); err != nil {
		t.Skipf("@pulumi/pulumi is not installed in %s (run `npm ci` at the repository root, "+
			"or set HOMEOSTAT_NODE_MODULES): %v", dir, err)
	}
	return dir
}

// requireNode skips tests that start Node.js on machines without it; the host
// itself finds node on the PATH, so that is what the tests use too.
func requireNode(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("node")
	if err != nil {
		t.Skipf("node is not on the PATH: %v", err)
	}
	return bin
}

// sdkDir is the repository's installed copy of an npm package, such as
// "@pulumi/pulumi"; its real path is what Node reports after resolving through
// any symlinks the tests create.
func sdkDir(t *testing.T, pkg string) string {
	t.Helper()
	dir, err := filepath.EvalSymlinks(filepath.Join(repoNodeModules(t), filepath.FromSlash(pkg)))
	if err != nil {
		t.Fatalf("%s is not installed: %v", pkg, err)
	}
	return dir
}

func packageVersion(t *testing.T, dir string) string {
	t.Helper()
	p, err := readPackageJSON(filepath.Join(dir, "package.json"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimPrefix(p.Version, "v")
}

// linkPackage makes nodeModules/<pkg> a symlink to target, the way npm links
// a workspace package.
func linkPackage(t *testing.T, nodeModules, pkg, target string) {
	t.Helper()
	link := filepath.Join(nodeModules, filepath.FromSlash(pkg))
	mustMkdirAll(t, filepath.Dir(link))
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

// pnpmStoreDir is where pnpm keeps one package version:
// node_modules/.pnpm/<name with / as +>@<version>/node_modules/<name>.
func pnpmStoreDir(nodeModules, pkg, version string) string {
	entry := strings.ReplaceAll(pkg, "/", "+") + "@" + version
	return filepath.Join(nodeModules, ".pnpm", entry, "node_modules", filepath.FromSlash(pkg))
}

// linkPnpmPackage links pkg the way pnpm does: the top-level entry is a
// relative symlink into node_modules/.pnpm. If target is empty the store entry
// is left for the caller to fill; otherwise it is itself a symlink to target
// (standing in for pnpm's hard-linked copy of the files).
func linkPnpmPackage(t *testing.T, nodeModules, pkg, version, target string) string {
	t.Helper()
	store := pnpmStoreDir(nodeModules, pkg, version)
	mustMkdirAll(t, filepath.Dir(store))
	if target != "" {
		if err := os.Symlink(target, store); err != nil {
			t.Fatal(err)
		}
	} else {
		mustMkdirAll(t, store)
	}
	link := filepath.Join(nodeModules, filepath.FromSlash(pkg))
	mustMkdirAll(t, filepath.Dir(link))
	rel, err := filepath.Rel(filepath.Dir(link), store)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(rel, link); err != nil {
		t.Fatal(err)
	}
	return store
}

func mustMkdirAll(t *testing.T, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	mustMkdirAll(t, filepath.Dir(path))
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// copyFixture copies testdata/<name> to dst.
func copyFixture(t *testing.T, name, dst string) {
	t.Helper()
	src := filepath.Join("testdata", filepath.FromSlash(name))
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
	if err != nil {
		t.Fatalf("copying fixture %s: %v", name, err)
	}
}

// serveGRPC serves whatever register puts on a fresh gRPC server until the
// test ends, and returns its address. The server is stopped hard, so that a
// stream still open at the end of a test (a running plugin) is cancelled
// rather than waited for.
func serveGRPC(t *testing.T, register func(*grpc.Server)) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	register(srv)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(lis) }()
	t.Cleanup(func() {
		srv.Stop()
		if err := <-served; err != nil {
			t.Errorf("gRPC server: %v", err)
		}
	})
	return lis.Addr().String()
}

func dial(t *testing.T, addr string) *grpc.ClientConn {
	t.Helper()
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// startHost serves a fresh language host the way main does and returns a
// client, so that requests, streams and cancellation cross a real gRPC
// connection as they do from the engine.
func startHost(t *testing.T) pulumirpc.LanguageRuntimeClient {
	t.Helper()
	host := newHost("")
	addr := serveGRPC(t, func(srv *grpc.Server) { pulumirpc.RegisterLanguageRuntimeServer(srv, host) })
	return pulumirpc.NewLanguageRuntimeClient(dial(t, addr))
}

// jsOnly are the runtime options of every test program: plain JavaScript, so
// the SDK does not spend seconds loading ts-node.
func jsOnly(t *testing.T) *structpb.Struct {
	t.Helper()
	s, err := structpb.NewStruct(map[string]any{"typescript": false})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func testContext(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// waitForFile waits until a program under test has written path.
func waitForFile(t *testing.T, path string, d time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		b, err := os.ReadFile(path)
		if err == nil && len(b) > 0 {
			return string(b)
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s was not written within %v", path, d)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// processGone reports whether pid no longer exists. The host reaps its
// children, so a finished child does not linger as a zombie.
func processGone(pid int) bool {
	err := syscall.Kill(pid, 0)
	return errors.Is(err, syscall.ESRCH)
}

func waitUntilGone(t *testing.T, pid int, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !processGone(pid) {
		if time.Now().After(deadline) {
			// Do not leave it behind for the next test.
			_ = syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("process %d was still running %v after cancellation", pid, d)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func contextWithCancel(t *testing.T) (context.Context, context.CancelFunc) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return ctx, cancel
}

func killProcess(pid int) error {
	return syscall.Kill(pid, syscall.SIGKILL)
}
