package picture

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"math"
	"math/rand/v2"
	"testing"

	"golang.org/x/image/draw"

	"github.com/haibao/haibao/internal/testimg"
)

// quadrants is a 40×20 image whose corners are told apart after rotation:
// red top-left, green top-right, blue bottom-left, white bottom-right.
func quadrants() *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, 40, 20))
	for y := 0; y < 20; y++ {
		for x := 0; x < 40; x++ {
			c := color.NRGBA{A: 255}
			switch {
			case x < 20 && y < 10:
				c.R = 255
			case y < 10:
				c.G = 255
			case x < 20:
				c.B = 255
			default:
				c = color.NRGBA{255, 255, 255, 255}
			}
			img.Set(x, y, c)
		}
	}
	return img
}

// withExif inserts an APP1 EXIF segment holding one Orientation tag right
// after the JPEG's SOI marker.
func withExif(jpg []byte, orientation uint16) []byte {
	var tiff bytes.Buffer
	tiff.WriteString("MM")
	binary.Write(&tiff, binary.BigEndian, uint16(42))
	binary.Write(&tiff, binary.BigEndian, uint32(8))
	binary.Write(&tiff, binary.BigEndian, uint16(1))      // one entry
	binary.Write(&tiff, binary.BigEndian, uint16(0x0112)) // Orientation
	binary.Write(&tiff, binary.BigEndian, uint16(3))      // SHORT
	binary.Write(&tiff, binary.BigEndian, uint32(1))
	binary.Write(&tiff, binary.BigEndian, orientation)
	binary.Write(&tiff, binary.BigEndian, uint16(0))
	binary.Write(&tiff, binary.BigEndian, uint32(0)) // no next IFD
	seg := append([]byte("Exif\x00\x00"), tiff.Bytes()...)
	var out bytes.Buffer
	out.Write(jpg[:2])
	out.Write([]byte{0xFF, 0xE1})
	binary.Write(&out, binary.BigEndian, uint16(len(seg)+2))
	out.Write(seg)
	out.Write(jpg[2:])
	return out.Bytes()
}

func encodeJPEG(t *testing.T, img image.Image) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func near(c color.Color, r, g, b uint8) bool {
	n := color.NRGBAModel.Convert(c).(color.NRGBA)
	d := func(x, y uint8) bool { return int(x)+40 > int(y) && int(y)+40 > int(x) }
	return d(n.R, r) && d(n.G, g) && d(n.B, b)
}

func TestDecodeEXIFOrientation(t *testing.T) {
	plain := encodeJPEG(t, quadrants())
	// What each orientation's stored image must become, judged by the
	// colour at the top-left corner and the upright size.
	tests := []struct {
		o       uint16
		w, h    int
		r, g, b uint8
	}{
		{1, 40, 20, 255, 0, 0},
		{2, 40, 20, 0, 255, 0},
		{3, 40, 20, 255, 255, 255},
		{4, 40, 20, 0, 0, 255},
		{5, 20, 40, 255, 0, 0},
		{6, 20, 40, 0, 0, 255},
		{7, 20, 40, 255, 255, 255},
		{8, 20, 40, 0, 255, 0},
	}
	for _, tt := range tests {
		img, format, err := DecodeBytes(withExif(plain, tt.o), Limits{})
		if err != nil || format != "jpeg" {
			t.Fatalf("orientation %d: %v %q", tt.o, err, format)
		}
		b := img.Bounds()
		if b.Dx() != tt.w || b.Dy() != tt.h {
			t.Errorf("orientation %d: size %v, want %dx%d", tt.o, b.Size(), tt.w, tt.h)
			continue
		}
		if c := img.At(b.Min.X+2, b.Min.Y+2); !near(c, tt.r, tt.g, tt.b) {
			t.Errorf("orientation %d: top-left %v", tt.o, c)
		}
	}
}

