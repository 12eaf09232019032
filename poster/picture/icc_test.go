package picture

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"testing"

	"github.com/haibao/haibao/internal/golden"
)

// Colorants of three RGB spaces adapted to D50 (columns: red, green, blue;
// rows: X, Y, Z), as their standard ICC profiles carry them.
var (
	srgbColorants  = srgbD50
	p3Colorants    = [3][3]float64{{0.515102, 0.291965, 0.157153}, {0.241182, 0.692236, 0.066582}, {-0.001049, 0.041882, 0.784378}}
	adobeColorants = [3][3]float64{{0.6097559, 0.2052401, 0.1492240}, {0.3111242, 0.6256560, 0.0632197}, {0.0194811, 0.0608902, 0.7448387}}
)

func s15Fixed(v float64) []byte {
	return binary.BigEndian.AppendUint32(nil, uint32(int32(math.Round(v*65536))))
}

// srgbCurve is the sRGB tone curve as a parametric (type 3) curve tag.
func srgbCurve() []byte {
	t := []byte("para\x00\x00\x00\x00\x00\x03\x00\x00")
	for _, v := range []float64{2.4, 1 / 1.055, 0.055 / 1.055, 1 / 12.92, 0.04045} {
		t = append(t, s15Fixed(v)...)
	}
	return t
}

// gammaCurve is a single-gamma curv tag (Adobe RGB uses 563/256).
func gammaCurve(g uint16) []byte {
	return binary.BigEndian.AppendUint16([]byte("curv\x00\x00\x00\x00\x00\x00\x00\x01"), g)
}

// makeProfile builds a minimal ICC v2 RGB display profile.
func makeProfile(m [3][3]float64, trc []byte) []byte {
	type tag struct {
		sig  string
		data []byte
	}
	var tags []tag
	for c, name := range []string{"rXYZ", "gXYZ", "bXYZ"} {
		d := []byte("XYZ \x00\x00\x00\x00")
		for i := range 3 {
			d = append(d, s15Fixed(m[i][c])...)
		}
		tags = append(tags, tag{name, d})
	}
	for _, name := range []string{"rTRC", "gTRC", "bTRC"} {
		tags = append(tags, tag{name, trc})
	}
	head := make([]byte, 128)
	copy(head[8:], []byte{2, 0x10, 0, 0})
	copy(head[12:], "mntrRGB XYZ ")
	copy(head[36:], "acsp")
	table := binary.BigEndian.AppendUint32(nil, uint32(len(tags)))
	off := 128 + 4 + 12*len(tags)
	var data []byte
	for _, t := range tags {
		table = append(table, t.sig...)
		table = binary.BigEndian.AppendUint32(table, uint32(off+len(data)))
		table = binary.BigEndian.AppendUint32(table, uint32(len(t.data)))
		data = append(data, t.data...)
		for len(data)%4 != 0 {
			data = append(data, 0)
		}
	}
	out := append(append(head, table...), data...)
	binary.BigEndian.PutUint32(out, uint32(len(out)))
	return out
}

// toSpace converts an sRGB colour into another space's encoding with the
// published linear-light matrix from sRGB (D65) and that space's curve.
func toSpace(c color.NRGBA, m [3][3]float64, encode func(float64) float64) color.NRGBA {
	lin := func(v uint8) float64 {
		x := float64(v) / 255
		if x <= 0.04045 {
			return x / 12.92
		}
		return math.Pow((x+0.055)/1.055, 2.4)
	}
	in := [3]float64{lin(c.R), lin(c.G), lin(c.B)}
	var o [3]uint8
	for i := range 3 {
		v := m[i][0]*in[0] + m[i][1]*in[1] + m[i][2]*in[2]
		o[i] = uint8(math.Round(255 * encode(math.Min(math.Max(v, 0), 1))))
	}
	return color.NRGBA{o[0], o[1], o[2], c.A}
}

// fromSpace converts a colour encoded in another space to sRGB with that
// space's curve and the published linear-light matrix to sRGB.
func fromSpace(c color.NRGBA, m [3][3]float64, decode func(float64) float64) color.NRGBA {
	in := [3]float64{decode(float64(c.R) / 255), decode(float64(c.G) / 255), decode(float64(c.B) / 255)}
	var o [3]uint8
	for i := range 3 {
		v := m[i][0]*in[0] + m[i][1]*in[1] + m[i][2]*in[2]
		o[i] = uint8(math.Round(255 * srgbEncode(math.Min(math.Max(v, 0), 1))))
	}
	return color.NRGBA{o[0], o[1], o[2], c.A}
}

func srgbDecode(x float64) float64 {
	if x <= 0.04045 {
		return x / 12.92
	}
	return math.Pow((x+0.055)/1.055, 2.4)
}

