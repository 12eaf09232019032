package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/term"

	"github.com/haibao/haibao/wxa"
)

// parseRate reads "5000/m", "80/s" or "300000/h" as calls per minute.
func parseRate(s string) (int, error) {
	n, unit, ok := strings.Cut(s, "/")
	if !ok {
		unit = "m"
	}
	v, err := strconv.ParseFloat(n, 64)
	if err != nil || v <= 0 {
		return 0, fmt.Errorf("rate %q: want a positive number of calls like 5000/m", s)
	}
	switch unit {
	case "s":
		v *= 60
	case "m":
	case "h":
		v /= 60
	default:
		return 0, fmt.Errorf("rate %q: unit must be /s, /m or /h", s)
	}
	return max(1, int(v)), nil
}

type sceneLine struct {
	line  int
	scene string
}

func runPregen(ctx context.Context, sio stdio, args []string) int {
	fl := flag.NewFlagSet("pregen", flag.ContinueOnError)
	fl.SetOutput(sio.err)
	page := fl.String("page", "", "page of the mini program the codes open")
	scenesFile := fl.String("scenes", "", "file with one scene per line (blank lines and # comments are skipped), or - for stdin")
	concurrency := fl.Int("concurrency", 8, "codes fetched at once")
	rateFlag := fl.String("rate", "", "upstream calls allowed, per s, m or h (default: HAIBAO_WECHAT_RATE a minute, else 5000/m)")
	width := fl.Int("width", wxa.DefaultWidth, "width in pixels, 280-1280")
	env := fl.String("env-version", "release", "release, trial or develop")
	app := fl.String("app", "", "mini program, by its name in HAIBAO_WECHAT_APPS (default: the default app)")
	fl.Usage = func() {
		fmt.Fprintln(sio.err, "usage: haibao pregen --page P --scenes FILE [--concurrency 8] [--rate 5000/m] [--width 430] [--app NAME]")
		fl.PrintDefaults()
	}
	if code, done := parseFlags(fl, args); done {
		return code
	}
	if *scenesFile == "" {
		return usageError(sio, fl, "--scenes is required")
	}
	if *concurrency < 1 || *concurrency > 256 {
		return usageError(sio, fl, "--concurrency must be from 1 to 256")
	}
	perMinute := 0
	if *rateFlag != "" {
		var err error
		if perMinute, err = parseRate(*rateFlag); err != nil {
			return usageError(sio, fl, "--rate: "+err.Error())
		}
	}
	// Every scene shares page, width and version: check them once, with a
	// stand-in scene, rather than once per line.
	base := wxa.CodeRequest{Page: *page, Width: *width, EnvVersion: wxa.EnvVersion(*env)}
	probe := base
	probe.Scene = "x"
	if err := probe.Validate(); err != nil {
		return usageError(sio, fl, flagProblem(err))
	}
	settings, err := readWechatConfig(sio.getenv)
	if err != nil {
		return fail(sio, err)
	}
	if !settings.Configured() {
		return fail(sio, badUsage(errNoCredentials))
	}
	if perMinute > 0 {
		settings.Rate = perMinute
	}
	in := sio.in
	if *scenesFile != "-" {
		f, err := os.Open(*scenesFile)
		if err != nil {
			return fail(sio, badUsage(err))
		}
		defer f.Close()
		in = f
	}
	lines, invalid, err := readScenes(in, *scenesFile, sio.err)
	if err != nil {
		return fail(sio, err)
	}
	logger := slog.New(slog.NewTextHandler(sio.err, &slog.HandlerOptions{Level: slog.LevelWarn}))
	apps, store, err := settings.services(ctx, logger, nil, nil)
	if err != nil {
		return fail(sio, err)
	}
	defer closeStore(store)
	if err := pickApp(apps, *app); err != nil {
		return usageError(sio, fl, err.Error())
	}
	client, _ := apps.Client(*app)
	ctx = wxa.WithClass(ctx, wxa.ClassBulk) // in cluster mode: the bulk sub-budget, never starving live requests
	p := &pregen{client: client, base: base, total: len(lines), out: sio.err, file: *scenesFile}
	p.tty = isTerminal(sio.err)
	start := time.Now()
	p.run(ctx, lines, *concurrency)
	gen, cached, failed := p.generated.Load(), p.cached.Load(), p.failed.Load()
	notDone := int64(len(lines)) - gen - cached - failed
	fmt.Fprintf(sio.err, "pregen: %d scenes: %d generated, %d already cached, %d failed, %d invalid lines, %d not done (%s)\n",
		len(lines)+invalid, gen, cached, failed, invalid, notDone, time.Since(start).Round(time.Millisecond))
	if failed > 0 || invalid > 0 || notDone > 0 {
		return exitFailure
	}
	return exitOK
}