func TestDecodeFormatsAndLimits(t *testing.T) {
	src := quadrants()
	var pngB, gifB bytes.Buffer
	png.Encode(&pngB, src)
	gif.Encode(&gifB, src, nil)
	var webpB bytes.Buffer
	if err := EncodeWebP(&webpB, rgbaOf(src), WebPOptions{Quality: 90, Effort: 4}); err != nil {
		t.Fatal(err)
	}
	jpg := encodeJPEG(t, src)
	tests := []struct {
		name   string
		data   []byte
		lim    Limits
		format string
		err    error
	}{
		{"png", pngB.Bytes(), Limits{}, "png", nil},
		{"jpeg", jpg, Limits{}, "jpeg", nil},
		{"gif", gifB.Bytes(), Limits{}, "gif", nil},
		{"webp", webpB.Bytes(), Limits{}, "webp", nil},
		{"not an image", []byte("<html>hello</html>"), Limits{}, "", ErrUnsupported},
		{"empty", nil, Limits{}, "", ErrUnsupported},
		{"too many bytes", jpg, Limits{MaxBytes: 100}, "", ErrTooLarge},
		{"too many pixels", pngB.Bytes(), Limits{MaxPixels: 799}, "", ErrTooLarge},
		{"bomb header", testimg.BombPNG(100000, 100000), Limits{MaxPixels: 40_000_000}, "", ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img, format, err := Decode(bytes.NewReader(tt.data), tt.lim)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("err = %v, want %v", err, tt.err)
				}
				return
			}
			if err != nil || format != tt.format || img.Bounds().Dx() != 40 {
				t.Fatalf("got %q %v, %v", format, img, err)
			}
		})
	}
	t.Run("truncated", func(t *testing.T) {
		if _, _, err := DecodeBytes(jpg[:len(jpg)/2], Limits{}); err == nil {
			t.Fatal("half a JPEG decoded")
		}
	})
}

func TestDecodeDataURL(t *testing.T) {
	var b bytes.Buffer
	png.Encode(&b, quadrants())
	good := "data:image/png;base64," + base64.StdEncoding.EncodeToString(b.Bytes())
	if img, err := DecodeDataURL(good, Limits{}); err != nil || img.Bounds().Dx() != 40 {
		t.Fatalf("good: %v", err)
	}
	for _, bad := range []string{"data:image/png;base64", "data:image/png;base64,%%%", "http://x/y.png", "data:text/plain,hello"} {
		if _, err := DecodeDataURL(bad, Limits{}); err == nil {
			t.Errorf("%q decoded", bad)
		}
	}
	if _, err := DecodeDataURL(good, Limits{MaxBytes: 10}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("limit: %v", err)
	}
}

func TestFitted(t *testing.T) {
	src := quadrants() // 40×20
	if got := Fitted(src, 40, 20, FitCover); got != image.Image(src) {
		t.Error("same-size image was resampled")
	}
	for _, tc := range []struct {
		fit  Fit
		w, h int
	}{{FitCover, 20, 20}, {FitContain, 20, 20}, {FitFill, 20, 20}, {FitCover, 80, 10}} {
		got := Fitted(src, tc.w, tc.h, tc.fit)
		if got.Bounds().Dx() != tc.w || got.Bounds().Dy() != tc.h {
			t.Errorf("%v %dx%d: got %v", tc.fit, tc.w, tc.h, got.Bounds())
		}
	}
	// Cover of a square keeps the middle: left half red/blue, right green/white.
	cover := Fitted(src, 20, 20, FitCover)
	b := cover.Bounds()
	if !near(cover.At(b.Min.X+1, b.Min.Y+1), 255, 0, 0) || !near(cover.At(b.Max.X-2, b.Min.Y+1), 0, 255, 0) {
		t.Errorf("cover crop: %v %v", cover.At(b.Min.X+1, b.Min.Y+1), cover.At(b.Max.X-2, b.Min.Y+1))
	}
	// Contain of a square letterboxes top and bottom with transparency.
	contain := Fitted(src, 20, 20, FitContain)
	if _, _, _, a := contain.At(10, 0).RGBA(); a != 0 {
		t.Error("contain band is not transparent")
	}
	if _, _, _, a := contain.At(10, 10).RGBA(); a == 0 {
		t.Error("contain middle is transparent")
	}
}

func TestDrawRoundedCircle(t *testing.T) {
	dst := image.NewRGBA(image.Rect(0, 0, 100, 100))
	red := image.NewUniform(color.NRGBA{255, 0, 0, 255})
	DrawRounded(dst, image.Rect(0, 0, 100, 100), red, 50, 1)
	if a := dst.RGBAAt(1, 1).A; a != 0 {
		t.Errorf("corner alpha %d, want 0", a)
	}
	if c := dst.RGBAAt(50, 50); c != (color.RGBA{255, 0, 0, 255}) {
		t.Errorf("centre %v", c)
	}
	if a := dst.RGBAAt(50, 0).A; a == 0 {
		t.Error("top edge middle not covered")
	}
	// Opacity fades the whole shape.
	half := image.NewRGBA(image.Rect(0, 0, 10, 10))
	DrawRounded(half, half.Bounds(), red, 0, 0.5)
	if a := half.RGBAAt(5, 5).A; a < 120 || a > 136 {
		t.Errorf("half opacity alpha %d", a)
	}
	// A border covers the edge and leaves the middle alone.
	ring := image.NewRGBA(image.Rect(0, 0, 100, 100))
	StrokeRounded(ring, ring.Bounds(), 20, 6, color.NRGBA{0, 0, 255, 255})
	if ring.RGBAAt(50, 2).A != 255 || ring.RGBAAt(50, 50).A != 0 {
		t.Errorf("ring: edge %v middle %v", ring.RGBAAt(50, 2), ring.RGBAAt(50, 50))
	}
}

