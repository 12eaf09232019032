package main

import (
	"context"
	"fmt"
)

func runCode(ctx context.Context, sio stdio, args []string) int {
	fmt.Fprintln(sio.err, "haibao: not available yet")
	return exitFailure
}
