package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/emptypb"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// testTimeout bounds one Node.js run. Loading @pulumi/pulumi takes a second or
// two on an idle machine and much longer on a busy 2-core one.
const testTimeout = 90 * time.Second

// plainProgram lays out a program with its own node_modules, as `npm ci` in
// the program's folder would.
func plainProgram(t *testing.T, fixture string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "app")
	copyFixture(t, "programs/"+fixture, dir)
	linkPackage(t, filepath.Join(dir, "node_modules"), "@pulumi/pulumi", sdkDir(t, "@pulumi/pulumi"))
	return dir
}

// nestedProgram lays out project/infra/<fixture> with node_modules only in
// project/, like a repository whose Pulumi program lives in a subfolder.
func nestedProgram(t *testing.T, fixture string) (root, program string) {
	t.Helper()
	root = filepath.Join(t.TempDir(), "project")
	program = filepath.Join(root, "infra")
	copyFixture(t, "programs/"+fixture, program)
	writeFile(t, filepath.Join(root, "package.json"), `{"name": "project", "private": true}`)
	linkPackage(t, filepath.Join(root, "node_modules"), "@pulumi/pulumi", sdkDir(t, "@pulumi/pulumi"))
	return root, program
}

// pnpmProgram lays out a program whose node_modules/@pulumi/pulumi is pnpm's
// symlink into node_modules/.pnpm.
func pnpmProgram(t *testing.T, fixture string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "app")
	copyFixture(t, "programs/"+fixture, dir)
	sdk := sdkDir(t, "@pulumi/pulumi")
	linkPnpmPackage(t, filepath.Join(dir, "node_modules"), "@pulumi/pulumi", packageVersion(t, sdk), sdk)
	return dir
}

// stubSDK writes a stand-in @pulumi/pulumi into dir: enough for Node to
// resolve its entry points, and at a path of the test's own, so a resolution
// that went anywhere else (the repository's node_modules, say) is caught.
func stubSDK(t *testing.T, dir string) {
	t.Helper()
	writeFile(t, filepath.Join(dir, "package.json"), `{"name": "@pulumi/pulumi", "version": "3.276.0"}`)
	for _, entry := range []string{"run", "run-policy-pack", "run-plugin"} {
		writeFile(t, filepath.Join(dir, "cmd", entry, "index.js"), "")
	}
}

func realPath(t *testing.T, path string) string {
	t.Helper()
	p, err := filepath.EvalSymlinks(path)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestResolveModuleFindsPulumiFromNestedProgramFolder(t *testing.T) {
	node := requireNode(t)
	root := t.TempDir()
	stubSDK(t, filepath.Join(root, "node_modules", "@pulumi", "pulumi"))
	program := filepath.Join(root, "infra")
	writeFile(t, filepath.Join(program, "index.js"), "")

	got, err := resolveModule(node, program, "@pulumi/pulumi/cmd/run")
	if err != nil {
		t.Fatal(err)
	}
	want := realPath(t, filepath.Join(root, "node_modules", "@pulumi", "pulumi", "cmd", "run", "index.js"))
	if got != want {
		t.Errorf("resolveModule from %s = %q, want %q", program, got, want)
	}
}

func TestResolveModuleFollowsPnpmSymlinks(t *testing.T) {
	node := requireNode(t)
	program := t.TempDir()
	store := linkPnpmPackage(t, filepath.Join(program, "node_modules"), "@pulumi/pulumi", "3.276.0", "")
	stubSDK(t, store)

	got, err := resolveModule(node, program, "@pulumi/pulumi/cmd/run-policy-pack")
	if err != nil {
		t.Fatal(err)
	}
	// Node reports the real path inside node_modules/.pnpm, which is what
	// lets the program and the run script share one copy of the SDK.
	want := realPath(t, filepath.Join(store, "cmd", "run-policy-pack", "index.js"))
	if got != want {
		t.Errorf("resolveModule from %s = %q, want %q", program, got, want)
	}
}

func TestResolveModuleFailsWhenPulumiIsNotInstalled(t *testing.T) {
	node := requireNode(t)
	dir := t.TempDir()

	_, err := resolveModule(node, dir, "@pulumi/pulumi/cmd/run")
	if err == nil {
		t.Fatalf("resolveModule found @pulumi/pulumi from the empty folder %s", dir)
	}
	if !strings.Contains(err.Error(), "cannot find @pulumi/pulumi/cmd/run from "+dir) {
		t.Errorf("error does not say what was not found where: %v", err)
	}
}

func TestRunReportsMissingPulumiSDKAsRunError(t *testing.T) {
	requireNode(t)
	d := newDeployment(t)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "index.js"), "")

	resp, err := d.host.Run(testContext(t, testTimeout), d.runRequest(t, dir, dir))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(resp.GetError(), "cannot find @pulumi/pulumi/cmd/run") || resp.GetBail() {
		t.Errorf("Run = %v, want an error naming the missing @pulumi/pulumi/cmd/run", resp)
	}
}

