package poster

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"io/fs"
	"math"
	"strings"
	"sync/atomic"
	"testing"
	"testing/fstest"

	"github.com/haibao/haibao/assets"
	"github.com/haibao/haibao/fonts"
	"github.com/haibao/haibao/internal/golden"
	"github.com/haibao/haibao/internal/scan"
	"github.com/haibao/haibao/layouts"
)

func sampleLayouts(t testing.TB, e *Engine) []*Layout {
	t.Helper()
	ls, err := e.LoadDir(layouts.FS)
	if err != nil {
		t.Fatalf("sample layouts: %v", err)
	}
	if len(ls) < 4 {
		t.Fatalf("found %d sample layouts, want at least 4", len(ls))
	}
	return ls
}

// codeRect finds the pixel rectangle of the element with id in a result.
func boxRect(t testing.TB, res *Result, id string) image.Rectangle {
	t.Helper()
	for _, b := range res.Boxes {
		if b.ID == id {
			return pxRect(b.X, b.Y, b.W, b.H, res.Scale)
		}
	}
	t.Fatalf("no box for %q", id)
	return image.Rectangle{}
}

// TestSampleLayouts renders every embedded sample with its sample data,
// compares it with its golden image and scans its code back.
func TestSampleLayouts(t *testing.T) {
	e := testEngine(t)
	for _, l := range sampleLayouts(t, e) {
		t.Run(l.Name, func(t *testing.T) {
			res, err := e.Render(context.Background(), l, l.Sample, RenderOptions{})
			if err != nil {
				t.Fatal(err)
			}
			golden.Check(t, "sample-"+l.Name, res.Image, golden.Default)
			got, err := scan.QRIn(res.Image, boxRect(t, res, "code"))
			if err != nil {
				t.Fatalf("code does not scan: %v", err)
			}
			want := fmt.Sprintf("%v?scene=%v", l.Sample["page"], l.Sample["scene"])
			if got != want {
				t.Errorf("code says %q, want %q", got, want)
			}
		})
	}
}

// TestSampleLayoutsAtScale renders each sample at 2× and checks the canvas
// is drawn at that size (not upscaled from 1×) and the code still scans.
func TestSampleLayoutsAtScale(t *testing.T) {
	e := testEngine(t)
	for _, l := range sampleLayouts(t, e) {
		res1, err := e.Render(context.Background(), l, l.Sample, RenderOptions{Scale: 1})
		if err != nil {
			t.Fatal(err)
		}
		res2, err := e.Render(context.Background(), l, l.Sample, RenderOptions{Scale: 2})
		if err != nil {
			t.Fatal(err)
		}
		b1, b2 := res1.Image.Bounds(), res2.Image.Bounds()
		if b2.Dx() != 2*b1.Dx() || math.Abs(float64(b2.Dy()-2*b1.Dy())) > 2 {
			t.Errorf("%s: 2× is %v, 1× is %v", l.Name, b2.Size(), b1.Size())
		}
		if _, err := scan.QRIn(res2.Image, boxRect(t, res2, "code")); err != nil {
			t.Errorf("%s: code at 2× does not scan: %v", l.Name, err)
		}
	}
}

// feature renders a small layout for one element feature and compares it
// with its golden image.
func feature(t *testing.T, e *Engine, name, src string, data map[string]any) *Result {
	t.Helper()
	l, err := e.ParseLayout(fstest.MapFS{}, name+".yaml", []byte(src))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if data == nil {
		data = l.Sample
	}
	res, err := e.Render(context.Background(), l, data, RenderOptions{})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	golden.Check(t, "feature-"+name, res.Image, golden.Default)
	return res
}