var (
	p3ToSRGB    = [3][3]float64{{1.2249401, -0.2249404, 0}, {-0.0420569, 1.0420571, 0}, {-0.0196376, -0.0786361, 1.0982735}}
	adobeToSRGB = [3][3]float64{{1.3982832, -0.3982831, 0}, {0, 1, 0}, {0, -0.0429383, 1.0429383}}
	adobeDecode = func(x float64) float64 { return math.Pow(x, 563.0/256) }
	srgbToP3    = [3][3]float64{{0.8224621, 0.177538, 0}, {0.0331941, 0.9668058, 0}, {0.0170827, 0.0723974, 0.9105199}}
	srgbToAdobe = [3][3]float64{{0.7151627, 0.2848373, 0}, {0, 1, 0}, {0, 0.0411705, 0.9588295}}
	adobeGamma  = func(l float64) float64 { return math.Pow(l, 256.0/563) }
)

func swatches() []color.NRGBA {
	return []color.NRGBA{
		{0, 0, 0, 255}, {255, 255, 255, 255}, {128, 128, 128, 255}, {200, 40, 40, 255}, {40, 160, 60, 255},
		{30, 80, 200, 255}, {240, 200, 120, 255}, {100, 150, 200, 128}, {12, 200, 180, 255}, {250, 120, 10, 255},
	}
}

// TestToSRGB encodes sRGB colours into Display P3 and Adobe RGB with the
// spaces' published matrices, converts them back through profiles built
// from the spaces' ICC colorants, and wants what the published matrices
// back to sRGB give (within one step: the two routes round differently),
// and near the original colours. Out-of-gamut Adobe and P3 greens clip.
func TestToSRGB(t *testing.T) {
	tests := []struct {
		name    string
		profile []byte
		to      [3][3]float64
		encode  func(float64) float64
		back    [3][3]float64
		decode  func(float64) float64
	}{
		{"Display P3", makeProfile(p3Colorants, srgbCurve()), srgbToP3, srgbEncode, p3ToSRGB, srgbDecode},
		{"Adobe RGB", makeProfile(adobeColorants, gammaCurve(563)), srgbToAdobe, adobeGamma, adobeToSRGB, adobeDecode},
	}
	for _, tc := range tests {
		cs := swatches()
		img := image.NewNRGBA(image.Rect(0, 0, len(cs), 1))
		for i, c := range cs {
			img.SetNRGBA(i, 0, toSpace(c, tc.to, tc.encode))
		}
		got, ok := ToSRGB(img, tc.profile).(*image.NRGBA)
		if !ok || got == img {
			t.Fatalf("%s: not converted", tc.name)
		}
		for i, orig := range cs {
			c, enc := got.NRGBAAt(i, 0), img.NRGBAAt(i, 0)
			if want := fromSpace(enc, tc.back, tc.decode); maxDiff(c, want) > 1 {
				t.Errorf("%s: %v converted to %v, want %v", tc.name, enc, c, want)
			}
			if maxDiff(c, orig) > 4 {
				t.Errorf("%s: %v (encoded %v) came back as %v", tc.name, orig, enc, c)
			}
		}
		// Pure Adobe or P3 green lies outside sRGB: it must stay a pure,
		// not a dulled, green.
		img.SetNRGBA(0, 0, color.NRGBA{0, 200, 0, 255})
		if c := ToSRGB(img, tc.profile).(*image.NRGBA).NRGBAAt(0, 0); c.R > 2 || c.B > 2 || c.G < 190 {
			t.Errorf("%s: (0,200,0) became %v", tc.name, c)
		}
	}
}

