package main

import (
	"context"
	"fmt"
)

func runRender(ctx context.Context, sio stdio, args []string) int {
	fmt.Fprintln(sio.err, "haibao: not available yet")
	return exitFailure
}
