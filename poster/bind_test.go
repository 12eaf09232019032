package poster

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image"
	"image/png"
	"math"
	"strings"
	"sync/atomic"
	"testing"
	"testing/fstest"
)

type countingCodes struct{ n atomic.Int32 }

func (c *countingCodes) Code(ctx context.Context, req CodeRequest) (image.Image, error) {
	c.n.Add(1)
	return image.NewRGBA(image.Rect(0, 0, req.Width, req.Width)), nil
}

// TestDataCannotNameLayoutFiles: a layout's own file is loaded with the
// layout, but request data naming the same path must not reach it.
func TestDataCannotNameLayoutFiles(t *testing.T) {
	e := testEngine(t)
	png := pngBytes(t, 4, 4)
	fsys := fstest.MapFS{"secret.png": {Data: png}}
	src := okHead + `  - {id: logo, type: image, src: secret.png, width: 10, height: 10}
  - {id: avatar, type: image, src: "{{avatar}}", width: 10, height: 10}
`
	l, err := e.ParseLayout(fsys, "t.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"secret.png", "./secret.png", "sub/../secret.png"} {
		_, err := e.Render(context.Background(), l, map[string]any{"avatar": v}, RenderOptions{})
		var de *DataError
		if !errors.As(err, &de) || de.Element != "avatar" || de.Field != "avatar" || !strings.Contains(err.Error(), "must be an http(s) URL") {
			t.Errorf("avatar %q: err = %v, want a DataError refusing the file", v, err)
		}
	}
}