func TestElementFeatures(t *testing.T) {
	e := testEngine(t)
	cases := []struct{ name, src string }{
		{"text-cjk-wrap", `canvas: {width: 360, height: auto, padding: 16, background: "#fff"}
elements:
  - {type: text, x: 16, y: 16, width: 328, size: 22, line_height: 1.5, color: "#222",
     text: "在海边的小镇上，我们一起看日落。Latin words like typography never split; 数字 2026 与 emoji 🎉👍🏽 混排，标点「引号」也不会出现在行首。"}
`},
		{"text-rich-spans", `canvas: {width: 360, height: 120, background: "#fff"}
elements:
  - type: text
    x: 16
    y: 24
    color: "#f5222d"
    weight: bold
    spans:
      - {text: "¥", size: 24}
      - {text: "99", size: 56}
      - {text: ".90 ", size: 24}
      - {text: "¥199", size: 20, weight: regular, color: "#999", strike: true}
`},
		{"text-ellipsis-align", `canvas: {width: 360, height: 200, background: "#fff"}
elements:
  - {id: a, type: text, x: 16, y: 16, width: 328, max_lines: 2, size: 24, text: "这是一段很长很长的标题文字，它应当在第二行的末尾被截断并显示省略号，而不会溢出边框。"}
  - {id: b, type: text, x: 16, y: {below: a, gap: 16}, width: 328, align: center, size: 20, color: "#666", text: "居中 centered"}
  - {id: c, type: text, x: 16, y: {below: b, gap: 8}, width: 328, align: right, size: 20, color: "#666", letter_spacing: 4, text: "右对齐 right"}
`},
		{"text-shrink", `canvas: {width: 360, height: 120, background: "#fff"}
elements:
  - {type: rect, x: 16, y: 16, width: 200, height: 40, stroke: {width: 1, color: "#ccc"}}
  - {type: text, x: 16, y: 16, width: 200, max_lines: 1, size: 32, min_size: 12, text: "超长的昵称会自动缩小字号以放进一行"}
`},
		{"image-fits", `canvas: {width: 420, height: 160, background: "#eee"}
elements:
  - {id: cover, type: image, src: "asset:product-mug.jpg", x: 10, y: 10, width: 120, height: 80, fit: cover}
  - {id: contain, type: image, src: "asset:product-mug.jpg", x: {right_of: cover, gap: 10}, y: 10, width: 120, height: 80, fit: contain}
  - {id: fill, type: image, src: "asset:product-mug.jpg", x: {right_of: contain, gap: 10}, y: 10, width: 120, height: 80, fit: fill, radius: 16}
`},
		{"image-circle-border", `canvas: {width: 200, height: 200, background: "#ffd591"}
elements:
  - {type: image, src: "asset:avatar-sample.jpg", x: center, y: center, width: 140, height: 140, circle: true, border: {width: 6, color: "#fff"}}
`},
		{"rect-gradient-stroke-opacity", `canvas: {width: 300, height: 200, background: {gradient: {angle: 90, stops: ["#4facfe", "#00f2fe"]}}}
elements:
  - {type: rect, x: 20, y: 20, width: 260, height: 160, radius: 24, fill: "rgba(255,255,255,0.6)", stroke: {width: 3, color: "#fff"}}
  - {type: rect, x: 60, y: 60, width: 180, height: 80, radius: 12, opacity: 0.8, gradient: {angle: 135, stops: [{color: "#ff4d4f", at: 0}, {color: "#faad14", at: 1}]}}
`},
		{"line-dash", `canvas: {width: 300, height: 100, background: "#fff"}
elements:
  - {type: line, x: 20, y: 30, width: 260, color: "#333", thickness: 2}
  - {type: line, x: 20, y: 60, width: 260, color: "#f5222d", thickness: 3, dash: [12, 6]}
  - {type: line, x: 150, y: 10, height: 80, color: "#1677ff", thickness: 1}
`},
		{"code-colour", `canvas: {width: 320, height: 320, background: "#f0f5ff"}
elements:
  - {id: code, type: code, page: pages/a, scene: "x=1", size: 280, x: 20, y: 20, line_color: "#1d39c4", transparent: true}
`},
		{"code-background", `canvas: {width: 320, height: 320, background: "#1d39c4"}
elements:
  - {id: code, type: code, page: pages/a, scene: "x=1", size: 280, x: 20, y: 20, background: "#fffbe6"}
`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { feature(t, e, c.name, c.src, nil) })
	}
	t.Run("code-colour-scans", func(t *testing.T) {
		res := feature(t, e, "code-colour", cases[len(cases)-2].src, nil)
		got, err := scan.QRIn(res.Image, boxRect(t, res, "code"))
		if err != nil || got != "pages/a?scene=x=1" {
			t.Errorf("scan = %q, %v", got, err)
		}
	})
	t.Run("code-background-shows-and-scans", func(t *testing.T) {
		res := feature(t, e, "code-background", cases[len(cases)-1].src, nil)
		r := boxRect(t, res, "code")
		// The quiet zone, just inside the code's box, has the background's
		// colour, not the code's own white.
		if c := res.Image.RGBAAt(r.Min.X+2, r.Min.Y+2); c != (color.RGBA{0xff, 0xfb, 0xe6, 0xff}) {
			t.Errorf("quiet zone colour %v, want the background #fffbe6", c)
		}
		got, err := scan.QRIn(res.Image, r)
		if err != nil || got != "pages/a?scene=x=1" {
			t.Errorf("scan = %q, %v", got, err)
		}
	})
}

