package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"strings"

	"github.com/haibao/haibao/internal/atomicfile"
	"github.com/haibao/haibao/internal/wxcode"
	"github.com/haibao/haibao/poster"
	"github.com/haibao/haibao/wxa"
)

func runRender(ctx context.Context, sio stdio, args []string) int {
	fl := flag.NewFlagSet("render", flag.ContinueOnError)
	fl.SetOutput(sio.err)
	layout := fl.String("layout", "", "layout name (in --layouts) or path to a .yaml file")
	data := fl.String("data", "", "JSON data file, or - for stdin (default: the layout's sample data)")
	out := fl.String("out", "", "output file (default: stdout)")
	format := fl.String("format", "", "png, jpeg or webp (default: from --out's extension, else png)")
	quality := fl.Int("quality", poster.DefaultQuality, "JPEG/WebP quality, 1-100")
	scale := fl.Float64("scale", 0, "pixel ratio (default: the layout's scale)")
	dir := fl.String("layouts", "", "layouts folder (default: ./layouts when present, else the embedded samples)")
	app := fl.String("app", "", "mini program of the codes, by its name in HAIBAO_WECHAT_APPS, for a layout that names none (default: the default app)")
	enc := addEncodeFlags(fl)
	fl.Usage = func() {
		fmt.Fprintln(sio.err, "usage: haibao render --layout NAME|PATH [--data FILE.json|-] [--out FILE] [--format png|jpeg|webp] [--quality 1-100] [--scale F] [--layouts DIR] [--app NAME]")
		fl.PrintDefaults()
	}
	if code, done := parseFlags(fl, args); done {
		return code
	}
	if *layout == "" {
		return usageError(sio, fl, "--layout is required")
	}
	if *quality < 1 || *quality > 100 {
		return usageError(sio, fl, "--quality must be from 1 to 100")
	}
	if err := checkScale(fl, *scale); err != nil {
		return usageError(sio, fl, err.Error())
	}
	f := poster.PNG
	switch {
	case *format != "":
		var err error
		if f, err = poster.ParseFormat(*format); err != nil {
			return usageError(sio, fl, "--format: "+err.Error())
		}
	case *out != "" && *out != "-":
		var ok bool
		if f, ok = poster.FormatFromPath(*out); !ok {
			return usageError(sio, fl, "cannot tell the format from --out "+*out+"; add --format")
		}
	}

	opt, err := enc.options(f, *quality)
	if err != nil {
		return usageError(sio, fl, err.Error())
	}
	engine, l, values, err := renderInputs(sio, *layout, *dir, *data)
	if err != nil {
		return fail(sio, err)
	}
	res, err := engine.Render(ctx, l, values, poster.RenderOptions{Scale: *scale, App: *app})
	if msg := scaleProblem(err); msg != "" {
		return usageError(sio, fl, msg)
	}
	if errors.Is(err, wxa.ErrUnknownApp) || errors.Is(err, poster.ErrAppMismatch) {
		return usageError(sio, fl, "--app: "+appProblem(err))
	}
	if err != nil {
		return fail(sio, err)
	}
	defer res.Release()
	encode := func(w io.Writer) error { return res.Encode(w, opt) }
	if *out == "" || *out == "-" {
		// Encode fully before writing, so a failure leaves stdout empty.
		var buf bytes.Buffer
		if err := encode(&buf); err != nil {
			return fail(sio, err)
		}
		if _, err := sio.out.Write(buf.Bytes()); err != nil {
			return fail(sio, err)
		}
		return exitOK
	}
	if err := atomicfile.Write(*out, 0o644, encode); err != nil {
		return fail(sio, fmt.Errorf("write %s: %w", *out, err))
	}
	fmt.Fprintf(sio.err, "wrote %s (%d×%d, %s)\n", *out, res.Image.Bounds().Dx(), res.Image.Bounds().Dy(), f)
	return exitOK
}

// parseFlags parses args; done is true when the caller should return code
// (help was asked for, or the flags were bad).
func parseFlags(fl *flag.FlagSet, args []string) (code int, done bool) {
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK, true
		}
		return exitUsage, true
	}
	if fl.NArg() > 0 && fl.Name() != "validate" {
		fmt.Fprintf(fl.Output(), "haibao %s: unexpected argument %q\n", fl.Name(), fl.Arg(0))
		return exitUsage, true
	}
	return 0, false
}

func usageError(sio stdio, fl *flag.FlagSet, msg string) int {
	fmt.Fprintf(sio.err, "haibao %s: %s\n", fl.Name(), msg)
	return exitUsage
}

// isSet reports whether the flag name was given on the command line.
func isSet(fl *flag.FlagSet, name string) bool {
	set := false
	fl.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// checkScale checks --scale when it was given; without it the layout's
// own scale applies.
func checkScale(fl *flag.FlagSet, scale float64) error {
	if !isSet(fl, "scale") {
		return nil
	}
	if math.IsNaN(scale) || math.IsInf(scale, 0) || scale <= 0 || scale > poster.MaxScale {
		return fmt.Errorf("--scale must be a number greater than 0 and at most %g, got %g", poster.MaxScale, scale)
	}
	return nil
}

// scaleProblem says why the engine refused --scale (one that leaves less
// than a pixel of canvas), or "" for any other error.
func scaleProblem(err error) string {
	if !errors.Is(err, poster.ErrInvalidScale) {
		return ""
	}
	return "--scale: " + strings.TrimPrefix(err.Error(), "poster: ")
}

func fail(sio stdio, err error) int {
	var ve *poster.ValidationError
	if errors.As(err, &ve) {
		for _, p := range ve.Problems {
			fmt.Fprintln(sio.err, p.String())
		}
		return exitFailure
	}
	fmt.Fprintf(sio.err, "haibao: %v\n", err)
	if isUsage(err) {
		return exitUsage
	}
	return exitFailure
}

// newEngine builds the poster engine the CLI renders with: codes come from
// WeChat when credentials are set, else they are plain QR codes.
func newEngine(sio stdio) (*poster.Engine, error) {
	apps, ok, err := wechatApps(sio, slog.New(slog.NewTextHandler(sio.err, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err != nil {
		return nil, err
	}
	cfg := poster.Config{}
	if ok {
		// Layouts must then name configured apps.
		cfg.Codes, cfg.Apps = wxcode.Source{Apps: apps}, apps.Names()
	}
	return poster.NewEngine(cfg)
}