// assertRegisteredWidget checks that the registers-component program ran to
// its end against the fake monitor.
func assertRegisteredWidget(t *testing.T, d *deployment) {
	t.Helper()
	got := d.monitor.registeredTypes()
	want := []string{"pulumi:pulumi:Stack::" + testProject + "-" + testStack, "test:index:Widget::widget"}
	if !slices.Equal(got, want) {
		t.Errorf("monitor saw registrations %q, want %q", got, want)
	}
}

func TestRunProgramEndToEnd(t *testing.T) {
	t.Parallel()
	requireNode(t)
	for _, preview := range []bool{false, true} {
		t.Run(map[bool]string{false: "update", true: "preview"}[preview], func(t *testing.T) {
			t.Parallel()
			d := newDeployment(t)
			dir := plainProgram(t, "registers-component")
			req := d.runRequest(t, dir, dir)
			req.DryRun = preview
			// The engine sends "<namespace>:<name>"; the program reads it with
			// new pulumi.Config("app").require("greeting").
			req.Config = map[string]string{"app:greeting": "hello from the stack config"}

			resp, err := d.host.Run(testContext(t, testTimeout), req)
			if err != nil {
				t.Fatal(err)
			}
			if resp.GetError() != "" || resp.GetBail() {
				t.Fatalf("Run = %v, want success", resp)
			}
			assertRegisteredWidget(t, d)
			outputs := d.monitor.stackOutputs()
			if got := outputs["greeting"]; got != "hello from the stack config" {
				t.Errorf("stack output greeting = %v, want the configured value", got)
			}
			if got := outputs["dryRun"]; got != preview {
				t.Errorf("the program saw dryRun = %v, want %v", got, preview)
			}
			if d.engine.rootResource() == "" {
				t.Error("the program never told the engine its root stack resource")
			}
		})
	}
}