// photo makes a smooth, photo-like test image.
func photo(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Pix[y*img.Stride+x*4+0] = uint8(x * 255 / w)
			img.Pix[y*img.Stride+x*4+1] = uint8(y * 255 / h)
			img.Pix[y*img.Stride+x*4+2] = uint8((x*y/7 + x*x/13) % 256)
			img.Pix[y*img.Stride+x*4+3] = 255
		}
	}
	return img
}

func BenchmarkFittedCover(b *testing.B) {
	src := photo(1500, 2000)
	b.ReportAllocs()
	for b.Loop() {
		Fitted(src, 750, 1334, FitCover)
	}
}

func BenchmarkDrawRoundedCircle(b *testing.B) {
	dst := image.NewRGBA(image.Rect(0, 0, 400, 400))
	src := photo(200, 200)
	b.ReportAllocs()
	for b.Loop() {
		DrawRounded(dst, image.Rect(100, 100, 300, 300), src, 100, 1)
	}
}

// TestRoundedBandsMatchWholeMask checks that drawing a rounded shape band by
// band gives the same pixels as one mask over the whole shape.
func TestRoundedBandsMatchWholeMask(t *testing.T) {
	red := image.NewUniform(color.NRGBA{200, 30, 30, 255})
	for _, tc := range []struct {
		w, h                  int
		radius, ring, opacity float64
	}{
		{100, 60, 12, 0, 1}, {100, 60, 12.5, 0, 0.6}, {80, 80, 40, 0, 1}, {90, 40, 100, 0, 1},
		{100, 60, 12, 3, 1}, {100, 60, 0, 2.5, 1}, {50, 50, 25, 6, 1}, {30, 12, 4, 5, 1},
	} {
		got := image.NewRGBA(image.Rect(0, 0, tc.w+10, tc.h+10))
		r := image.Rect(5, 5, 5+tc.w, 5+tc.h)
		if tc.ring > 0 {
			StrokeRounded(got, r, tc.radius, tc.ring, color.NRGBA{200, 30, 30, 255})
		} else {
			DrawRounded(got, r, red, tc.radius, tc.opacity)
		}
		want := image.NewRGBA(got.Bounds())
		rr := math.Min(tc.radius, float64(min(tc.w, tc.h))/2)
		m := shapeMask(tc.w, tc.h, image.Rect(0, 0, tc.w, tc.h), rr, tc.ring, tc.opacity)
		draw.DrawMask(want, r, red, image.Point{}, m, image.Point{}, draw.Over)
		for i := range got.Pix {
			if d := int(got.Pix[i]) - int(want.Pix[i]); d > 1 || d < -1 {
				x, y := (i%got.Stride)/4, i/got.Stride
				t.Fatalf("%+v: pixel (%d,%d) = %v, whole mask gives %v", tc, x, y, got.RGBAAt(x, y), want.RGBAAt(x, y))
			}
		}
	}
}

// TestFillOverMatchesDraw: the fast translucent fill gives image/draw's
// result to within one level, on every byte value under it.
func TestFillOverMatchesDraw(t *testing.T) {
	for _, c := range []color.NRGBA{{255, 255, 255, 224}, {10, 200, 30, 128}, {0, 0, 0, 1}, {255, 0, 0, 255}} {
		a := image.NewRGBA(image.Rect(0, 0, 256, 4))
		for i := range a.Pix {
			a.Pix[i] = uint8(i / 4 % 256)
		}
		b := image.NewRGBA(a.Rect)
		copy(b.Pix, a.Pix)
		fillOver(a, image.Rect(0, 0, 256, 4), c)
		draw.Draw(b, b.Rect, image.NewUniform(c), image.Point{}, draw.Over)
		for i := range a.Pix {
			if d := int(a.Pix[i]) - int(b.Pix[i]); d > 1 || d < -1 {
				t.Fatalf("colour %v, byte %d: %d, image/draw %d", c, i, a.Pix[i], b.Pix[i])
			}
		}
	}
}

