// Command dockerfile-check parses a Dockerfile with BuildKit's own parser
// (the one `docker build` uses) and prints its stages and instructions as
// JSON on stdout, with the findings of BuildKit's build checks as warnings,
// so that tests can check structural facts (stages, USER, HEALTHCHECK, ...)
// without a Docker daemon. A file BuildKit would refuse
// (unknown instruction, bad flag, bad HEALTHCHECK options) makes it exit 1
// with BuildKit's error message.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/linter"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// Instruction is one line of a stage, as BuildKit parsed it.
type Instruction struct {
	// Keyword in upper case, for example RUN or HEALTHCHECK.
	Keyword string `json:"keyword"`
	// Original text of the instruction.
	Original string `json:"original"`
	// Arguments after the keyword and its flags.
	Args []string `json:"args"`
	// Flags such as --from=engine or --chown=10001:10001.
	Flags []string `json:"flags"`
	// Line where the instruction starts.
	Line int `json:"line"`
	// Healthcheck details, for HEALTHCHECK only.
	Healthcheck *Healthcheck `json:"healthcheck,omitempty"`
}

// Healthcheck is a HEALTHCHECK instruction's parsed options.
type Healthcheck struct {
	Test       []string `json:"test"`
	IntervalNs int64    `json:"intervalNs"`
	TimeoutNs  int64    `json:"timeoutNs"`
	StartNs    int64    `json:"startPeriodNs"`
	Retries    int      `json:"retries"`
}

// Stage is one FROM and what follows it.
type Stage struct {
	Name         string        `json:"name"`
	BaseName     string        `json:"baseName"`
	Instructions []Instruction `json:"instructions"`
}

// Result is the whole file.
type Result struct {
	// ARGs before the first FROM, with their defaults.
	MetaArgs map[string]string `json:"metaArgs"`
	Stages   []Stage           `json:"stages"`
	Warnings []string          `json:"warnings"`
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: dockerfile-check <Dockerfile>")
		os.Exit(2)
	}
	f, err := os.Open(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer f.Close()
	res, err := check(f)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(res); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func check(f *os.File) (*Result, error) {
	ast, err := parser.Parse(f)
	if err != nil {
		return nil, err
	}
	out := &Result{MetaArgs: map[string]string{}, Stages: []Stage{}, Warnings: []string{}}
	for _, w := range ast.Warnings {
		out.Warnings = append(out.Warnings, w.Short)
	}
	// Parse checks each instruction the way a build does (flags, arguments,
	// options) and runs BuildKit's build checks (`docker build --check`) on
	// the way; their findings are warnings.
	lint := linter.New(&linter.Config{Warn: func(rule, _, _, msg string, loc []parser.Range) {
		line := 0
		if len(loc) > 0 {
			line = loc[0].Start.Line
		}
		out.Warnings = append(out.Warnings, fmt.Sprintf("%s (line %d): %s", rule, line, msg))
	}})
	stages, metaArgs, err := instructions.Parse(ast.AST, lint)
	if err != nil {
		return nil, err
	}
	for _, m := range metaArgs {
		for _, kv := range m.Args {
			v := ""
			if kv.Value != nil {
				v = *kv.Value
			}
			out.MetaArgs[kv.Key] = v
		}
	}
	// The raw nodes give flags and original text in file order; stage i of
	// instructions.Parse starts at the i-th FROM node.
	stageIndex := -1
	for _, node := range ast.AST.Children {
		kw := strings.ToUpper(node.Value)
		if kw == "FROM" {
			stageIndex++
			continue
		}
		if stageIndex < 0 {
			continue
		}
		args := []string{}
		for n := node.Next; n != nil; n = n.Next {
			args = append(args, n.Value)
		}
		ins := Instruction{Keyword: kw, Original: node.Original, Args: args, Flags: append([]string{}, node.Flags...), Line: node.StartLine}
		if node.Flags == nil {
			ins.Flags = []string{}
		}
		for len(out.Stages) <= stageIndex {
			s := stages[len(out.Stages)]
			out.Stages = append(out.Stages, Stage{Name: s.Name, BaseName: s.BaseName, Instructions: []Instruction{}})
		}
		out.Stages[stageIndex].Instructions = append(out.Stages[stageIndex].Instructions, ins)
	}
	for len(out.Stages) < len(stages) {
		s := stages[len(out.Stages)]
		out.Stages = append(out.Stages, Stage{Name: s.Name, BaseName: s.BaseName, Instructions: []Instruction{}})
	}
	// Typed healthchecks, from BuildKit's own parse of the options.
	for i, s := range stages {
		hi := 0
		for _, cmd := range s.Commands {
			hc, ok := cmd.(*instructions.HealthCheckCommand)
			if !ok {
				continue
			}
			for ; hi < len(out.Stages[i].Instructions); hi++ {
				if out.Stages[i].Instructions[hi].Keyword == "HEALTHCHECK" {
					break
				}
			}
			if hi < len(out.Stages[i].Instructions) {
				out.Stages[i].Instructions[hi].Healthcheck = &Healthcheck{
					Test: hc.Health.Test, IntervalNs: int64(hc.Health.Interval), TimeoutNs: int64(hc.Health.Timeout),
					StartNs: int64(hc.Health.StartPeriod), Retries: hc.Health.Retries,
				}
				hi++
			}
		}
	}
	return out, nil
}
