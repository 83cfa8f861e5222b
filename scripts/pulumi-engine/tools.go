//go:build tools

// Package engine pins the Pulumi CLI and the Node.js language host at one
// version so that setup can build both from the Go module proxy. The build
// tag keeps this file out of every ordinary build; it exists only so that
// `go mod tidy` records the two main packages in go.mod and go.sum.
package engine

import (
	_ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
)
