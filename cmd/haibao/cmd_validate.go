package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/haibao/haibao/poster"
)

func runValidate(ctx context.Context, sio stdio, args []string) int {
	fl := flag.NewFlagSet("validate", flag.ContinueOnError)
	fl.SetOutput(sio.err)
	format := fl.String("format", "png", "output format the lint judges codes for: png, jpeg or webp")
	quality := fl.Int("quality", poster.DefaultQuality, "JPEG/WebP quality the lint judges codes for, 1-100")
	fl.Usage = func() {
		fmt.Fprintln(sio.err, "usage: haibao validate [--format png|jpeg|webp] [--quality 1-100] [PATH...]   (files or folders; default: the layouts folder)")
		fmt.Fprintln(sio.err, "Prints file:line:col: message for each problem, then lints each layout with its sample and stress data")
		fmt.Fprintln(sio.err, "(file:line:col: severity rule: message). Exits 1 if there are problems or lint errors.")
		fl.PrintDefaults()
	}
	if code, done := parseFlags(fl, args); done {
		return code
	}
	f, err := poster.ParseFormat(*format)
	if err != nil {
		return usageError(sio, fl, "--format: "+err.Error())
	}
	if *quality < 1 || *quality > 100 {
		return usageError(sio, fl, "--quality must be from 1 to 100")
	}
	engine, err := newEngine(sio)
	if err != nil {
		return fail(sio, err)
	}
	paths := fl.Args()
	var problems []poster.Problem
	var findings []string
	lintErrors := 0
	count := 0
	check := func(l *poster.Layout, folder string) {
		count++
		// Lint renders the sample first, which proves it fills every
		// field the layout reads, then the stress data; a failed render
		// names its case ("sample data: …").
		fs, err := engine.LintLayout(ctx, l, poster.LintOptions{Format: f, Quality: *quality})
		if err != nil {
			line, col := l.Position(elementOf(err))
			problems = append(problems, poster.Problem{File: join(folder, l.File), Line: line, Col: col, Message: err.Error()})
			return
		}
		for _, fd := range fs {
			if fd.Severity == poster.SeverityError {
				lintErrors++
			}
			findings = append(findings, fmt.Sprintf("%s:%d:%d: %s %s: %s (%s data)", join(folder, l.File), fd.Line, fd.Col, fd.Severity, fd.Rule, fd.Message, fd.Case))
		}
	}
	collect := func(err error, folder string) bool {
		var ve *poster.ValidationError
		if errors.As(err, &ve) {
			for _, p := range ve.Problems {
				p.File = join(folder, p.File)
				problems = append(problems, p)
			}
			return true
		}
		return err == nil
	}
	if len(paths) == 0 {
		fsys, label, err := layoutsFS("")
		if err != nil {
			return fail(sio, err)
		}
		ls, err := engine.LoadDir(fsys)
		if !collect(err, label) {
			return fail(sio, err)
		}
		for _, l := range ls {
			check(l, label)
		}
	}
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return fail(sio, badUsage(err))
		}
		if st.IsDir() {
			ls, err := engine.LoadDir(os.DirFS(p))
			if !collect(err, p) {
				return fail(sio, err)
			}
			for _, l := range ls {
				check(l, p)
			}
			continue
		}
		folder := filepath.Dir(p)
		l, err := engine.LoadLayout(os.DirFS(folder), filepath.Base(p))
		if !collect(err, folder) {
			return fail(sio, err)
		}
		if l != nil {
			check(l, folder)
		}
	}
	for _, p := range problems {
		fmt.Fprintln(sio.out, p.String())
	}
	for _, fd := range findings {
		fmt.Fprintln(sio.out, fd)
	}
	if len(problems) > 0 || lintErrors > 0 {
		fmt.Fprintf(sio.err, "%d problem(s), %d lint error(s), %d finding(s) in all\n", len(problems), lintErrors, len(findings))
		return exitFailure
	}
	fmt.Fprintf(sio.err, "%d layout(s) ok, %d lint finding(s) below error\n", count, len(findings))
	return exitOK
}

func join(folder, file string) string {
	if folder == "" || folder == "." || folder[0] == '(' {
		return file
	}
	return filepath.Join(folder, file)
}

// elementOf names the element a render error is about, if any.
func elementOf(err error) string {
	var de *poster.DataError
	if errors.As(err, &de) {
		return de.Element
	}
	var ce *poster.CodeError
	if errors.As(err, &ce) {
		return ce.Element
	}
	return ""
}
