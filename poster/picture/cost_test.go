package picture

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/color/palette"
	"image/gif"
	"image/png"
	"os"
	"runtime"
	"testing"
)

// pngHeader is a PNG signature, IHDR and optionally a tRNS chunk: enough
// for DecodeConfig, nothing to decode.
func pngHeader(w, h uint32, depth, colorType, interlace byte, trns bool) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		binary.Write(&b, binary.BigEndian, uint32(len(data)))
		c := append([]byte(typ), data...)
		b.Write(c)
		binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(c))
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9], ihdr[12] = depth, colorType, interlace
	chunk("IHDR", ihdr)
	if trns {
		chunk("tRNS", make([]byte, 2))
	}
	chunk("IDAT", nil)
	return b.Bytes()
}

func TestDecodedBytes(t *testing.T) {
	pal := color.Palette(palette.Plan9)
	for _, tt := range []struct {
		model color.Model
		want  int64
	}{
		{color.GrayModel, 1}, {color.AlphaModel, 1}, {pal, 1},
		{color.Gray16Model, 2}, {color.Alpha16Model, 2},
		{color.YCbCrModel, 3},
		{color.RGBAModel, 4}, {color.NRGBAModel, 4}, {color.CMYKModel, 4}, {color.NYCbCrAModel, 4},
		{color.RGBA64Model, 8}, {color.NRGBA64Model, 8}, {color.ModelFunc(func(c color.Color) color.Color { return c }), 8},
	} {
		if got := DecodedBytes(image.Config{ColorModel: tt.model, Width: 1000, Height: 3}); got != 3000*tt.want {
			t.Errorf("%T: %d bytes, want %d", tt.model, got, 3000*tt.want)
		}
	}
	if got := DecodedBytes(image.Config{ColorModel: color.RGBAModel, Width: -1, Height: 5}); got != 0 {
		t.Errorf("negative width: %d", got)
	}
}

func TestBytes(t *testing.T) {
	r := image.Rect(0, 0, 10, 6)
	big := image.NewNRGBA(image.Rect(0, 0, 100, 100))
	for _, tt := range []struct {
		name string
		img  image.Image
		want int64
	}{
		{"rgba", image.NewRGBA(r), 240},
		{"nrgba", image.NewNRGBA(r), 240},
		{"rgba64", image.NewRGBA64(r), 480},
		{"nrgba64", image.NewNRGBA64(r), 480},
		{"gray", image.NewGray(r), 60},
		{"gray16", image.NewGray16(r), 120},
		{"alpha", image.NewAlpha(r), 60},
		{"alpha16", image.NewAlpha16(r), 120},
		{"cmyk", image.NewCMYK(r), 240},
		{"paletted", image.NewPaletted(r, color.Palette{color.Black, color.White}), 60 + 2*paletteEntryBytes},
		{"ycbcr 4:4:4", image.NewYCbCr(r, image.YCbCrSubsampleRatio444), 180},
		{"ycbcr 4:2:0", image.NewYCbCr(r, image.YCbCrSubsampleRatio420), 60 + 2*15},
		{"nycbcra 4:2:0", image.NewNYCbCrA(r, image.YCbCrSubsampleRatio420), 60 + 2*15 + 60},
		{"uniform", image.NewUniform(color.Black), 0},
		{"unknown type", struct{ image.Image }{image.NewGray(r)}, 480},
		// A view of the bottom-right corner keeps the rest of its parent's
		// rows alive: it is charged from where it starts to the parent's end.
		{"sub-image", big.SubImage(image.Rect(50, 50, 100, 100)), int64(len(big.Pix) - big.PixOffset(50, 50))},
	} {
		if got := Bytes(tt.img); got != tt.want {
			t.Errorf("%s: %d bytes, want %d", tt.name, got, tt.want)
		}
	}
}

