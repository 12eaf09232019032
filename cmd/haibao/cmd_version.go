package main

import (
	"context"
	"flag"
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/haibao/haibao/poster"
)

// buildInfo says what this binary is: which source, which Go, and which
// encoder each image format goes through (cgo builds use C libraries).
type buildInfo struct {
	Version   string `json:"version"`
	Commit    string `json:"commit"`
	GoVersion string `json:"go_version"`
	JPEG      string `json:"jpeg"`
	PNG       string `json:"png"`
	WebP      string `json:"webp"`
}

func readBuildInfo() buildInfo {
	enc := poster.Encoders()
	b := buildInfo{Version: "(devel)", Commit: "unknown", GoVersion: runtime.Version(), JPEG: enc.JPEG, PNG: enc.PNG, WebP: enc.WebP}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return b
	}
	if v := bi.Main.Version; v != "" {
		b.Version = v
	}
	var modified bool
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			b.Commit = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if modified && b.Commit != "unknown" {
		b.Commit += "-dirty"
	}
	return b
}

// logAttrs are the build facts as slog key-value pairs.
func (b buildInfo) logAttrs() []any {
	return []any{"version", b.Version, "commit", b.Commit, "go", b.GoVersion, "jpeg", b.JPEG, "png", b.PNG, "webp", b.WebP}
}

func runVersion(_ context.Context, sio stdio, args []string) int {
	fl := flag.NewFlagSet("version", flag.ContinueOnError)
	fl.SetOutput(sio.err)
	fl.Usage = func() { fmt.Fprintln(sio.err, "usage: haibao version") }
	if code, done := parseFlags(fl, args); done {
		return code
	}
	if fl.NArg() > 0 {
		return usageError(sio, fl, "version takes no arguments")
	}
	b := readBuildInfo()
	fmt.Fprintf(sio.out, "haibao %s\ncommit: %s\ngo: %s\njpeg: %s\npng: %s\nwebp: %s\n", b.Version, b.Commit, b.GoVersion, b.JPEG, b.PNG, b.WebP)
	return exitOK
}
