package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/haibao/haibao/layouts"
	"github.com/haibao/haibao/poster"
)

// embeddedLabel names the layouts built into the binary.
const embeddedLabel = "(embedded)"

// layoutsFS opens the layouts folder: dir when given, else ./layouts when
// it exists, else the embedded samples. label is how problems name it.
func layoutsFS(dir string) (fsys fs.FS, label string, err error) {
	if dir != "" {
		st, err := os.Stat(dir)
		if err != nil {
			return nil, "", badUsage(fmt.Errorf("layouts folder: %w", err))
		}
		if !st.IsDir() {
			return nil, "", badUsage(fmt.Errorf("layouts folder %s is not a folder", dir))
		}
		return os.DirFS(dir), dir, nil
	}
	if st, err := os.Stat("layouts"); err == nil && st.IsDir() {
		return os.DirFS("layouts"), "layouts", nil
	}
	return layouts.FS, embeddedLabel, nil
}

// loadLayout finds a layout by name in the layouts folder, or by path when
// ref names a .yaml file.
func loadLayout(e *poster.Engine, ref, dir string) (*poster.Layout, string, error) {
	if strings.HasSuffix(ref, ".yaml") || strings.HasSuffix(ref, ".yml") || strings.ContainsRune(ref, os.PathSeparator) {
		if _, err := os.Stat(ref); err != nil {
			return nil, "", badUsage(fmt.Errorf("layout file: %w", err))
		}
		folder := filepath.Dir(ref)
		l, err := e.LoadLayout(os.DirFS(folder), filepath.Base(ref))
		return l, folder, err
	}
	fsys, label, err := layoutsFS(dir)
	if err != nil {
		return nil, "", err
	}
	for _, ext := range []string{".yaml", ".yml"} {
		if _, err := fs.Stat(fsys, ref+ext); err == nil {
			l, err := e.LoadLayout(fsys, ref+ext)
			return l, label, err
		}
	}
	return nil, "", badUsage(fmt.Errorf("no layout named %q in %s", ref, label))
}

// renderInputs builds the engine and loads the layout and data a render
// names; without a data file the layout's sample is used.
func renderInputs(sio stdio, ref, dir, dataFile string) (*poster.Engine, *poster.Layout, map[string]any, error) {
	engine, err := newEngine(sio)
	if err != nil {
		return nil, nil, nil, err
	}
	l, folder, err := loadLayout(engine, ref, dir)
	if err != nil {
		return nil, nil, nil, prefixProblems(err, folder)
	}
	if dataFile == "" {
		return engine, l, l.Sample, nil
	}
	values, err := readData(sio, dataFile)
	return engine, l, values, err
}

// prefixProblems makes problem file names relative to the working folder.
func prefixProblems(err error, folder string) error {
	var ve *poster.ValidationError
	if !errors.As(err, &ve) || folder == "" || folder == "." || strings.HasPrefix(folder, "(") {
		return err
	}
	out := &poster.ValidationError{Problems: make([]poster.Problem, len(ve.Problems))}
	for i, p := range ve.Problems {
		p.File = filepath.Join(folder, p.File)
		out.Problems[i] = p
	}
	return out
}

// readData reads a JSON object of request data from a file or "-" (stdin).
func readData(sio stdio, file string) (map[string]any, error) {
	if file == "" {
		return nil, nil
	}
	var r io.Reader
	if file == "-" {
		r = sio.in
	} else {
		f, err := os.Open(file)
		if err != nil {
			return nil, badUsage(fmt.Errorf("data: %w", err))
		}
		defer f.Close()
		r = f
	}
	const maxData = 16 << 20
	b, err := io.ReadAll(io.LimitReader(r, maxData+1))
	if err != nil {
		return nil, fmt.Errorf("data: %w", err)
	}
	if len(b) > maxData {
		return nil, fmt.Errorf("data: %s is larger than %d MB", file, maxData>>20)
	}
	return parseData(b, file)
}

// parseData decodes a JSON object, with line:col for syntax errors.
// Numbers stay as written: 12.50 is not printed as 12.5.
func parseData(b []byte, name string) (map[string]any, error) {
	var v any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	err := dec.Decode(&v)
	if err == nil && dec.More() {
		line, col := lineCol(b, int(dec.InputOffset()))
		return nil, fmt.Errorf("%s:%d:%d: not valid JSON: more after the object", name, line, col)
	}
	if err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			line, col := lineCol(b, int(se.Offset)-1)
			return nil, fmt.Errorf("%s:%d:%d: not valid JSON: %v", name, line, col, err)
		}
		return nil, fmt.Errorf("%s: not valid JSON: %v", name, err)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s: data must be a JSON object of fields, like {\"nickname\": \"…\"}", name)
	}
	return m, nil
}

func lineCol(b []byte, off int) (int, int) {
	off = min(off, len(b))
	line, col := 1, 1
	for _, c := range b[:off] {
		if c == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return line, col
}