// TestNumbersInsertedAsWritten: numbers decoded with UseNumber keep their
// digits and trailing zeros.
func TestNumbersInsertedAsWritten(t *testing.T) {
	e := testEngine(t)
	l, err := e.ParseLayout(fstest.MapFS{}, "t.yaml", []byte(okHead+`  - {id: n, type: text, width: 600, text: "{{id}} ¥{{price}}"}
`))
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(strings.NewReader(`{"id": 12345678901234567, "price": 12.50}`))
	dec.UseNumber()
	var data map[string]any
	if err := dec.Decode(&data); err != nil {
		t.Fatal(err)
	}
	d, err := e.Bind(l, data, RenderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := d.items[0].block.LineText(0); got != "12345678901234567 ¥12.50" {
		t.Errorf("text %q", got)
	}
}

func TestBindScale(t *testing.T) {
	e := testEngine(t)
	l, err := e.ParseLayout(fstest.MapFS{}, "t.yaml", []byte("canvas: {width: 100, height: 100}\nelements:\n  - {type: rect, width: 10, height: 10, fill: '#f00'}\n"))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []float64{math.NaN(), math.Inf(1), math.Inf(-1), -1, MaxScale + 0.001, 0.001} {
		if _, err := e.Bind(l, nil, RenderOptions{Scale: s}); !errors.Is(err, ErrInvalidScale) {
			t.Errorf("scale %g: err = %v, want ErrInvalidScale", s, err)
		}
	}
	for _, s := range []float64{0.01, 1, MaxScale} {
		d, err := e.Bind(l, nil, RenderOptions{Scale: s})
		if err != nil {
			t.Errorf("scale %g: %v", s, err)
			continue
		}
		if w, h := d.Size(); w != int(math.Round(100*s)) || h != w {
			t.Errorf("scale %g: %d×%d", s, w, h)
		}
	}
}

// TestLimitsDeriveFromEachOther: the largest font a layout may ask for
// renders at the largest scale.
func TestLimitsDeriveFromEachOther(t *testing.T) {
	e := testEngine(t)
	l, err := e.ParseLayout(fstest.MapFS{}, "t.yaml", []byte(okHead+`  - {id: big, type: text, width: 700, size: 500, letter_spacing: 250, text: "字A"}
`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Bind(l, nil, RenderOptions{Scale: MaxScale}); err != nil {
		t.Fatalf("largest font at the largest scale: %v", err)
	}
	_, err = e.ParseLayout(fstest.MapFS{}, "t.yaml", []byte(okHead+"  - {id: big, type: text, width: 700, size: 600, text: x}\n"))
	if err == nil || !strings.Contains(err.Error(), "size must be from 1 to 500") {
		t.Errorf("size 600: %v", err)
	}
}

// TestBuffersCheckedBeforeFetch: an element far larger than its canvas is
// refused at Bind, before any image or code is fetched.
func TestBuffersCheckedBeforeFetch(t *testing.T) {
	ld := &countingLoader{img: image.NewRGBA(image.Rect(0, 0, 4, 4))}
	codes := &countingCodes{}
	e, err := NewEngine(Config{Images: ld, Codes: codes})
	if err != nil {
		t.Fatal(err)
	}
	src := `canvas: {width: 300, height: 300}
elements:
  - {id: huge, type: image, src: "{{u}}", x: 3000, y: 3000, width: 4000, height: 4000}
  - {id: code, type: code, scene: s, size: 100}
`
	l, err := e.ParseLayout(fstest.MapFS{}, "t.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.Render(context.Background(), l, map[string]any{"u": "https://img.example/a.png"}, RenderOptions{Scale: 4})
	if !errors.Is(err, ErrCanvasTooLarge) || !strings.Contains(err.Error(), `"huge"`) {
		t.Fatalf("err = %v, want ErrCanvasTooLarge naming the element", err)
	}
	if ld.n.Load() != 0 || codes.n.Load() != 0 {
		t.Errorf("%d image and %d code fetches before the size check", ld.n.Load(), codes.n.Load())
	}
}

func TestKey(t *testing.T) {
	e := testEngine(t)
	png := pngBytes(t, 4, 4)
	fsys := fstest.MapFS{"logo.png": {Data: png}}
	src := okHead + `  - {id: logo, type: image, src: logo.png, width: 10, height: 10}
  - {id: name, type: text, width: 300, text: "{{name | 无名}}"}
  - {id: code, type: code, scene: "{{scene | s}}"}
`
	l, err := e.ParseLayout(fsys, "t.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	key := func(l *Layout, data map[string]any, scale float64) string {
		d, err := e.Bind(l, data, RenderOptions{Scale: scale})
		if err != nil {
			t.Fatal(err)
		}
		return d.Key()
	}
	base := key(l, map[string]any{"name": "阿杰"}, 1)
	if base != key(l, map[string]any{"name": "阿杰", "unused": 1}, 1) {
		t.Error("data the layout does not read changed the key")
	}
	if base != key(l, map[string]any{"name": " 阿杰\n"}, 1) {
		t.Error("white space trimmed from the data changed the key")
	}
	if base != key(l, map[string]any{"name": "阿杰", "scene": "s"}, 1) {
		t.Error("a field equal to its default changed the key")
	}
	for name, k := range map[string]string{
		"name":  key(l, map[string]any{"name": "阿杰杰"}, 1),
		"scene": key(l, map[string]any{"name": "阿杰", "scene": "t"}, 1),
		"scale": key(l, map[string]any{"name": "阿杰"}, 2),
	} {
		if k == base {
			t.Errorf("changing %s left the key as it was", name)
		}
	}
	// The same layout file with another logo is another version.
	fsys["logo.png"] = &fstest.MapFile{Data: pngBytes(t, 5, 4)}
	l2, err := e.ParseLayout(fsys, "t.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if l2.Digest != l.Digest || l2.Version() == l.Version() || key(l2, map[string]any{"name": "阿杰"}, 1) == base {
		t.Error("a changed image file did not change the layout version and key")
	}
}

type panickyLoader struct{}

func (panickyLoader) LoadImage(ctx context.Context, url string) (image.Image, error) {
	panic("loader bug")
}

func TestFetchPanicIsAnError(t *testing.T) {
	e, err := NewEngine(Config{Images: panickyLoader{}})
	if err != nil {
		t.Fatal(err)
	}
	l, err := e.ParseLayout(fstest.MapFS{}, "t.yaml", []byte(okHead+`  - {id: a, type: image, src: "{{u}}", width: 10, height: 10}
`))
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.Render(context.Background(), l, map[string]any{"u": "https://x.example/a.png"}, RenderOptions{})
	var pe *PanicError
	if !errors.As(err, &pe) || pe.Element != "a" || len(pe.Stack) == 0 {
		t.Fatalf("err = %v, want a PanicError for element a", err)
	}
}

func TestDrawBeforeFetch(t *testing.T) {
	e := testEngine(t)
	l, err := e.ParseLayout(fstest.MapFS{}, "t.yaml", []byte(okHead+"  - {id: code, type: code, scene: s}\n"))
	if err != nil {
		t.Fatal(err)
	}
	d, err := e.Bind(l, nil, RenderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !d.NeedsFetch() {
		t.Fatal("a code to fetch is not reported")
	}
	if _, err := e.Draw(context.Background(), d); err == nil {
		t.Fatal("Draw before Fetch succeeded")
	}
	if err := e.Fetch(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	res, err := e.Draw(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	res.Release()
}

func pngBytes(t *testing.T, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestDataWhitespace(t *testing.T) {
	e := testEngine(t)
	src := okHead + `  - {id: one, type: text, width: 300, align: center, max_lines: 1, text: "{{name}}"}
  - {id: many, type: text, width: 300, text: "{{name}}!"}
  - {id: kept, type: text, width: 300, whitespace: preserve, max_lines: 1, text: "[{{name}}]"}
  - {id: lit, type: text, width: 300, max_lines: 1, text: "  {{name}}  "}
`
	l, err := e.ParseLayout(fstest.MapFS{}, "t.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name                 string
		one, many, kept, lit string
	}{
		{"  Bob  ", "Bob", "Bob!", "[  Bob  ]", "  Bob  "},
		{"Bob\nLee", "Bob Lee", "Bob", "[Bob…", "  Bob Lee  "},
		{"Bob \t\n  Lee\n", "Bob Lee", "Bob", "[Bob…", "  Bob Lee  "},
		{"张\u3000三", "张\u3000三", "张\u3000三!", "[张\u3000三]", "  张\u3000三  "},
	}
	for _, tt := range tests {
		d, err := e.Bind(l, map[string]any{"name": tt.name}, RenderOptions{})
		if err != nil {
			t.Fatal(err)
		}
		got := []string{d.items[0].spans[0].Text, d.items[1].block.LineText(0), d.items[2].block.LineText(0), d.items[3].spans[0].Text}
		want := []string{tt.one, tt.many, tt.kept, tt.lit}
		for i := range got {
			if got[i] != want[i] {
				t.Errorf("name %q, element %s: %q, want %q", tt.name, d.items[i].el.id, got[i], want[i])
			}
		}
	}
	// A centred name with stray spaces sits where the clean name does.
	a, _ := e.Bind(l, map[string]any{"name": "   Bob"}, RenderOptions{})
	b, _ := e.Bind(l, map[string]any{"name": "Bob"}, RenderOptions{})
	if a.items[0].block.Width != b.items[0].block.Width {
		t.Errorf("width with leading spaces %g, without %g", a.items[0].block.Width, b.items[0].block.Width)
	}
}
