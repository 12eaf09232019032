package picture

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"os"
	"testing"

	xwebp "golang.org/x/image/webp"
)

// samplePoster is the campaign sample poster, the image the encoder
// benchmarks measure: a real poster compresses unlike synthetic patterns.
func samplePoster(tb testing.TB) *image.RGBA {
	tb.Helper()
	f, err := os.Open("../testdata/sample-campaign.png")
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	src, err := png.Decode(f)
	if err != nil {
		tb.Fatal(err)
	}
	return rgbaOf(src)
}

func rgbaOf(src image.Image) *image.RGBA {
	img := image.NewRGBA(src.Bounds())
	draw.Draw(img, img.Bounds(), src, src.Bounds().Min, draw.Src)
	return img
}

func TestEncodeRoundTrip(t *testing.T) {
	// A window into the poster also checks that encoders honour the
	// rectangle and stride of a sub-image.
	src := samplePoster(t).SubImage(image.Rect(200, 500, 500, 800)).(*image.RGBA)
	encoders := map[string]func(q int) func(*bytes.Buffer) error{
		"png": func(int) func(*bytes.Buffer) error {
			return func(b *bytes.Buffer) error { return EncodePNG(b, src, PNGOptions{}) }
		},
		"jpeg": func(q int) func(*bytes.Buffer) error {
			return func(b *bytes.Buffer) error { return EncodeJPEG(b, src, JPEGOptions{Quality: q}) }
		},
		"webp": func(q int) func(*bytes.Buffer) error {
			return func(b *bytes.Buffer) error { return EncodeWebP(b, src, WebPOptions{Quality: q, Effort: 4}) }
		},
	}
	sizes := map[string]int{}
	for f, enc := range encoders {
		for _, q := range []int{40, 95} {
			var b bytes.Buffer
			if err := enc(q)(&b); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			img, format, err := image.Decode(bytes.NewReader(b.Bytes()))
			if err != nil || format != f || img.Bounds().Size() != src.Bounds().Size() {
				t.Fatalf("%s q%d: %q %v %v", f, q, format, img.Bounds(), err)
			}
			if d := meanDiff(src, img); d > 5 {
				t.Errorf("%s q%d: mean difference %.1f from the source", f, q, d)
			}
			sizes[fmt.Sprintf("%s%d", f, q)] = b.Len()
		}
	}
	if sizes["jpeg40"] >= sizes["jpeg95"] || sizes["webp40"] >= sizes["webp95"] {
		t.Errorf("quality does not change size: %v", sizes)
	}
}

func TestEncodeOptionErrors(t *testing.T) {
	src := photo(8, 8)
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"jpeg quality 0", EncodeJPEG(&bytes.Buffer{}, src, JPEGOptions{}), "quality must be from 1 to 100, got 0"},
		{"webp quality 101", EncodeWebP(&bytes.Buffer{}, src, WebPOptions{Quality: 101}), "quality must be from 1 to 100, got 101"},
		{"webp effort 7", EncodeWebP(&bytes.Buffer{}, src, WebPOptions{Quality: 90, Effort: 7}), "effort must be from 0 to 6, got 7"},
		{"webp effort -1", EncodeWebP(&bytes.Buffer{}, src, WebPOptions{Quality: 90, Effort: -1}), "effort must be from 0 to 6, got -1"},
	} {
		if tc.err == nil || tc.err.Error() != tc.want {
			t.Errorf("%s: got %v, want %q", tc.name, tc.err, tc.want)
		}
	}
}

// A transparent canvas must not come out black in a JPEG.
func TestEncodeJPEGFlattens(t *testing.T) {
	src := image.NewRGBA(image.Rect(0, 0, 64, 64))
	// Left half clear, right half 50% red (premultiplied).
	for y := 0; y < 64; y++ {
		for x := 32; x < 64; x++ {
			src.SetRGBA(x, y, color.RGBA{128, 0, 0, 128})
		}
	}
	for _, tc := range []struct {
		bg          color.RGBA
		left, right color.RGBA
	}{
		{color.RGBA{255, 255, 255, 255}, color.RGBA{255, 255, 255, 255}, color.RGBA{255, 127, 127, 255}},
		{color.RGBA{0, 0, 255, 255}, color.RGBA{0, 0, 255, 255}, color.RGBA{128, 0, 127, 255}},
	} {
		var b bytes.Buffer
		if err := EncodeJPEG(&b, src, JPEGOptions{Quality: 95, FullChroma: true, Background: tc.bg}); err != nil {
			t.Fatal(err)
		}
		img, _, err := DecodeBytes(b.Bytes(), Limits{})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range []struct {
			x    int
			want color.RGBA
		}{{8, tc.left}, {56, tc.right}} {
			r, g, bl, _ := img.At(p.x, 32).RGBA()
			got := color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(bl >> 8), 255}
			if absDiff(got.R, p.want.R) > 4 || absDiff(got.G, p.want.G) > 4 || absDiff(got.B, p.want.B) > 4 {
				t.Errorf("background %v, x=%d: got %v, want about %v", tc.bg, p.x, got, p.want)
			}
		}
	}
}