// TestDecodeCostFromHeaders checks the estimate against what Go's decoders
// are known to allocate, for headers of images too big to decode in a test.
func TestDecodeCostFromHeaders(t *testing.T) {
	const mp40 = 40_000_000
	progressive444, err := os.ReadFile("testdata/progressive-444.jpg")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		b    []byte
		want int64
	}{
		{"16-bit RGBA PNG 40 MP", pngHeader(8000, 5000, 16, 6, 0, false), 8 * mp40},
		{"16-bit RGB PNG 40 MP", pngHeader(8000, 5000, 16, 2, 0, false), 8 * mp40},
		{"16-bit grey PNG", pngHeader(8000, 5000, 16, 0, 0, false), 2 * mp40},
		{"16-bit grey PNG with a transparent colour decodes to NRGBA64", pngHeader(8000, 5000, 16, 0, 0, true), 8 * mp40},
		{"8-bit grey PNG", pngHeader(8000, 5000, 8, 0, 0, false), mp40},
		{"8-bit grey PNG with a transparent colour decodes to NRGBA", pngHeader(8000, 5000, 8, 0, 0, true), 4 * mp40},
		{"8-bit RGBA PNG", pngHeader(8000, 5000, 8, 6, 0, false), 4 * mp40},
		{"interlaced 8-bit RGBA PNG holds its passes too", pngHeader(8000, 5000, 8, 6, 1, false), 8 * mp40},
		// 480×320 at 4:4:4: 60×40 blocks a component; planes 64 B a block, coefficients 256.
		{"progressive 4:4:4 JPEG", progressive444, 3 * 60 * 40 * (64 + 256)},
	} {
		got, _, _, err := DecodeCost(tt.b)
		if err != nil || got != tt.want {
			t.Errorf("%s: %d bytes, %v; want %d", tt.name, got, err, tt.want)
		}
	}
}