// Opaque must agree with the standard library's scan wherever the one
// translucent pixel sits, including the tail of a row past the last word.
func TestOpaque(t *testing.T) {
	for _, w := range []int{1, 7, 8, 9, 33} {
		img := image.NewRGBA(image.Rect(3, 2, 3+w, 5))
		for i := 3; i < len(img.Pix); i += 4 {
			img.Pix[i] = 0xff
		}
		if !Opaque(img) {
			t.Fatalf("width %d: opaque image reported translucent", w)
		}
		for x := img.Rect.Min.X; x < img.Rect.Max.X; x++ {
			for y := img.Rect.Min.Y; y < img.Rect.Max.Y; y++ {
				img.SetRGBA(x, y, color.RGBA{0, 0, 0, 0xfe})
				if got, want := Opaque(img), img.Opaque(); got != want {
					t.Fatalf("width %d, pixel (%d,%d): Opaque %v, image.RGBA.Opaque %v", w, x, y, got, want)
				}
				img.SetRGBA(x, y, color.RGBA{0, 0, 0, 0xff})
			}
		}
		// A sub-image must not look at pixels outside its bounds.
		sub := img.SubImage(image.Rect(4, 2, 3+w, 5)).(*image.RGBA)
		img.SetRGBA(3, 2, color.RGBA{})
		if !Opaque(sub) {
			t.Fatalf("width %d: sub-image saw a pixel outside it", w)
		}
		img.SetRGBA(3, 2, color.RGBA{0, 0, 0, 0xff})
	}
}

// DrawOver must write the same bytes as image/draw for every kind of
// source it speeds up: random pixels (including colour above alpha, which
// is not valid premultiplied colour), runs of clear and solid ones,
// sub-images and rectangles hanging off every edge.
func TestDrawOverMatchesImageDraw(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	pixel := func() uint8 {
		switch rng.IntN(4) {
		case 0:
			return 0
		case 1:
			return 0xff
		}
		return uint8(rng.IntN(256))
	}
	fill := func(p []uint8) {
		for i := range p {
			p[i] = pixel()
		}
	}
	for n := range 300 {
		dst := image.NewRGBA(image.Rect(-3, 2, 40, 37))
		fill(dst.Pix)
		want := image.NewRGBA(dst.Rect)
		copy(want.Pix, dst.Pix)
		var src image.Image
		switch n % 3 {
		case 0:
			if n%4 == 1 {
				s := image.NewNRGBA(image.Rect(0, 0, 30, 25))
				fill(s.Pix)
				src = s.SubImage(image.Rect(2, 1, 29, 25))
				break
			}
			s := image.NewRGBA(image.Rect(0, 0, 30, 25))
			fill(s.Pix)
			src = s.SubImage(image.Rect(2, 1, 29, 25))
		case 1:
			src = image.NewUniform(color.RGBA{pixel(), pixel(), pixel(), pixel()})
		default:
			src = image.NewUniform(color.NRGBA{uint8(rng.IntN(256)), uint8(rng.IntN(256)), uint8(rng.IntN(256)), 0xff})
		}
		var mask *image.Alpha
		if n%3 != 0 || n%2 == 0 {
			mask = image.NewAlpha(image.Rect(1, 1, 26, 30))
			fill(mask.Pix)
		}
		r := image.Rect(rng.IntN(60)-10, rng.IntN(60)-10, 0, 0)
		r.Max = r.Min.Add(image.Pt(rng.IntN(40), rng.IntN(40)))
		sp := image.Pt(rng.IntN(10), rng.IntN(10))
		mp := image.Pt(rng.IntN(10), rng.IntN(10))
		DrawOver(dst, r, src, sp, mask, mp)
		if mask == nil {
			draw.Draw(want, r, src, sp, draw.Over)
		} else {
			draw.DrawMask(want, r, src, sp, mask, mp, draw.Over)
		}
		if !bytes.Equal(dst.Pix, want.Pix) {
			t.Fatalf("case %d (%T, mask %v, r %v, sp %v, mp %v): bytes differ from image/draw", n, src, mask != nil, r, sp, mp)
		}
	}
}

// Premultiplied must give what draw.Draw with draw.Src gives.
func TestPremultipliedMatchesImageDraw(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	n := image.NewNRGBA(image.Rect(0, 0, 40, 30))
	for i := range n.Pix {
		switch rng.IntN(3) {
		case 0:
			n.Pix[i] = 0
		case 1:
			n.Pix[i] = 0xff
		default:
			n.Pix[i] = uint8(rng.IntN(256))
		}
	}
	sub := n.SubImage(image.Rect(3, 2, 37, 29)).(*image.NRGBA)
	want := image.NewRGBA(image.Rect(0, 0, sub.Rect.Dx(), sub.Rect.Dy()))
	draw.Draw(want, want.Rect, sub, sub.Rect.Min, draw.Src)
	got := Premultiplied(sub)
	if got.Rect != want.Rect || !bytes.Equal(got.Pix, want.Pix) {
		t.Fatal("bytes differ from draw.Draw with draw.Src")
	}
}