// PNG and lossless WebP keep translucent pixels, unpremultiplied.
func TestEncodeLosslessAlpha(t *testing.T) {
	src := image.NewRGBA(image.Rect(0, 0, 16, 16))
	for i := range 8 * 16 {
		src.SetRGBA(i%16, i/16, color.RGBA{100, 50, 0, 200})
	}
	want := color.NRGBAModel.Convert(src.At(0, 0)).(color.NRGBA)
	encode := map[string]func(*bytes.Buffer) error{
		"png":  func(b *bytes.Buffer) error { return EncodePNG(b, src, PNGOptions{}) },
		"webp": func(b *bytes.Buffer) error { return EncodeWebP(b, src, WebPOptions{Lossless: true, Effort: 4}) },
	}
	for f, enc := range encode {
		var b bytes.Buffer
		if err := enc(&b); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		// x/image/webp decodes straight alpha correctly; chai2010/webp's
		// registered decoder returns it as if premultiplied.
		decode := png.Decode
		if f == "webp" {
			decode = xwebp.Decode
		}
		img, err := decode(bytes.NewReader(b.Bytes()))
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		got := color.NRGBAModel.Convert(img.At(0, 0)).(color.NRGBA)
		if absDiff(got.R, want.R) > 1 || absDiff(got.G, want.G) > 1 || got.B != want.B || got.A != want.A {
			t.Errorf("%s: translucent pixel %v, want %v", f, got, want)
		}
		if _, _, _, a := img.At(0, 15).RGBA(); a != 0 {
			t.Errorf("%s: clear pixel has alpha %d", f, a)
		}
	}
}

func TestEncodeWebPEffort(t *testing.T) {
	src := samplePoster(t)
	sizes := map[int]int{}
	for _, effort := range []int{0, 6} {
		var b bytes.Buffer
		if err := EncodeWebP(&b, src, WebPOptions{Quality: 90, Effort: effort}); err != nil {
			t.Fatal(err)
		}
		sizes[effort] = b.Len()
	}
	if sizes[6] >= sizes[0] {
		t.Errorf("effort 6 (%d bytes) is not smaller than effort 0 (%d bytes)", sizes[6], sizes[0])
	}
}

func TestBuildEncoders(t *testing.T) {
	e := BuildEncoders()
	if e.JPEG == "" || e.PNG == "" || e.WebP == "" {
		t.Errorf("unnamed encoder: %+v", e)
	}
}

// meanDiff compares a with b, whose origin is a's top-left corner.
func meanDiff(a *image.RGBA, b image.Image) float64 {
	var sum, n float64
	for y := a.Rect.Min.Y; y < a.Rect.Max.Y; y++ {
		for x := a.Rect.Min.X; x < a.Rect.Max.X; x++ {
			ar, ag, ab, _ := a.At(x, y).RGBA()
			br, bg, bb, _ := b.At(x-a.Rect.Min.X, y-a.Rect.Min.Y).RGBA()
			sum += float64(absDiff(uint8(ar>>8), uint8(br>>8))) + float64(absDiff(uint8(ag>>8), uint8(bg>>8))) + float64(absDiff(uint8(ab>>8), uint8(bb>>8)))
			n += 3
		}
	}
	return sum / n
}

func absDiff(a, b uint8) uint8 {
	if a > b {
		return a - b
	}
	return b - a
}

// BenchmarkEncode measures each encoder of this build on the campaign
// poster; run it with CGO_ENABLED=0 too for the pure-Go numbers.
func BenchmarkEncode(b *testing.B) {
	src := samplePoster(b)
	cases := []struct {
		name string
		enc  func(*bytes.Buffer) error
	}{
		{"jpeg-q90", func(w *bytes.Buffer) error { return EncodeJPEG(w, src, JPEGOptions{Quality: 90}) }},
		{"jpeg-q90-444", func(w *bytes.Buffer) error { return EncodeJPEG(w, src, JPEGOptions{Quality: 90, FullChroma: true}) }},
		{"jpeg-q90-optimize", func(w *bytes.Buffer) error { return EncodeJPEG(w, src, JPEGOptions{Quality: 90, Optimize: true}) }},
		{"png", func(w *bytes.Buffer) error { return EncodePNG(w, src, PNGOptions{}) }},
		// What haibao used before, for comparison.
		{"png-image-png-bestspeed", func(w *bytes.Buffer) error {
			return (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(w, src)
		}},
		{"webp-lossless", func(w *bytes.Buffer) error { return EncodeWebP(w, src, WebPOptions{Lossless: true, Effort: 1}) }},
	}
	for effort := 0; effort <= 6; effort++ {
		cases = append(cases, struct {
			name string
			enc  func(*bytes.Buffer) error
		}{fmt.Sprintf("webp-q90-effort%d", effort), func(w *bytes.Buffer) error {
			return EncodeWebP(w, src, WebPOptions{Quality: 90, Effort: effort})
		}})
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			var buf bytes.Buffer
			b.ReportAllocs()
			cpu := cpuTime()
			for b.Loop() {
				buf.Reset()
				if err := c.enc(&buf); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N)/1e6, "cpu-ms/op")
			b.ReportMetric(float64(buf.Len()), "bytes")
		})
	}
}

// The whole poster spans several IDAT chunks; PNG must give back every
// pixel exactly.
func TestEncodePNGExact(t *testing.T) {
	src := samplePoster(t)
	var b bytes.Buffer
	if err := EncodePNG(&b, src, PNGOptions{}); err != nil {
		t.Fatal(err)
	}
	if b.Len() < 2*pngChunkSize {
		t.Fatalf("only %d bytes: the test needs several chunks", b.Len())
	}
	// IHDR's colour type sits after the signature, chunk header, size and depth.
	if ct := b.Bytes()[8+8+8+1]; ct != 2 {
		t.Errorf("colour type %d, want 2 (RGB) for an opaque poster", ct)
	}
	img, err := png.Decode(&b)
	if err != nil {
		t.Fatal(err)
	}
	if d := meanDiff(src, img); d != 0 {
		t.Errorf("mean difference %.3f, want 0", d)
	}
}
