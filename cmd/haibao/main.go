// Command haibao renders share posters from YAML layouts, talks to WeChat for
// mini-program codes and serves both over HTTP. Run "haibao help" for the
// list of subcommands.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// Exit codes shared by every subcommand.
const (
	exitOK      = 0
	exitFailure = 1 // the work failed: invalid layout, render or upstream error
	exitUsage   = 2 // bad flags, arguments or HAIBAO_* settings
)

// usageErr marks an error the user makes in flags, arguments or settings,
// as opposed to work that failed: fail exits 2 for it.
type usageErr struct{ err error }

func (e usageErr) Error() string { return e.err.Error() }
func (e usageErr) Unwrap() error { return e.err }

// badUsage marks err (if any) as a usage error.
func badUsage(err error) error {
	if err == nil {
		return nil
	}
	return usageErr{err}
}

func isUsage(err error) bool {
	var ue usageErr
	return errors.As(err, &ue)
}

// stdio is what a subcommand may touch of the process, so tests can run
// subcommands in-process.
type stdio struct {
	in     io.Reader
	out    io.Writer
	err    io.Writer
	getenv func(string) string
}

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, io stdio, args []string) int
}

func commands() []command {
	return []command{
		{"render", "render one poster to a file or stdout", runRender},
		{"validate", "check layout files and print file:line:col problems", runValidate},
		{"schema", "print the JSON Schema of a layout's data", runSchema},
		{"bench", "measure render and encode time of a layout", runBench},
		{"serve", "run the poster HTTP service", runServe},
		{"sign", "print a signed GET URL for a poster", runSign},
		{"preview", "serve the live layout preview for designers", runPreview},
		{"code", "fetch one mini-program code image", runCode},
		{"batch", "render one poster per row of a CSV, JSON Lines or XLSX file into a folder or bucket", runBatch},
		{"pregen", "pre-generate mini-program codes into the cache", runPregen},
		{"fake-wechat", "run the fake WeChat API server for tests and development", runFakeWechat},
		{"version", "print the build: version, commit, Go and image encoders", runVersion},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, stdio{in: os.Stdin, out: os.Stdout, err: os.Stderr, getenv: os.Getenv}, os.Args[1:])
	stop()
	os.Exit(code)
}

func run(ctx context.Context, sio stdio, args []string) int {
	if len(args) == 0 {
		usage(sio.err)
		return exitUsage
	}
	name := args[0]
	switch name {
	case "help", "-h", "-help", "--help":
		usage(sio.out)
		return exitOK
	}
	for _, c := range commands() {
		if c.name == name {
			return c.run(ctx, sio, args[1:])
		}
	}
	fmt.Fprintf(sio.err, "haibao: unknown command %q\n\n", name)
	usage(sio.err)
	return exitUsage
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: haibao <command> [flags]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "commands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-12s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, `Run "haibao <command> -h" for a command's flags.`)
}