func TestRunProgramInNestedLayout(t *testing.T) {
	t.Parallel()
	requireNode(t)
	d := newDeployment(t)
	root, program := nestedProgram(t, "registers-component")
	req := d.runRequest(t, root, program)
	req.Config = map[string]string{"app:greeting": "nested"}

	resp, err := d.host.Run(testContext(t, testTimeout), req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.GetError() != "" || resp.GetBail() {
		t.Fatalf("Run = %v, want success", resp)
	}
	assertRegisteredWidget(t, d)
}

func TestRunProgramInPnpmLayout(t *testing.T) {
	t.Parallel()
	requireNode(t)
	d := newDeployment(t)
	dir := pnpmProgram(t, "registers-component")
	req := d.runRequest(t, dir, dir)
	req.Config = map[string]string{"app:greeting": "pnpm"}

	resp, err := d.host.Run(testContext(t, testTimeout), req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.GetError() != "" || resp.GetBail() {
		t.Fatalf("Run = %v, want success", resp)
	}
	assertRegisteredWidget(t, d)
}

func TestRunReportsExitCodeOfFailingProgram(t *testing.T) {
	t.Parallel()
	requireNode(t)
	d := newDeployment(t)
	dir := plainProgram(t, "exits-3")

	resp, err := d.host.Run(testContext(t, testTimeout), d.runRequest(t, dir, dir))
	if err != nil {
		t.Fatal(err)
	}
	if want := "Program exited with non-zero exit code: 3"; resp.GetError() != want || resp.GetBail() {
		t.Errorf("Run = %v, want Error %q and no bail", resp, want)
	}
}

func TestRunBailsWhenSDKAlreadyReportedTheError(t *testing.T) {
	t.Parallel()
	requireNode(t)
	d := newDeployment(t)
	dir := plainProgram(t, "throws")

	resp, err := d.host.Run(testContext(t, testTimeout), d.runRequest(t, dir, dir))
	if err != nil {
		t.Fatal(err)
	}
	// The SDK logs an unhandled error through the engine and exits 32; the
	// host must then bail without an extra message of its own.
	if !resp.GetBail() || resp.GetError() != "" {
		t.Errorf("Run = %v, want Bail and no error message", resp)
	}
	if logs := d.engine.errorLogs(); !containsSubstring(logs, "boom: this program fails on purpose") {
		t.Errorf("engine error logs %q do not carry the program's error", logs)
	}
}

// startEndlessRun runs fixture (which writes its pid to its first argument
// and never ends) under ctx and waits until the program is running.
func startEndlessRun(
	t *testing.T, ctx context.Context, d *deployment, fixture string,
) (pid int, pidFile string, done <-chan runResult) {
	t.Helper()
	dir := plainProgram(t, fixture)
	pidFile = filepath.Join(t.TempDir(), "program.pid")
	req := d.runRequest(t, dir, dir, pidFile)
	ch := make(chan runResult, 1)
	go func() {
		resp, err := d.host.Run(ctx, req)
		ch <- runResult{resp, err, time.Now()}
	}()

	deadline := time.Now().Add(testTimeout)
	for {
		if b, err := os.ReadFile(pidFile); err == nil && len(b) > 0 {
			if pid, err = strconv.Atoi(string(b)); err != nil {
				t.Fatal(err)
			}
			break
		}
		select {
		case r := <-ch:
			t.Fatalf("the endless program ended on its own: Run = %v, %v", r.resp, r.err)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("the program did not start within %v", testTimeout)
		}
	}
	t.Cleanup(func() {
		if !processGone(pid) {
			_ = killProcess(pid)
		}
	})
	return pid, pidFile, ch
}

type runResult struct {
	resp *pulumirpc.RunResponse
	err  error
	at   time.Time
}

func awaitRun(t *testing.T, done <-chan runResult, d time.Duration) runResult {
	t.Helper()
	select {
	case r := <-done:
		return r
	case <-time.After(d):
		t.Fatalf("Run did not return within %v of cancellation", d)
		return runResult{}
	}
}

func TestCancelRPCStopsRunningProgram(t *testing.T) {
	t.Parallel()
	requireNode(t)
	d := newDeployment(t)
	pid, _, done := startEndlessRun(t, testContext(t, testTimeout), d, "runs-forever")

	cancelled := time.Now()
	if _, err := d.host.Cancel(testContext(t, testTimeout), &emptypb.Empty{}); err != nil {
		t.Fatal(err)
	}

	r := awaitRun(t, done, 15*time.Second)
	if r.err != nil {
		t.Fatal(r.err)
	}
	// SIGINT ends a program without a handler of its own at once; the kill
	// after the grace period must not be needed.
	if took := r.at.Sub(cancelled); took > 4*time.Second {
		t.Errorf("Run returned %v after Cancel", took)
	}
	// Killed by a signal, so there is no exit code to report.
	if want := "Program exited with non-zero exit code: -1"; r.resp.GetError() != want {
		t.Errorf("Run = %v, want Error %q", r.resp, want)
	}
	waitUntilGone(t, pid, time.Second)
}

func TestCancelledRunRequestStopsRunningProgram(t *testing.T) {
	t.Parallel()
	requireNode(t)
	d := newDeployment(t)
	ctx, cancel := contextWithCancel(t)
	pid, _, done := startEndlessRun(t, ctx, d, "runs-forever")

	// An engine that gives up on Run (e.g. on Ctrl-C) just drops the call;
	// the host must not leave the program running.
	cancel()
	if r := awaitRun(t, done, 15*time.Second); r.err == nil {
		t.Errorf("Run = %v although its request was cancelled", r.resp)
	}
	waitUntilGone(t, pid, 4*time.Second)
}

func TestCancelKillsProgramThatIgnoresInterruptAfterGracePeriod(t *testing.T) {
	t.Parallel()
	requireNode(t)
	d := newDeployment(t)
	pid, pidFile, done := startEndlessRun(t, testContext(t, testTimeout), d, "ignores-interrupt")

	cancelled := time.Now()
	if _, err := d.host.Cancel(testContext(t, testTimeout), &emptypb.Empty{}); err != nil {
		t.Fatal(err)
	}

	r := awaitRun(t, done, 15*time.Second)
	if r.err != nil {
		t.Fatal(r.err)
	}
	took := r.at.Sub(cancelled)
	// The program is first asked to stop (it notes the SIGINT) and only
	// killed once the host's 5s grace period is over.
	if _, err := os.Stat(pidFile + ".sigint"); err != nil {
		t.Errorf("the program never received SIGINT: %v", err)
	}
	if took < 4*time.Second || took > 12*time.Second {
		t.Errorf("Run returned %v after Cancel, want about the 5s grace period", took)
	}
	if want := "Program exited with non-zero exit code: -1"; r.resp.GetError() != want {
		t.Errorf("Run = %v, want Error %q", r.resp, want)
	}
	waitUntilGone(t, pid, time.Second)
}

func TestAboutReportsTheNodeOnThePath(t *testing.T) {
	node := requireNode(t)
	version, err := exec.Command(node, "--version").Output()
	if err != nil {
		t.Fatal(err)
	}

	about, err := newHost("").About(testContext(t, testTimeout), &pulumirpc.AboutRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if about.GetExecutable() != node || about.GetVersion() != strings.TrimSpace(string(version)) {
		t.Errorf("About = %v, want executable %s version %s", about, node, version)
	}
}
