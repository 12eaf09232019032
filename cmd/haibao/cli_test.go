package main

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	_ "image/jpeg"
	_ "image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "golang.org/x/image/webp"
)

// runCLI runs haibao in-process with args and returns exit code, stdout and
// stderr.
func runCLI(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	return runCLIEnv(t, context.Background(), nil, stdin, args...)
}

// runCLIEnv runs haibao in-process with the given environment and context.
func runCLIEnv(t *testing.T, ctx context.Context, env map[string]string, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(ctx, stdio{in: strings.NewReader(stdin), out: &out, err: &errb, getenv: func(k string) string { return env[k] }}, args)
	return code, out.String(), errb.String()
}

func TestHelpListsCommands(t *testing.T) {
	code, out, _ := runCLI(t, "", "help")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, c := range []string{"render", "validate", "bench", "serve", "sign", "preview", "code", "pregen", "fake-wechat"} {
		if !strings.Contains(out, "  "+c+" ") {
			t.Errorf("help does not list %q", c)
		}
	}
	if code, _, errs := runCLI(t, "", "paint"); code != exitUsage || !strings.Contains(errs, `unknown command "paint"`) {
		t.Errorf("unknown command: exit %d, %q", code, errs)
	}
}

func decodeFile(t *testing.T, path string) (image.Image, string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, format, err := image.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return img, format
}

func TestRenderFormats(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		args   []string
		file   string
		format string
	}{
		{[]string{"--out", "p.png"}, "p.png", "png"},
		{[]string{"--out", "p.jpg", "--quality", "80"}, "p.jpg", "jpeg"},
		{[]string{"--out", "p.webp"}, "p.webp", "webp"},
		{[]string{"--out", "p.bin", "--format", "jpeg"}, "p.bin", "jpeg"},
	} {
		args := append([]string{"render", "--layout", "product", "--layouts", "../../layouts"}, tc.args...)
		for i, a := range args {
			if a == tc.file {
				args[i] = filepath.Join(dir, a)
			}
		}
		code, _, errs := runCLI(t, "", args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", tc.args, code, errs)
		}
		img, format := decodeFile(t, filepath.Join(dir, tc.file))
		if format != tc.format || img.Bounds().Dx() != 750 {
			t.Errorf("%v: got %s %v", tc.args, format, img.Bounds())
		}
	}
	// --scale 2 draws at twice the size.
	out := filepath.Join(dir, "x2.png")
	if code, _, errs := runCLI(t, "", "render", "--layout", "../../layouts/certificate.yaml", "--scale", "2", "--out", out); code != 0 {
		t.Fatalf("scale 2: %s", errs)
	}
	if img, _ := decodeFile(t, out); img.Bounds().Dx() != 1500 {
		t.Errorf("scale 2 width = %d", img.Bounds().Dx())
	}
}

func TestRenderDataFromStdin(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "c.png")
	data := `{"name": "李雷", "achievement": "坚持跑步 30 天", "body": "短短的正文。", "date": "2026年1月1日", "page": "pages/a", "scene": "u=1"}`
	code, _, errs := runCLI(t, data, "render", "--layout", "certificate", "--layouts", "../../layouts", "--data", "-", "--out", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if _, err := os.Stat(out); err != nil {
		t.Fatal(err)
	}
}

func TestRenderBadInput(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte("{\n  \"name\": \"x\",\n  oops\n}"), 0o644)
	arr := filepath.Join(dir, "arr.json")
	os.WriteFile(arr, []byte(`["x"]`), 0o644)
	missing := filepath.Join(dir, "missing.json")
	os.WriteFile(missing, []byte(`{"name": "x"}`), 0o644)
	out := filepath.Join(dir, "out.png")
	tests := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"no layout", []string{"render"}, exitUsage, "--layout is required"},
		{"bad format", []string{"render", "--layout", "product", "--format", "gif"}, exitUsage, `unknown format "gif"`},
		{"unknown ext", []string{"render", "--layout", "product", "--out", filepath.Join(dir, "x.tiff")}, exitUsage, "cannot tell the format"},
		{"quality", []string{"render", "--layout", "product", "--quality", "0"}, exitUsage, "--quality must be from 1 to 100"},
		{"scale", []string{"render", "--layout", "product", "--scale", "10"}, exitUsage, "--scale must be"},
		{"bad flag", []string{"render", "--colour", "red"}, exitUsage, "flag provided but not defined"},
		{"unknown layout", []string{"render", "--layout", "nope", "--layouts", "../../layouts"}, exitUsage, `no layout named "nope"`},
		{"path as name", []string{"render", "--layout", "../secret", "--layouts", "../../layouts"}, exitUsage, "layout file"},
		{"json syntax", []string{"render", "--layout", "certificate", "--layouts", "../../layouts", "--data", bad, "--out", out}, exitFailure, bad + ":3:3: not valid JSON"},
		{"json array", []string{"render", "--layout", "certificate", "--layouts", "../../layouts", "--data", arr, "--out", out}, exitFailure, "data must be a JSON object"},
		{"missing field", []string{"render", "--layout", "certificate", "--layouts", "../../layouts", "--data", missing, "--out", out}, exitFailure, `field "achievement": missing from the data`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errs := runCLI(t, "", tt.args...)
			if code != tt.code || !strings.Contains(errs, tt.msg) {
				t.Errorf("exit %d, stderr %q; want exit %d containing %q", code, errs, tt.code, tt.msg)
			}
		})
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a failed render left %s behind", out)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 3 {
		t.Errorf("temporary files left behind: %d entries", len(ents))
	}
}

func TestValidate(t *testing.T) {
	if code, _, errs := runCLI(t, "", "validate", "../../layouts"); code != 0 {
		t.Fatalf("samples: exit %d: %s", code, errs)
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.yaml"), []byte("canvas: {width: 100, height: 100}\nelements:\n  - {type: text, text: hi, colr: \"#000\"}\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "b.yaml"), []byte("canvas: {width: 100, height: 100}\nsample: {}\nelements:\n  - {id: t, type: text, text: \"{{name}}\"}\n"), 0o644)
	code, out, _ := runCLI(t, "", "validate", dir)
	want := []string{
		filepath.Join(dir, "a.yaml") + `:3:28: unknown key "colr" in a text element; did you mean "color"?`,
		filepath.Join(dir, "b.yaml") + `:4:5: sample data: element "t": field "name": missing from the data (give it, or a default as {{name | default}})`,
	}
	if code != exitFailure || strings.TrimSpace(out) != strings.Join(want, "\n") {
		t.Errorf("exit %d, out:\n%s\nwant:\n%s", code, out, strings.Join(want, "\n"))
	}
	code, out, _ = runCLI(t, "", "validate", filepath.Join(dir, "a.yaml"))
	if code != exitFailure || strings.Count(out, "\n") != 1 {
		t.Errorf("single file: exit %d, %q", code, out)
	}
}

func TestBench(t *testing.T) {
	code, out, errs := runCLI(t, "", "bench", "--layout", "campaign", "--layouts", "../../layouts", "--n", "2")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var v map[string]any
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("not one JSON line: %q", out)
	}
	for _, k := range []string{"layout", "format", "n", "median_ms", "p95_ms", "bytes", "alloc_mb_per_op"} {
		if _, ok := v[k]; !ok {
			t.Errorf("bench output lacks %q", k)
		}
	}
	if v["layout"] != "campaign" || v["format"] != "jpeg" || v["n"] != float64(2) || v["bytes"].(float64) < 1000 {
		t.Errorf("bench output %v", v)
	}
}