// TestHiddenElementCollapses checks that an element whose if-field is
// missing takes no room and what was placed below it moves up.
func TestHiddenElementCollapses(t *testing.T) {
	e := testEngine(t)
	src := `canvas: {width: 300, height: auto, padding: 10}
elements:
  - {id: a, type: rect, x: 0, y: 0, width: 300, height: 50, fill: "#000"}
  - {id: b, type: rect, x: 0, y: {below: a, gap: 20}, width: 300, height: 40, fill: "#f00", if: promo}
  - {id: c, type: rect, x: 0, y: {below: b, gap: 20}, width: 300, height: 30, fill: "#00f"}
`
	l, err := e.ParseLayout(fstest.MapFS{}, "t.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		data       map[string]any
		cY, height float64
	}{
		{map[string]any{"promo": "yes"}, 130, 170},
		{map[string]any{}, 70, 110},
		{map[string]any{"promo": ""}, 70, 110},
	} {
		res, err := e.Render(context.Background(), l, tc.data, RenderOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var cY float64 = -1
		for _, b := range res.Boxes {
			if b.ID == "c" {
				cY = b.Y
			}
		}
		if cY != tc.cY || res.Height != tc.height {
			t.Errorf("data %v: c.y = %v, height = %v; want %v, %v", tc.data, cY, res.Height, tc.cY, tc.height)
		}
	}
}

type failingCodes struct{ err error }

func (f failingCodes) Code(ctx context.Context, req CodeRequest) (image.Image, error) {
	return nil, f.err
}

type countingLoader struct {
	n   atomic.Int32
	img image.Image
	err error
}

func (c *countingLoader) LoadImage(ctx context.Context, url string) (image.Image, error) {
	c.n.Add(1)
	return c.img, c.err
}

func TestRenderErrors(t *testing.T) {
	e := testEngine(t)
	src := okHead + `  - {id: hello, type: text, text: "Hi {{user.nickname}}"}
  - {id: avatar, type: image, src: "{{avatar}}", width: 10, height: 10}
  - {id: code, type: code, scene: "{{scene | s}}", line_color: "{{tint | #000}}"}
`
	l, err := e.ParseLayout(fstest.MapFS{}, "t.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	ok := map[string]any{"user": map[string]any{"nickname": "A"}, "avatar": "asset:avatar-default.png"}
	if _, err := e.Render(context.Background(), l, ok, RenderOptions{}); err != nil {
		t.Fatalf("good data: %v", err)
	}
	tests := []struct {
		name          string
		data          map[string]any
		element, fld  string
		reasonContain string
	}{
		{"missing nested", map[string]any{"avatar": "asset:avatar-default.png"}, "hello", "user.nickname", "missing from the data"},
		{"object not text", map[string]any{"user": map[string]any{"nickname": map[string]any{}}, "avatar": "asset:avatar-default.png"}, "hello", "user.nickname", "must be a string"},
		{"file path from data", map[string]any{"user": map[string]any{"nickname": "A"}, "avatar": "../../etc/passwd"}, "avatar", "avatar", "must be an http(s) URL"},
		{"remote without loader", map[string]any{"user": map[string]any{"nickname": "A"}, "avatar": "https://example.com/a.png"}, "avatar", "avatar", "remote images are not enabled"},
		{"bad data URL", map[string]any{"user": map[string]any{"nickname": "A"}, "avatar": "data:image/png;base64,AAAA"}, "avatar", "avatar", "data URL is not a usable image"},
		{"bad colour", map[string]any{"user": map[string]any{"nickname": "A"}, "avatar": "asset:avatar-default.png", "tint": "blue"}, "code", "tint", "not a colour"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.Render(context.Background(), l, tt.data, RenderOptions{})
			var de *DataError
			if !errors.As(err, &de) {
				t.Fatalf("err = %v (%T), want *DataError", err, err)
			}
			if de.Element != tt.element || de.Field != tt.fld || !strings.Contains(de.Error(), tt.reasonContain) {
				t.Errorf("got element %q field %q: %v", de.Element, de.Field, de)
			}
		})
	}
	t.Run("scale", func(t *testing.T) {
		if _, err := e.Render(context.Background(), l, ok, RenderOptions{Scale: 9}); !errors.Is(err, ErrInvalidScale) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("too large", func(t *testing.T) {
		small, _ := NewEngine(Config{MaxPixels: 1000})
		l2, err := small.ParseLayout(fstest.MapFS{}, "t.yaml", []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := small.Render(context.Background(), l2, ok, RenderOptions{}); !errors.Is(err, ErrCanvasTooLarge) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("code source error", func(t *testing.T) {
		boom := errors.New("upstream says no")
		e2, _ := NewEngine(Config{Codes: failingCodes{boom}})
		l2, _ := e2.ParseLayout(fstest.MapFS{}, "t.yaml", []byte(src))
		_, err := e2.Render(context.Background(), l2, ok, RenderOptions{})
		var ce *CodeError
		if !errors.As(err, &ce) || ce.Element != "code" || !errors.Is(err, boom) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("remote loader", func(t *testing.T) {
		img := image.NewNRGBA(image.Rect(0, 0, 4, 4))
		for i := range img.Pix {
			img.Pix[i] = 255
		}
		ld := &countingLoader{img: img}
		e2, _ := NewEngine(Config{Images: ld})
		l2, _ := e2.ParseLayout(fstest.MapFS{}, "t.yaml", []byte(src))
		data := map[string]any{"user": map[string]any{"nickname": "A"}, "avatar": "https://img.example/a.png"}
		if _, err := e2.Render(context.Background(), l2, data, RenderOptions{}); err != nil || ld.n.Load() != 1 {
			t.Errorf("err = %v, loads = %d", err, ld.n.Load())
		}
		ld.err = errors.New("refused: private address")
		_, err := e2.Render(context.Background(), l2, data, RenderOptions{})
		var de *DataError
		if !errors.As(err, &de) || de.Field != "avatar" || !strings.Contains(err.Error(), "private address") {
			t.Errorf("err = %v", err)
		}
	})
}

// TestConcurrentRenders renders the samples from many goroutines at once
// and checks every result equals the sequential one.
func TestConcurrentRenders(t *testing.T) {
	e := testEngine(t)
	ls := sampleLayouts(t, e)
	want := map[string][]byte{}
	for _, l := range ls {
		res, err := e.Render(context.Background(), l, l.Sample, RenderOptions{})
		if err != nil {
			t.Fatal(err)
		}
		want[l.Name] = append([]byte(nil), res.Image.Pix...)
		res.Release()
	}
	errs := make(chan error, 16)
	for i := range 16 {
		go func() {
			l := ls[i%len(ls)]
			res, err := e.Render(context.Background(), l, l.Sample, RenderOptions{})
			if err != nil {
				errs <- err
				return
			}
			defer res.Release()
			if string(res.Image.Pix) != string(want[l.Name]) {
				errs <- fmt.Errorf("%s: concurrent render differs", l.Name)
				return
			}
			errs <- nil
		}()
	}
	for range 16 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

func TestParseColor(t *testing.T) {
	tests := []struct {
		in   string
		want color.NRGBA
		err  bool
	}{
		{"#fff", rgba(255, 255, 255, 255), false},
		{"#0f08", rgba(0, 255, 0, 136), false},
		{"#1677ff", rgba(0x16, 0x77, 0xff, 255), false},
		{"#1677ff80", rgba(0x16, 0x77, 0xff, 0x80), false},
		{"rgba(10, 20, 30, 0.5)", rgba(10, 20, 30, 128), false},
		{"rgb(1,2,3)", rgba(1, 2, 3, 255), false},
		{"transparent", color.NRGBA{}, false},
		{"#12", color.NRGBA{}, true},
		{"#gggggg", color.NRGBA{}, true},
		{"rgb(1,2)", color.NRGBA{}, true},
		{"rgb(300,2,3)", color.NRGBA{}, true},
		{"red", color.NRGBA{}, true},
	}
	for _, tt := range tests {
		got, err := ParseColor(tt.in)
		if (err != nil) != tt.err || (!tt.err && got != tt.want) {
			t.Errorf("ParseColor(%q) = %v, %v", tt.in, got, err)
		}
	}
}

func FuzzParseLayout(f *testing.F) {
	ents, _ := fs.ReadDir(layouts.FS, ".")
	for _, ent := range ents {
		if strings.HasSuffix(ent.Name(), ".yaml") {
			b, _ := fs.ReadFile(layouts.FS, ent.Name())
			f.Add(b)
		}
	}
	f.Add([]byte(okHead + "  - {id: a, type: text, text: \"{{x | y}}\", y: {below: b}}\n  - {id: b, type: text, text: z, y: {below: a}}\n"))
	f.Add([]byte("canvas: {width: 1, height: auto}\nelements: [{type: code, path: \"{{p\"}]\n"))
	f.Add([]byte("a: &a [*a, *a]\n"))
	f.Add([]byte("canvas: {width: 10, height: 10}\nelements:\n  - {type: line, width: 5, dash: [1]}\n"))
	e := testEngine(f)
	f.Fuzz(func(t *testing.T, src []byte) {
		l, err := e.ParseLayout(fstest.MapFS{}, "f.yaml", src)
		if err != nil {
			var ve *ValidationError
			if !errors.As(err, &ve) || len(ve.Problems) == 0 {
				t.Fatalf("error without problems: %v", err)
			}
			return
		}
		if l.Width <= 0 {
			t.Fatalf("valid layout with width %v", l.Width)
		}
	})
}

func BenchmarkRender(b *testing.B) {
	e := testEngine(b)
	for _, l := range sampleLayouts(b, e) {
		b.Run(l.Name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				res, err := e.Render(context.Background(), l, l.Sample, RenderOptions{})
				if err != nil {
					b.Fatal(err)
				}
				res.Release()
			}
		})
	}
}

// BenchmarkRenderEncode measures the whole job of a request for the
// 750×1334 campaign poster: render plus encode.
func BenchmarkRenderEncode(b *testing.B) {
	e := testEngine(b)
	l, err := e.LoadLayout(layouts.FS, "campaign.yaml")
	if err != nil {
		b.Fatal(err)
	}
	for _, f := range []Format{JPEG, PNG, WebP} {
		b.Run(f.String(), func(b *testing.B) {
			var buf bytes.Buffer
			b.ReportAllocs()
			for b.Loop() {
				res, err := e.Render(context.Background(), l, l.Sample, RenderOptions{})
				if err != nil {
					b.Fatal(err)
				}
				buf.Reset()
				if err := res.Encode(&buf, EncodeOptions{Format: f, Quality: 90}); err != nil {
					b.Fatal(err)
				}
				res.Release()
			}
			b.ReportMetric(float64(buf.Len()), "bytes")
		})
	}
}

// TestLayoutOwnFilesAndFonts renders a layout that registers its own font
// and uses an image file next to it, both read through the layout's folder.
func TestLayoutOwnFilesAndFonts(t *testing.T) {
	e := testEngine(t)
	fontData, err := fs.ReadFile(fonts.FS, fonts.SansBold)
	if err != nil {
		t.Fatal(err)
	}
	photo, err := fs.ReadFile(assets.FS, "badge-star.png")
	if err != nil {
		t.Fatal(err)
	}
	files := fstest.MapFS{
		"brand/fonts/Brand.otf": &fstest.MapFile{Data: fontData},
		"brand/img/star.png":    &fstest.MapFile{Data: photo},
		"brand/card.yaml": &fstest.MapFile{Data: []byte(`fonts:
  Brand Display: fonts/Brand.otf
canvas: {width: 200, height: 120, background: "#fff"}
elements:
  - {id: star, type: image, src: img/star.png, x: 10, y: 10, width: 100, height: 100}
  - {id: word, type: text, text: 品牌, font: Brand Display, size: 30, x: 120, y: 40}
`)},
	}
	l, err := e.LoadLayout(files, "brand/card.yaml")
	if err != nil {
		t.Fatal(err)
	}
	res, err := e.Render(context.Background(), l, nil, RenderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// The star's centre is gold, not the white background.
	if c := res.Image.RGBAAt(60, 60); c.B > 200 && c.R > 200 && c.G > 200 {
		t.Errorf("image file not drawn: centre is %v", c)
	}
	// Other layouts do not see the registered family.
	if _, err := e.ParseLayout(fstest.MapFS{}, "x.yaml", []byte(okHead+"  - {type: text, text: hi, font: Brand Display}\n")); err == nil {
		t.Error("a layout's own font leaked into the engine's shared font set")
	}
}
