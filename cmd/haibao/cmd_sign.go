package main

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/haibao/haibao/poster"
	"github.com/haibao/haibao/signurl"
)

func runSign(ctx context.Context, sio stdio, args []string) int {
	fl := flag.NewFlagSet("sign", flag.ContinueOnError)
	fl.SetOutput(sio.err)
	cfg, cfgErr := readSignConfig(sio.getenv)
	layout := fl.String("layout", "", "layout name, as the service knows it")
	data := fl.String("data", "", "JSON data file, or - for stdin")
	ttl := fl.Duration("ttl", 24*time.Hour, "how long the URL works")
	pin := fl.Bool("pin", true, "pin the layout's current version: the URL keeps rendering this design after the layout changes (while the service keeps the version)")
	fl.StringVar(&cfg.PublicURL, "base", cfg.PublicURL, "service URL the link points at (HAIBAO_PUBLIC_URL)")
	fl.StringVar(&cfg.Layouts, "layouts", cfg.Layouts, "layouts folder the layout must be in (HAIBAO_LAYOUTS; default ./layouts when present, else the embedded samples)")
	format := fl.String("format", "png", "png, jpg or webp: the URL's extension")
	scale := fl.Float64("scale", 0, fmt.Sprintf("pixel ratio, up to %g (default: the layout's scale)", poster.MaxScale))
	quality := fl.Int("quality", 0, "JPEG/WebP quality, 1-100 (default: the service's)")
	fl.Usage = func() {
		fmt.Fprintln(sio.err, "usage: haibao sign --layout L --data FILE [--format png] [--scale F] [--quality Q] [--ttl 24h] [--base URL] [--layouts DIR]   (key: HAIBAO_SIGNING_KEYS)")
		fl.PrintDefaults()
	}
	if code, done := parseFlags(fl, args); done {
		return code
	}
	if *layout == "" || *data == "" {
		return usageError(sio, fl, "--layout and --data are required")
	}
	if strings.ContainsAny(*layout, `/\`) || strings.HasSuffix(*layout, ".yaml") || strings.HasSuffix(*layout, ".yml") {
		return usageError(sio, fl, "--layout must be a layout name, not a path")
	}
	if *ttl <= 0 {
		return usageError(sio, fl, "--ttl must be positive")
	}
	if _, ok := poster.FormatFromPath("x." + *format); !ok || strings.ToLower(*format) != *format {
		return usageError(sio, fl, "--format must be png, jpg, jpeg or webp")
	}
	if err := checkScale(fl, *scale); err != nil {
		return usageError(sio, fl, err.Error())
	}
	if isSet(fl, "quality") && (*quality < 1 || *quality > 100) {
		return usageError(sio, fl, "--quality must be from 1 to 100")
	}
	if cfgErr != nil {
		return fail(sio, cfgErr)
	}
	if err := cfg.Validate(); err != nil {
		return fail(sio, badUsage(err))
	}
	// A URL for a layout the service does not have would only ever 404.
	engine, err := poster.NewEngine(poster.Config{})
	if err != nil {
		return fail(sio, err)
	}
	l, folder, err := loadLayout(engine, *layout, cfg.Layouts)
	if err != nil {
		return fail(sio, prefixProblems(err, folder))
	}
	values, err := readData(sio, *data)
	if err != nil {
		return fail(sio, err)
	}
	// Binding checks the data fills the layout and the scale gives a
	// usable canvas, without fetching anything: a URL that could only
	// fail is not handed out.
	if _, err := engine.Bind(l, values, poster.RenderOptions{Scale: *scale}); err != nil {
		if msg := scaleProblem(err); msg != "" {
			return usageError(sio, fl, msg)
		}
		return fail(sio, err)
	}
	p := signurl.Poster{Layout: *layout, Ext: *format, Data: values, Scale: *scale, Quality: *quality, Expires: time.Now().Add(*ttl)}
	if *pin {
		p.Version = l.Version()
	}
	u, err := signurl.URL(cfg.PublicURL, cfg.Keys[0], p)
	if err != nil {
		return fail(sio, err)
	}
	fmt.Fprintln(sio.out, u)
	return exitOK
}
