package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/types/known/structpb"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

func programInfoWithOptions(t *testing.T, opts map[string]any) *pulumirpc.ProgramInfo {
	t.Helper()
	s, err := structpb.NewStruct(opts)
	if err != nil {
		t.Fatal(err)
	}
	return &pulumirpc.ProgramInfo{Options: s}
}

func TestParseOptions(t *testing.T) {
	cases := []struct {
		name    string
		info    func(t *testing.T) *pulumirpc.ProgramInfo
		want    nodeOptions
		wantEnv []string
		wantErr string
	}{
		{
			// Pulumi.yaml without runtime options: TypeScript via ts-node, as
			// upstream defaults to.
			name:    "no program info",
			info:    func(*testing.T) *pulumirpc.ProgramInfo { return nil },
			want:    nodeOptions{typescript: true},
			wantEnv: []string{"PULUMI_NODEJS_TYPESCRIPT=true"},
		},
		{
			name:    "no options",
			info:    func(*testing.T) *pulumirpc.ProgramInfo { return &pulumirpc.ProgramInfo{} },
			want:    nodeOptions{typescript: true},
			wantEnv: []string{"PULUMI_NODEJS_TYPESCRIPT=true"},
		},
		{
			name: "all options",
			info: func(t *testing.T) *pulumirpc.ProgramInfo {
				return programInfoWithOptions(t, map[string]any{
					"typescript": false,
					"tsconfig":   "tsconfig.build.json",
					"nodeargs":   "  --max-old-space-size=4096   --enable-source-maps ",
				})
			},
			want: nodeOptions{
				typescript:   false,
				tsconfigPath: "tsconfig.build.json",
				nodeArgs:     []string{"--max-old-space-size=4096", "--enable-source-maps"},
			},
			wantEnv: []string{"PULUMI_NODEJS_TSCONFIG_PATH=tsconfig.build.json"},
		},
		{
			// Options the host does not use (e.g. packagemanager) are not errors.
			name: "unrelated options",
			info: func(t *testing.T) *pulumirpc.ProgramInfo {
				return programInfoWithOptions(t, map[string]any{"packagemanager": "pnpm", "typescript": true})
			},
			want:    nodeOptions{typescript: true},
			wantEnv: []string{"PULUMI_NODEJS_TYPESCRIPT=true"},
		},
		{
			name: "typescript as a string",
			info: func(t *testing.T) *pulumirpc.ProgramInfo {
				return programInfoWithOptions(t, map[string]any{"typescript": "false"})
			},
			wantErr: "runtime option 'typescript' must be a boolean, got string",
		},
		{
			name: "tsconfig as a number",
			info: func(t *testing.T) *pulumirpc.ProgramInfo {
				return programInfoWithOptions(t, map[string]any{"tsconfig": 3})
			},
			wantErr: "runtime option 'tsconfig' must be a string, got float64",
		},
		{
			name: "nodeargs as a list",
			info: func(t *testing.T) *pulumirpc.ProgramInfo {
				return programInfoWithOptions(t, map[string]any{"nodeargs": []any{"--inspect"}})
			},
			wantErr: "runtime option 'nodeargs' must be a string, got []interface {}",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseOptions(tc.info(t))
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("parseOptions error = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.typescript != tc.want.typescript || got.tsconfigPath != tc.want.tsconfigPath ||
				!slices.Equal(got.nodeArgs, tc.want.nodeArgs) {
				t.Errorf("parseOptions = %+v, want %+v", got, tc.want)
			}
			if env := got.env(); !slices.Equal(env, tc.wantEnv) {
				t.Errorf("env() = %q, want %q", env, tc.wantEnv)
			}
		})
	}
}