func maxDiff(a, b color.NRGBA) int {
	d := 0
	for _, p := range [][2]uint8{{a.R, b.R}, {a.G, b.G}, {a.B, b.B}, {a.A, b.A}} {
		d = max(d, abs(int(p[0])-int(p[1])))
	}
	return d
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// TestToSRGBFastPath wants an sRGB profile, a missing one and ones this
// does not convert to hand the image back untouched.
func TestToSRGBFastPath(t *testing.T) {
	img := image.NewNRGBA(image.Rect(0, 0, 2, 2))
	grey := makeProfile(srgbColorants, srgbCurve())
	copy(grey[16:], "GRAY")
	for name, p := range map[string][]byte{
		"sRGB":      makeProfile(srgbColorants, srgbCurve()),
		"none":      nil,
		"grey":      grey,
		"truncated": makeProfile(p3Colorants, srgbCurve())[:140],
		"garbage":   bytes.Repeat([]byte{0xFF}, 300),
	} {
		if got := ToSRGB(img, p); got != image.Image(img) {
			t.Errorf("%s: image was converted", name)
		}
	}
}

// TestExtractICC embeds a profile in a JPEG (split over two APP2
// segments), a PNG (iCCP) and a WebP (ICCP) and wants it back.
func TestExtractICC(t *testing.T) {
	prof := makeProfile(adobeColorants, gammaCurve(563))
	img := image.NewNRGBA(image.Rect(0, 0, 4, 4))
	var jb, pb bytes.Buffer
	if err := jpeg.Encode(&jb, img, nil); err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(&pb, img); err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{
		"jpeg": withAPP2(jb.Bytes(), prof),
		"png":  withICCP(pb.Bytes(), prof),
		"webp": webpWithICCP(prof),
	}
	for format, b := range files {
		if got := ExtractICC(b, format); !bytes.Equal(got, prof) {
			t.Errorf("%s: got %d bytes, want the %d-byte profile", format, len(got), len(prof))
		}
		if got := ExtractICC(b[:len(b)/3], format); got != nil && !bytes.Equal(got, prof) {
			t.Errorf("%s truncated: got %d bytes of something", format, len(got))
		}
	}
	if got := ExtractICC(jb.Bytes(), "jpeg"); got != nil {
		t.Errorf("JPEG without a profile: got %d bytes", len(got))
	}
	if got := ExtractICC(pb.Bytes(), "png"); got != nil {
		t.Errorf("PNG without a profile: got %d bytes", len(got))
	}
	// Decoding the tagged JPEG and converting it gives sRGB pixels.
	dec, err := jpeg.Decode(bytes.NewReader(files["jpeg"]))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := ToSRGB(dec, ExtractICC(files["jpeg"], "jpeg")).(*image.NRGBA); !ok {
		t.Error("tagged JPEG not converted")
	}
}

// withAPP2 inserts prof after the SOI marker as two ICC_PROFILE segments,
// the second first, as sequence numbers (not order) define the profile.
func withAPP2(jpg, prof []byte) []byte {
	half := len(prof) / 2
	seg := func(seq int, part []byte) []byte {
		d := append([]byte("ICC_PROFILE\x00"), byte(seq), 2)
		d = append(d, part...)
		return append(binary.BigEndian.AppendUint16([]byte{0xFF, 0xE2}, uint16(len(d)+2)), d...)
	}
	out := append([]byte{}, jpg[:2]...)
	out = append(out, seg(2, prof[half:])...)
	out = append(out, seg(1, prof[:half])...)
	return append(out, jpg[2:]...)
}

// withICCP inserts an iCCP chunk right after the PNG's IHDR chunk.
func withICCP(p, prof []byte) []byte {
	var z bytes.Buffer
	w := zlib.NewWriter(&z)
	w.Write(prof)
	w.Close()
	data := append([]byte("Adobe RGB\x00\x00"), z.Bytes()...)
	chunk := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	chunk = append(chunk, "iCCP"...)
	chunk = append(chunk, data...)
	chunk = binary.BigEndian.AppendUint32(chunk, crc32.ChecksumIEEE(chunk[4:]))
	ihdrEnd := 8 + 8 + 13 + 4
	out := append([]byte{}, p[:ihdrEnd]...)
	out = append(out, chunk...)
	return append(out, p[ihdrEnd:]...)
}

// webpWithICCP builds an extended WebP file header: VP8X with the ICC flag,
// then the ICCP chunk (image data is not needed to find the profile).
func webpWithICCP(prof []byte) []byte {
	chunk := func(name string, d []byte) []byte {
		c := binary.LittleEndian.AppendUint32([]byte(name), uint32(len(d)))
		c = append(c, d...)
		if len(d)%2 == 1 {
			c = append(c, 0)
		}
		return c
	}
	body := []byte("WEBP")
	body = append(body, chunk("VP8X", []byte{0x20, 0, 0, 0, 3, 0, 0, 3, 0, 0})...)
	body = append(body, chunk("ICCP", prof)...)
	return append(binary.LittleEndian.AppendUint32([]byte("RIFF"), uint32(len(body))), body...)
}

// TestToSRGBGolden shows, for the eye, swatches encoded in Adobe RGB read
// as if sRGB (top: dull) and converted (bottom: as meant).
func TestToSRGBGolden(t *testing.T) {
	cs := swatches()
	const cell = 24
	img := image.NewNRGBA(image.Rect(0, 0, len(cs)*cell, cell))
	for i, c := range cs {
		c.A = 255
		ac := toSpace(c, srgbToAdobe, adobeGamma)
		for y := range cell {
			for x := range cell {
				img.SetNRGBA(i*cell+x, y, ac)
			}
		}
	}
	conv := ToSRGB(img, makeProfile(adobeColorants, gammaCurve(563)))
	out := image.NewNRGBA(image.Rect(0, 0, len(cs)*cell, 2*cell))
	for y := range cell {
		for x := range len(cs) * cell {
			out.Set(x, y, img.At(x, y))
			out.Set(x, y+cell, conv.At(x, y))
		}
	}
	golden.Check(t, "icc-adobe", out, golden.Default)
}

func BenchmarkToSRGB(b *testing.B) {
	src := image.NewYCbCr(image.Rect(0, 0, 1000, 1000), image.YCbCrSubsampleRatio420)
	prof := makeProfile(p3Colorants, srgbCurve())
	for b.Loop() {
		ToSRGB(src, prof)
	}
}
