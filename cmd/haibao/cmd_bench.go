package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"runtime"
	"sort"
	"time"

	"github.com/haibao/haibao/poster"
)

// benchResult is the one JSON line haibao bench prints.
type benchResult struct {
	Layout       string  `json:"layout"`
	Format       string  `json:"format"`
	Quality      int     `json:"quality"`
	Scale        float64 `json:"scale"`
	N            int     `json:"n"`
	Procs        int     `json:"procs"`
	Width        int     `json:"width"`
	Height       int     `json:"height"`
	MedianMS     float64 `json:"median_ms"`
	P95MS        float64 `json:"p95_ms"`
	MinMS        float64 `json:"min_ms"`
	RenderMS     float64 `json:"render_median_ms"`
	EncodeMS     float64 `json:"encode_median_ms"`
	Bytes        int     `json:"bytes"`
	AllocMBPerOp float64 `json:"alloc_mb_per_op"`
	AllocsPerOp  float64 `json:"allocs_per_op"`

	Subsampling string    `json:"subsampling,omitempty"`
	Effort      *int      `json:"effort,omitempty"`
	Lossless    bool      `json:"lossless,omitempty"`
	Optimize    bool      `json:"optimize,omitempty"`
	Build       buildInfo `json:"build"`
}

func runBench(ctx context.Context, sio stdio, args []string) int {
	fl := flag.NewFlagSet("bench", flag.ContinueOnError)
	fl.SetOutput(sio.err)
	layout := fl.String("layout", "", "layout name (in --layouts) or path to a .yaml file")
	n := fl.Int("n", 50, "measured renders, after a warm-up")
	format := fl.String("format", "jpeg", "png, jpeg or webp")
	quality := fl.Int("quality", poster.DefaultQuality, "JPEG/WebP quality, 1-100")
	data := fl.String("data", "", "JSON data file (default: the layout's sample data)")
	scale := fl.Float64("scale", 0, "pixel ratio (default: the layout's scale)")
	procs := fl.Int("procs", 1, "GOMAXPROCS while measuring (1 measures one core)")
	dir := fl.String("layouts", "", "layouts folder (default: ./layouts when present, else the embedded samples)")
	enc := addEncodeFlags(fl)
	fl.Usage = func() {
		fmt.Fprintln(sio.err, "usage: haibao bench --layout NAME [--n 50] [--format jpeg] [--data FILE]")
		fl.PrintDefaults()
	}
	if code, done := parseFlags(fl, args); done {
		return code
	}
	if *layout == "" {
		return usageError(sio, fl, "--layout is required")
	}
	if *n < 1 || *n > 100000 {
		return usageError(sio, fl, "--n must be from 1 to 100000")
	}
	if *procs < 1 {
		return usageError(sio, fl, "--procs must be at least 1")
	}
	f, err := poster.ParseFormat(*format)
	if err != nil {
		return usageError(sio, fl, "--format: "+err.Error())
	}
	if *quality < 1 || *quality > 100 {
		return usageError(sio, fl, "--quality must be from 1 to 100")
	}
	if err := checkScale(fl, *scale); err != nil {
		return usageError(sio, fl, err.Error())
	}
	opt, err := enc.options(f, *quality)
	if err != nil {
		return usageError(sio, fl, err.Error())
	}
	engine, l, values, err := renderInputs(sio, *layout, *dir, *data)
	if err != nil {
		return fail(sio, err)
	}
	prev := runtime.GOMAXPROCS(*procs)
	defer runtime.GOMAXPROCS(prev)

	var buf bytes.Buffer
	var w, h int
	once := func() (total, render, encode time.Duration, err error) {
		start := time.Now()
		res, err := engine.Render(ctx, l, values, poster.RenderOptions{Scale: *scale})
		if err != nil {
			return 0, 0, 0, err
		}
		mid := time.Now()
		buf.Reset()
		err = res.Encode(&buf, opt)
		end := time.Now()
		w, h = res.Image.Bounds().Dx(), res.Image.Bounds().Dy()
		res.Release()
		return end.Sub(start), mid.Sub(start), end.Sub(mid), err
	}
	for range 3 {
		if _, _, _, err := once(); err != nil {
			if msg := scaleProblem(err); msg != "" {
				return usageError(sio, fl, msg)
			}
			return fail(sio, err)
		}
	}
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	totals := make([]float64, *n)
	renders := make([]float64, *n)
	encodes := make([]float64, *n)
	for i := range *n {
		t, r, e, err := once()
		if err != nil {
			return fail(sio, err)
		}
		totals[i], renders[i], encodes[i] = ms(t), ms(r), ms(e)
	}
	runtime.ReadMemStats(&after)
	sort.Float64s(totals)
	sort.Float64s(renders)
	sort.Float64s(encodes)
	out := benchResult{
		Layout: l.Name, Format: f.String(), Quality: *quality, Scale: *scale, N: *n, Procs: *procs,
		Width: w, Height: h,
		MedianMS:     round2(percentile(totals, 0.5)),
		P95MS:        round2(percentile(totals, 0.95)),
		MinMS:        round2(totals[0]),
		RenderMS:     round2(percentile(renders, 0.5)),
		EncodeMS:     round2(percentile(encodes, 0.5)),
		Bytes:        buf.Len(),
		AllocMBPerOp: round2(float64(after.TotalAlloc-before.TotalAlloc) / float64(*n) / (1 << 20)),
		AllocsPerOp:  float64((after.Mallocs - before.Mallocs) / uint64(*n)),
		Build:        readBuildInfo(),
	}
	switch f {
	case poster.JPEG:
		out.Subsampling, out.Optimize = opt.Subsampling.String(), opt.Optimize
	case poster.WebP:
		out.Effort, out.Lossless = opt.Effort, opt.Lossless
	}
	if out.Scale == 0 {
		out.Scale = l.Scale
	}
	b, _ := json.Marshal(out)
	fmt.Fprintln(sio.out, string(b))
	return exitOK
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func round2(v float64) float64 { return float64(int64(v*100+0.5)) / 100 }

// percentile reads the p-th quantile of sorted values (nearest rank).
func percentile(sorted []float64, p float64) float64 {
	i := int(float64(len(sorted))*p+0.5) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}