func TestProgramConfigUsesTheKeyFormEverySDKReads(t *testing.T) {
	cases := []struct {
		name    string
		in      map[string]string
		want    map[string]string
		wantErr bool
	}{
		{name: "empty", in: nil, want: map[string]string{}},
		{
			name: "namespaced keys",
			in:   map[string]string{"app:greeting": "hi", "aws:region": "eu-west-1"},
			want: map[string]string{"app:config:greeting": "hi", "aws:config:region": "eu-west-1"},
		},
		{
			// Values are passed through untouched, structured ones included.
			name: "structured value",
			in:   map[string]string{"app:tags": `{"team":"a"}`},
			want: map[string]string{"app:config:tags": `{"team":"a"}`},
		},
		{
			// Old engines and state files may already use the long form.
			name: "legacy long form",
			in:   map[string]string{"app:config:greeting": "hi"},
			want: map[string]string{"app:config:greeting": "hi"},
		},
		{name: "key without namespace", in: map[string]string{"greeting": "hi"}, wantErr: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			raw, err := programConfig(tc.in)
			if tc.wantErr {
				if err == nil {
					t.Fatalf("programConfig(%v) = %s, want an error", tc.in, raw)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got map[string]string
			if err := json.Unmarshal([]byte(raw), &got); err != nil {
				t.Fatalf("programConfig returned invalid JSON %q: %v", raw, err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("programConfig = %v, want %v", got, tc.want)
			}
			for k, v := range tc.want {
				if got[k] != v {
					t.Errorf("programConfig = %v, want %v", got, tc.want)
					break
				}
			}
		})
	}
}

func TestPolicyPackEnvCarriesTheStackConfiguration(t *testing.T) {
	if env := policyPackEnv(nil); env != nil {
		t.Errorf("policyPackEnv(nil) = %q, want nothing (no stack: `pulumi policy publish`)", env)
	}
	env := policyPackEnv(&pulumirpc.AnalyzerStackConfigureRequest{
		Organization: "acme-org",
		Project:      "proj",
		Stack:        "dev",
		DryRun:       true,
		Config:       map[string]string{"acme:owner": "team-a"},
	})
	want := []string{
		"PULUMI_NODEJS_ORGANIZATION=acme-org",
		"PULUMI_NODEJS_PROJECT=proj",
		"PULUMI_NODEJS_STACK=dev",
		"PULUMI_NODEJS_DRY_RUN=true",
		`PULUMI_CONFIG={"acme:owner":"team-a"}`,
	}
	if !slices.Equal(env, want) {
		t.Errorf("policyPackEnv = %q, want %q", env, want)
	}
}

func TestRunPassesNodeArgsBeforeTheRunScript(t *testing.T) {
	t.Parallel()
	requireNode(t)
	d := newDeployment(t)
	dir := plainProgram(t, "registers-component")
	// A --require'd module runs before the run script; it records the flags
	// Node was started with.
	marker := filepath.Join(t.TempDir(), "execArgv.json")
	preload := filepath.Join(t.TempDir(), "preload.js")
	writeFile(t, preload, `require("fs").writeFileSync(`+jsString(marker)+`, JSON.stringify(process.execArgv));`)
	req := d.runRequest(t, dir, dir)
	req.Config = map[string]string{"app:greeting": "hi"}
	req.Info.Options = programInfoWithOptions(t, map[string]any{
		"typescript": false,
		"nodeargs":   "--require " + preload + " --no-deprecation",
	}).GetOptions()

	resp, err := d.host.Run(testContext(t, testTimeout), req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.GetError() != "" || resp.GetBail() {
		t.Fatalf("Run = %v, want success", resp)
	}
	b, err := os.ReadFile(marker)
	if err != nil {
		t.Fatalf("the --require'd module did not run: %v", err)
	}
	var execArgv []string
	if err := json.Unmarshal(b, &execArgv); err != nil {
		t.Fatal(err)
	}
	if want := []string{"--require", preload, "--no-deprecation"}; !slices.Equal(execArgv, want) {
		t.Errorf("node was started with %q, want %q", execArgv, want)
	}
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return strings.TrimSpace(string(b))
}
