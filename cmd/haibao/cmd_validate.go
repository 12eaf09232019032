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
	fl.Usage = func() {
		fmt.Fprintln(sio.err, "usage: haibao validate [PATH...]   (files or folders; default: the layouts folder)")
		fmt.Fprintln(sio.err, "Prints file:line:col: message for each problem and exits 1 if there are any.")
	}
	if code, done := parseFlags(fl, args); done {
		return code
	}
	engine, err := newEngine(sio)
	if err != nil {
		return fail(sio, err)
	}
	paths := fl.Args()
	var problems []poster.Problem
	count := 0
	check := func(l *poster.Layout, folder string) {
		count++
		// Rendering the sample proves it fills every field the layout reads.
		res, err := engine.Render(ctx, l, l.Sample, poster.RenderOptions{})
		if err != nil {
			line, col := l.Position(elementOf(err))
			problems = append(problems, poster.Problem{File: join(folder, l.File), Line: line, Col: col, Message: "sample data: " + err.Error()})
			return
		}
		res.Release()
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
	if len(problems) > 0 {
		fmt.Fprintf(sio.err, "%d problem(s)\n", len(problems))
		return exitFailure
	}
	fmt.Fprintf(sio.err, "%d layout(s) ok\n", count)
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
