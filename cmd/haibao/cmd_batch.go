package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/haibao/haibao/batch"
	"github.com/haibao/haibao/internal/atomicfile"
	"github.com/haibao/haibao/internal/wxcode"
	"github.com/haibao/haibao/poster"
	"github.com/haibao/haibao/rows"
	"github.com/haibao/haibao/storage"
	"github.com/haibao/haibao/wxa"
)

// maxPrintedFailures is how many failed rows are printed as they happen;
// the errors file has them all.
const maxPrintedFailures = 20

func runBatch(ctx context.Context, sio stdio, args []string) int {
	fl := flag.NewFlagSet("batch", flag.ContinueOnError)
	fl.SetOutput(sio.err)
	layout := fl.String("layout", "", "layout name (in --layouts) or path to a .yaml file")
	dir := fl.String("layouts", "", "layouts folder (default: ./layouts when present, else the embedded samples)")
	dataFile := fl.String("data", "", "rows: a .csv, .jsonl or .xlsx file")
	scfg := readStorageConfig(sio.getenv)
	out := fl.String("out", scfg.URL, "a folder, or s3://bucket/prefix?endpoint=…&region=… (HAIBAO_STORAGE_URL)")
	name := fl.String("name", "", `object name from each row, e.g. "{{uid}}.jpg" (default: posters/<layout>/<version>/<sha256>.<ext>)`)
	format := fl.String("format", "", "png, jpeg or webp (default: from --name's extension, else jpeg)")
	quality := fl.Int("quality", poster.DefaultQuality, "JPEG/WebP quality, 1-100")
	scale := fl.Float64("scale", 0, "pixel ratio (default: the layout's scale)")
	concurrency := fl.Int("concurrency", 0, "rows in flight (default 4 × CPUs)")
	encoding := fl.String("encoding", "auto", "CSV encoding: auto, utf-8 or gbk")
	sheet := fl.String("sheet", "", "XLSX sheet (default: the first)")
	manifest := fl.String("manifest", "", "manifest file (default: manifest.jsonl in --out when it is a folder, else in the working folder)")
	errorsFile := fl.String("errors", "", "errors file (default: errors.csv beside the manifest)")
	rate := fl.String("rate", "", "new WeChat codes allowed, e.g. 4500/m (default HAIBAO_WECHAT_RATE or 5000/m); paces the run and its ETA")
	app := fl.String("app", "", "mini program of the codes, by its name in HAIBAO_WECHAT_APPS, for a layout that names none (default: the default app)")
	fl.Usage = func() {
		fmt.Fprintln(sio.err, `usage: haibao batch --layout L --data rows.csv|rows.jsonl|rows.xlsx [--out DIR | --out s3://bucket/prefix] [--name "{{uid}}.jpg"] [--format jpeg] [--concurrency N] [--encoding gbk]`)
		fl.PrintDefaults()
	}
	if code, done := parseFlags(fl, args); done {
		return code
	}
	switch {
	case *layout == "":
		return usageError(sio, fl, "--layout is required")
	case *dataFile == "":
		return usageError(sio, fl, "--data is required")
	case *out == "":
		return usageError(sio, fl, "--out is required (or set HAIBAO_STORAGE_URL)")
	case *quality < 1 || *quality > 100:
		return usageError(sio, fl, "--quality must be from 1 to 100")
	case *scale < 0 || *scale > poster.MaxScale:
		return usageError(sio, fl, fmt.Sprintf("--scale must be greater than 0 and at most %g", poster.MaxScale))
	case *concurrency < 0 || *concurrency > batch.MaxConcurrency:
		return usageError(sio, fl, fmt.Sprintf("--concurrency must be from 1 to %d", batch.MaxConcurrency))
	}
	dataFormat, ok := rows.FormatFromPath(*dataFile)
	if !ok {
		return usageError(sio, fl, "--data must be a .csv, .jsonl or .xlsx file")
	}
	enc, err := rows.ParseEncoding(*encoding)
	if err != nil {
		return usageError(sio, fl, "--encoding: "+err.Error())
	}
	cfg := batch.Config{Quality: *quality, Scale: *scale, Concurrency: *concurrency, Format: poster.JPEG, App: *app}
	if *name != "" {
		if cfg.Name, err = batch.ParseName(*name); err != nil {
			return usageError(sio, fl, "--name: "+err.Error())
		}
		if f, ok := poster.FormatFromPath(*name); ok {
			cfg.Format = f
		}
	}
	if *format != "" {
		if cfg.Format, err = poster.ParseFormat(*format); err != nil {
			return usageError(sio, fl, "--format: "+err.Error())
		}
	}
	settings, err := readWechatConfig(sio.getenv)
	if err != nil {
		return fail(sio, err)
	}
	if *rate != "" {
		if settings.Rate, err = parseRate(*rate); err != nil {
			return usageError(sio, fl, "--rate: "+err.Error())
		}
		settings.RateSet = true
	}
	scfg.URL = *out
	if err := scfg.Validate(); err != nil {
		return usageError(sio, fl, "--out: "+err.Error())
	}
	isS3 := strings.HasPrefix(*out, "s3://")
	if *manifest == "" {
		*manifest = "manifest.jsonl"
		if !isS3 {
			*manifest = filepath.Join(strings.TrimPrefix(*out, "file://"), "manifest.jsonl")
		}
	}
	if *errorsFile == "" {
		*errorsFile = filepath.Join(filepath.Dir(*manifest), "errors.csv")
	}

	// Batch work draws from the bulk budget in cluster mode, so live
	// requests keep theirs.
	ctx = wxa.WithClass(ctx, wxa.ClassBulk)
	engine, meter, apps, closeCodes, err := batchEngine(ctx, sio, settings)
	if err != nil {
		return fail(sio, err)
	}
	defer closeCodes()
	if apps != nil {
		if err := pickApp(apps, *app); err != nil {
			return usageError(sio, fl, err.Error())
		}
	}
	l, folder, err := loadLayout(engine, *layout, *dir)
	if err != nil {
		return fail(sio, prefixProblems(err, folder))
	}
	if *app != "" && l.App != "" && l.App != *app {
		return usageError(sio, fl, fmt.Sprintf("--app %s: layout %s makes codes for app %s", *app, l.Name, l.App))
	}
	cfg.Layout = l
	store, err := storage.Open(scfg)
	if err != nil {
		return fail(sio, err)
	}
	ropts := rows.Options{Encoding: enc, Sheet: *sheet}
	src, err := rows.Open(*dataFile, dataFormat, ropts)
	if err != nil {
		return fail(sio, fmt.Errorf("data %s: %w", *dataFile, err))
	}
	defer src.Close()
	if err := batch.CheckColumns(cfg, src.Columns()); err != nil {
		return fail(sio, fmt.Errorf("data %s: %w", *dataFile, err))
	}

	stats := &batch.Stats{}
	prog := &batch.Progress{Out: sio.err, TTY: isTerminal(sio.err), Stats: stats, Codes: meter}
	if meter != nil {
		prog.CodeRate = settings.Rate
	}
	go func() {
		// A second pass counts the rows for the bar's total and the ETA.
		if n, err := rows.Count(*dataFile, dataFormat, ropts); err == nil {
			stats.Total.Store(int64(n))
		}
	}()
	printed := 0
	outs := batch.Outputs{OnResult: func(r batch.Result) {
		if r.Status != batch.Failed {
			return
		}
		printed++
		switch {
		case printed <= maxPrintedFailures:
			for _, p := range r.Problems {
				if p.Field != "" {
					prog.Printf("%s: row %d: field %s: %s\n", *dataFile, r.Row, p.Field, p.Message)
				} else {
					prog.Printf("%s: row %d: %s\n", *dataFile, r.Row, p.Message)
				}
			}
		case printed == maxPrintedFailures+1:
			prog.Printf("%s: more failed rows: see %s\n", *dataFile, *errorsFile)
		}
	}}

	start := time.Now()
	prog.Start()
	var sum batch.Summary
	var runErr error
	errNoFailures := errors.New("no failures")
	werr := atomicfile.Write(*manifest, 0o644, func(mw io.Writer) error {
		err := atomicfile.Write(*errorsFile, 0o644, func(ew io.Writer) error {
			outs.Manifest, outs.Errors = mw, ew
			sum, runErr = batch.Run(ctx, engine, src, store, cfg, outs, stats)
			if sum.Failed == 0 {
				return errNoFailures // leave no empty errors file
			}
			return nil
		})
		if errors.Is(err, errNoFailures) {
			os.Remove(*errorsFile) // a previous run's errors are fixed now
			return nil
		}
		return err
	})
	prog.Stop()
	elapsed := time.Since(start)
	fmt.Fprintf(sio.err, "batch: %d rows: %d stored, %d already stored, %d failed, %d not done (%s, %.1f rows/s); manifest %s\n",
		sum.Rows, sum.Stored, sum.Existing, sum.Failed, sum.Cancelled, elapsed.Round(time.Millisecond),
		float64(sum.Rows-sum.Cancelled)/max(elapsed.Seconds(), 1e-9), *manifest)
	if werr != nil {
		return fail(sio, fmt.Errorf("write manifest: %w", werr))
	}
	if sum.Failed > 0 {
		fmt.Fprintf(sio.err, "batch: %d rows failed: see %s\n", sum.Failed, *errorsFile)
	}
	if runErr != nil {
		if ctx.Err() != nil {
			return fail(sio, errors.New("interrupted; run the same command again to resume (posters already stored are skipped)"))
		}
		return fail(sio, runErr)
	}
	if sum.Failed > 0 {
		return exitFailure
	}
	return exitOK
}

// batchEngine builds the engine as newEngine does, with WeChat codes
// counted by a meter (nil without credentials: QR codes cost no budget,
// and apps is nil too).
func batchEngine(ctx context.Context, sio stdio, s wechatConfig) (*poster.Engine, *batch.CodeMeter, *wxa.Apps, func(), error) {
	if !s.Configured() {
		e, err := poster.NewEngine(poster.Config{})
		return e, nil, nil, func() {}, err
	}
	apps, store, err := s.services(ctx, slog.New(slog.NewTextHandler(sio.err, &slog.HandlerOptions{Level: slog.LevelWarn})), nil, nil)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	meter := batch.NewCodeMeter(wxcode.Source{Apps: apps}, codeProbe{apps})
	e, err := poster.NewEngine(poster.Config{Codes: meter, Apps: apps.Names()})
	return e, meter, apps, func() { closeStore(store) }, err
}

// codeProbe asks the cache of the request's app whether a code is there.
type codeProbe struct{ apps *wxa.Apps }

func (p codeProbe) Cached(ctx context.Context, req poster.CodeRequest) (bool, error) {
	c, err := p.apps.Client(req.App)
	if err != nil {
		return false, err
	}
	return c.Cached(ctx, wxcode.Request(req))
}