// readScenes reads one scene a line, reporting and skipping bad lines.
func readScenes(r io.Reader, name string, report io.Writer) ([]sceneLine, int, error) {
	var out []sceneLine
	invalid := 0
	seen := map[string]bool{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		s := strings.TrimSpace(sc.Text())
		if s == "" || strings.HasPrefix(s, "#") || seen[s] {
			continue
		}
		if why := wxa.ValidScene(s); why != "" {
			fmt.Fprintf(report, "%s:%d: scene %q %s; skipped\n", name, n, s, why)
			invalid++
			continue
		}
		seen[s] = true
		out = append(out, sceneLine{line: n, scene: s})
	}
	return out, invalid, sc.Err()
}

type pregen struct {
	client *wxa.Client
	base   wxa.CodeRequest
	total  int
	out    io.Writer
	file   string
	tty    bool

	generated, cached, failed atomic.Int64
	mu                        sync.Mutex // serializes output lines
}

func (p *pregen) run(ctx context.Context, lines []sceneLine, workers int) {
	jobs := make(chan sceneLine)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for l := range jobs {
				p.one(ctx, l)
			}
		}()
	}
	stop := make(chan struct{})
	progressDone := make(chan struct{})
	go func() {
		defer close(progressDone)
		p.progress(stop)
	}()
	for _, l := range lines {
		select {
		case jobs <- l:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
	}
	close(jobs)
	wg.Wait()
	close(stop)
	<-progressDone
}

func (p *pregen) one(ctx context.Context, l sceneLine) {
	req := p.base
	req.Scene = l.scene
	if ok, err := p.client.Cached(ctx, req); err == nil && ok {
		p.cached.Add(1)
		return
	}
	if ctx.Err() != nil {
		return
	}
	// A call that has started finishes and is cached even after Ctrl-C:
	// the wxa client returns at once when its caller's ctx ends, so the
	// interrupt must not reach it. The client's own budget bounds the call.
	if _, err := p.client.Code(context.WithoutCancel(ctx), req); err != nil {
		if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			return
		}
		p.failed.Add(1)
		p.mu.Lock()
		fmt.Fprintf(p.out, "%s%s:%d: scene %q: %v\n", p.clearLine(), p.file, l.line, l.scene, err)
		p.mu.Unlock()
		return
	}
	p.generated.Add(1)
}

func (p *pregen) clearLine() string {
	if p.tty {
		return "\r\033[K"
	}
	return ""
}

// progress draws a bar on a terminal, or writes a plain line every few
// seconds when the output is a file or pipe.
func (p *pregen) progress(stop <-chan struct{}) {
	every := 5 * time.Second
	if p.tty {
		every = 200 * time.Millisecond
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-stop:
			if p.tty {
				p.mu.Lock()
				fmt.Fprint(p.out, p.clearLine())
				p.mu.Unlock()
			}
			return
		case <-t.C:
		}
		done := p.generated.Load() + p.cached.Load() + p.failed.Load()
		p.mu.Lock()
		if p.tty {
			const width = 30
			filled := 0
			if p.total > 0 {
				filled = int(done) * width / p.total
			}
			fmt.Fprintf(p.out, "\r[%s%s] %d/%d  %d failed", strings.Repeat("#", filled), strings.Repeat(".", width-filled), done, p.total, p.failed.Load())
		} else {
			fmt.Fprintf(p.out, "pregen: %d/%d done (%d generated, %d cached, %d failed)\n", done, p.total, p.generated.Load(), p.cached.Load(), p.failed.Load())
		}
		p.mu.Unlock()
	}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