// TestDecodeCostCoversAllocation decodes real images and checks that the
// estimate is not below what the decoder allocated (it may be above, as it
// counts a peak conservatively) and not wildly above either.
func TestDecodeCostCoversAllocation(t *testing.T) {
	src := photo(480, 320)
	encode := func(img image.Image) []byte {
		var b bytes.Buffer
		if err := png.Encode(&b, img); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	gray := image.NewGray(src.Bounds())
	gray16 := image.NewGray16(src.Bounds())
	rgba64 := image.NewRGBA64(src.Bounds())
	nrgba64 := image.NewNRGBA64(src.Bounds())
	paletted := image.NewPaletted(src.Bounds(), palette.Plan9)
	// Filled byte by byte: Set through color.Color is slow under -race.
	for i := range 480 * 320 {
		r, g, b := src.Pix[4*i], src.Pix[4*i+1], src.Pix[4*i+2]
		gray.Pix[i] = g
		gray16.Pix[2*i], gray16.Pix[2*i+1] = g, r
		copy(rgba64.Pix[8*i:], []byte{r, b, g, r, b, g, 255, 255})
		copy(nrgba64.Pix[8*i:], []byte{r, g, g, b, b, r, r, b})
		paletted.Pix[i] = r ^ b
	}
	var gifB bytes.Buffer
	if err := gif.Encode(&gifB, paletted, nil); err != nil {
		t.Fatal(err)
	}
	var jpg, webp bytes.Buffer
	if err := EncodeJPEG(&jpg, src, JPEGOptions{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	if err := EncodeWebP(&webp, src, WebPOptions{Quality: 90, Effort: 4}); err != nil {
		t.Fatal(err)
	}
	grayJPG := encodeJPEG(t, gray)
	prog420, err1 := os.ReadFile("testdata/progressive-420.jpg")
	prog444, err2 := os.ReadFile("testdata/progressive-444.jpg")
	interlaced, err3 := os.ReadFile("testdata/interlaced-rgba.png")
	if err := errors.Join(err1, err2, err3); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		b    []byte
	}{
		{"png rgba", encode(src)},
		{"png gray", encode(gray)},
		{"png gray16", encode(gray16)},
		{"png rgba64", encode(rgba64)},
		{"png nrgba64", encode(nrgba64)},
		{"png paletted", encode(paletted)},
		{"png interlaced", interlaced},
		{"gif", gifB.Bytes()},
		{"jpeg 4:2:0", jpg.Bytes()},
		{"jpeg gray", grayJPG},
		{"jpeg rotated by EXIF", withExif(jpg.Bytes(), 6)},
		{"progressive jpeg 4:2:0", prog420},
		{"progressive jpeg 4:4:4", prog444},
		{"webp", webp.Bytes()},
	} {
		cost, _, _, err := DecodeCost(tt.b)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		allocated := allocatedBy(t, func() {
			if _, _, err := DecodeBytes(tt.b, Limits{}); err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
		})
		// Allocation counts garbage too: fixed tables and buffers (zlib's
		// window) and Huffman tables rebuilt for each deflate block. An
		// estimate that missed a whole buffer (16-bit samples, progressive
		// coefficients, a colour conversion) would fall well below 70%.
		const fixed = 64 << 10
		t.Logf("%s: estimated %d, allocated %d", tt.name, cost, allocated)
		if cost < allocated*7/10-fixed || cost > 3*allocated+fixed {
			t.Errorf("%s: estimated %d bytes, decoding allocated %d", tt.name, cost, allocated)
		}
	}
}

// allocatedBy is the heap bytes fn allocates (the test runs alone, so
// little else allocates meanwhile).
func allocatedBy(t *testing.T, fn func()) int64 {
	t.Helper()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return int64(after.TotalAlloc - before.TotalAlloc)
}

func TestDecodedBytesLimit(t *testing.T) {
	lim := Limits{MaxDecodedBytes: DefaultMaxDecodedBytes}
	for _, tt := range []struct {
		name string
		b    []byte
		err  error
	}{
		// 8000×5000 at 8 bytes a pixel is 320 MB: the hostile load of issue 9.
		{"16-bit 40 MP PNG", pngHeader(8000, 5000, 16, 6, 0, false), ErrTooLarge},
		{"16-bit 9 MP PNG", pngHeader(3000, 3000, 16, 6, 0, false), ErrTooLarge},
		{"8-bit 20 MP PNG", pngHeader(5000, 4000, 8, 6, 0, false), ErrTooLarge},
		{"grey PNG with transparency, 20 MP", pngHeader(5000, 4000, 8, 0, 0, true), ErrTooLarge},
		// Allowed by the budget: only then does decoding find the data missing.
		{"16-bit 8 MP PNG", pngHeader(4000, 2000, 16, 6, 0, false), nil},
		{"grey PNG, 20 MP", pngHeader(5000, 4000, 8, 0, 0, false), nil},
	} {
		_, _, err := DecodeBytes(tt.b, lim)
		if tt.err != nil && !errors.Is(err, tt.err) {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.err)
		}
		if tt.err == nil && (err == nil || errors.Is(err, ErrTooLarge)) {
			t.Errorf("%s: %v, want a decode error past the limits", tt.name, err)
		}
		// A data: URL goes through the same checks.
		_, err = DecodeDataURL("data:image/png;base64,"+base64.StdEncoding.EncodeToString(tt.b), lim)
		if tt.err != nil && !errors.Is(err, tt.err) {
			t.Errorf("%s as a data: URL: %v, want %v", tt.name, err, tt.err)
		}
	}
	_, _, err := DecodeBytes(pngHeader(8000, 5000, 16, 6, 0, false), lim)
	if want := "image too large: 8000×5000 pixels need 306 MB decoded, limit 64 MB"; err == nil || err.Error() != want {
		t.Errorf("message %q, want %q", err, want)
	}
}

// TestFittedCoverFromView checks that resampling a view of the crop gives
// the same pixels as resampling a copy of it.
func TestFittedCoverFromView(t *testing.T) {
	var jpg bytes.Buffer
	if err := EncodeJPEG(&jpg, photo(300, 200), JPEGOptions{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	ycc, _, err := DecodeBytes(jpg.Bytes(), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	for _, src := range []image.Image{photo(300, 200), ycc} {
		got := Fitted(src, 90, 120, FitCover)
		want := Fitted(struct{ image.Image }{src}, 90, 120, FitCover) // no SubImage: copies
		if !bytes.Equal(got.(*image.NRGBA).Pix, want.(*image.NRGBA).Pix) {
			t.Errorf("%T: resampling a view differs from resampling a copy", src)
		}
	}
}

func TestWebPKind(t *testing.T) {
	chunk := func(fourcc string, n int) []byte {
		b := append([]byte(fourcc), byte(n), byte(n>>8), byte(n>>16), byte(n>>24))
		return append(b, make([]byte, n+n&1)...)
	}
	file := func(chunks ...[]byte) []byte {
		b := []byte("RIFF\x00\x00\x00\x00WEBP")
		for _, c := range chunks {
			b = append(b, c...)
		}
		return b
	}
	for _, tt := range []struct {
		name            string
		b               []byte
		lossless, alpha bool
	}{
		{"lossy", file(chunk("VP8 ", 30)), false, false},
		{"lossy with alpha and an odd ICC chunk", file(chunk("VP8X", 10), chunk("ICCP", 7), chunk("ALPH", 9), chunk("VP8 ", 30)), false, true},
		{"lossless", file(chunk("VP8X", 10), chunk("VP8L", 25)), true, true},
		{"truncated", file(chunk("VP8X", 10))[:20], false, false},
		{"chunk size past the end", append(file(), []byte("ICCP\xff\xff\xff\x7fVP8L")...), false, false},
	} {
		lossless, alpha := webpKind(tt.b)
		if lossless != tt.lossless || alpha != tt.alpha {
			t.Errorf("%s: lossless %v alpha %v, want %v %v", tt.name, lossless, alpha, tt.lossless, tt.alpha)
		}
	}
}
