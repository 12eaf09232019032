package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"image/color"
	"io"
	"log/slog"

	"github.com/haibao/haibao/internal/atomicfile"
	"github.com/haibao/haibao/poster"
	"github.com/haibao/haibao/wxa"
)

func runCode(ctx context.Context, sio stdio, args []string) int {
	fl := flag.NewFlagSet("code", flag.ContinueOnError)
	fl.SetOutput(sio.err)
	page := fl.String("page", "", "page of the mini program, without a leading / (getUnlimited)")
	scene := fl.String("scene", "", "scene, up to 32 characters (getUnlimited)")
	path := fl.String("path", "", "page with query, for the limited get API instead of page+scene")
	width := fl.Int("width", wxa.DefaultWidth, "width in pixels, 280-1280")
	env := fl.String("env-version", "release", "release, trial or develop")
	lineColor := fl.String("line-color", "", "line colour as #RRGGBB (default: black)")
	hyaline := fl.Bool("hyaline", false, "transparent background (PNG)")
	out := fl.String("out", "", "output file (default: stdout); .png or .jpg converts if needed")
	app := fl.String("app", "", "mini program, by its name in HAIBAO_WECHAT_APPS (default: the default app)")
	fl.Usage = func() {
		fmt.Fprintln(sio.err, "usage: haibao code --page P --scene S [--width 430] [--env-version release] [--app NAME] [--out code.png]")
		fl.PrintDefaults()
	}
	if code, done := parseFlags(fl, args); done {
		return code
	}
	req := wxa.CodeRequest{Page: *page, Scene: *scene, Width: *width, EnvVersion: wxa.EnvVersion(*env), Transparent: *hyaline}
	if *path != "" {
		req.API, req.Path = wxa.APIGet, *path
	}
	if *lineColor != "" {
		c, err := poster.ParseColor(*lineColor)
		if err != nil {
			return usageError(sio, fl, "--line-color: "+err.Error())
		}
		req.LineColor = color.RGBA{R: c.R, G: c.G, B: c.B, A: 255}
	}
	if err := req.Validate(); err != nil {
		return usageError(sio, fl, flagProblem(err))
	}
	format := ""
	if *out != "" && *out != "-" {
		f, ok := poster.FormatFromPath(*out)
		if !ok || f == poster.WebP {
			return usageError(sio, fl, "--out must end in .png or .jpg")
		}
		format = f.String()
	}
	// Settings are checked after the flags, so a typo in a flag is reported
	// as such whatever the environment.
	apps, ok, err := wechatApps(sio, slog.New(slog.NewTextHandler(sio.err, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err != nil {
		return fail(sio, err)
	}
	if !ok {
		return fail(sio, badUsage(errNoCredentials))
	}
	if err := pickApp(apps, *app); err != nil {
		return usageError(sio, fl, err.Error())
	}
	code, err := apps.Code(ctx, *app, req)
	if err != nil {
		return fail(sio, err)
	}
	data := code.Data
	if format != "" && format != code.Format {
		img, err := code.Image()
		if err != nil {
			return fail(sio, err)
		}
		f, _ := poster.ParseFormat(format)
		var buf bytes.Buffer
		if err := poster.EncodeImage(&buf, img, poster.EncodeOptions{Format: f, Quality: 95}); err != nil {
			return fail(sio, err)
		}
		data = buf.Bytes()
	}
	if *out == "" || *out == "-" {
		if _, err := sio.out.Write(data); err != nil {
			return fail(sio, err)
		}
		return exitOK
	}
	if err := atomicfile.Write(*out, 0o644, func(w io.Writer) error { _, err := w.Write(data); return err }); err != nil {
		return fail(sio, err)
	}
	from := "WeChat"
	if code.Cached {
		from = "the cache"
	}
	fmt.Fprintf(sio.err, "wrote %s (%d bytes, from %s)\n", *out, len(data), from)
	return exitOK
}

// flagProblem says which flag a wxa request error is about and why.
func flagProblem(err error) string {
	var re *wxa.RequestError
	if !errors.As(err, &re) {
		return err.Error()
	}
	name := re.Field
	if name == "env_version" {
		name = "env-version"
	}
	return "--" + name + ": " + re.Reason
}
