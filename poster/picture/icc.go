package picture

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"image"
	"image/color"
	"io"
	"math"
)

// maxICC bounds an embedded colour profile. Matrix/TRC profiles, the only
// kind converted, take a few kilobytes; a JPEG could chain 255 segments.
const maxICC = 1 << 20

// ExtractICC returns the ICC profile embedded in an encoded image of the
// given format ("jpeg": APP2 ICC_PROFILE segments in sequence order, "png":
// the iCCP chunk, "webp": the ICCP chunk), or nil if there is none or it
// is malformed or over 1 MiB.
func ExtractICC(b []byte, format string) []byte {
	switch format {
	case "jpeg":
		return jpegICC(b)
	case "png":
		return pngICC(b)
	case "webp":
		return webpICC(b)
	}
	return nil
}

func jpegICC(b []byte) []byte {
	if len(b) < 4 || b[0] != 0xFF || b[1] != 0xD8 {
		return nil
	}
	const sig = "ICC_PROFILE\x00"
	var parts [256][]byte
	count, total := 0, 0
	for i := 2; i+4 <= len(b); {
		if b[i] != 0xFF {
			return nil
		}
		marker := b[i+1]
		if marker == 0xFF { // fill byte
			i++
			continue
		}
		if marker == 0xD8 || marker >= 0xD0 && marker <= 0xD7 || marker == 0x01 {
			i += 2
			continue
		}
		if marker == 0xDA || marker == 0xD9 { // scan data: no more metadata
			break
		}
		n := int(binary.BigEndian.Uint16(b[i+2:]))
		if n < 2 || i+2+n > len(b) {
			return nil
		}
		seg := b[i+4 : i+2+n]
		if marker == 0xE2 && len(seg) > len(sig)+2 && string(seg[:len(sig)]) == sig {
			seq, cnt := int(seg[len(sig)]), int(seg[len(sig)+1])
			if seq == 0 || cnt == 0 || seq > cnt || count != 0 && cnt != count {
				return nil
			}
			count = cnt
			parts[seq] = seg[len(sig)+2:]
			if total += len(parts[seq]); total > maxICC {
				return nil
			}
		}
		i += 2 + n
	}
	if count == 0 {
		return nil
	}
	out := make([]byte, 0, total)
	for seq := 1; seq <= count; seq++ {
		if parts[seq] == nil {
			return nil
		}
		out = append(out, parts[seq]...)
	}
	return out
}

func pngICC(b []byte) []byte {
	const magic = "\x89PNG\r\n\x1a\n"
	if len(b) < len(magic) || string(b[:len(magic)]) != magic {
		return nil
	}
	for i := len(magic); i+8 <= len(b); {
		n := int(binary.BigEndian.Uint32(b[i:]))
		typ := string(b[i+4 : i+8])
		if n < 0 || n > len(b)-i-12 {
			return nil
		}
		data := b[i+8 : i+8+n]
		switch typ {
		case "iCCP":
			// Profile name (1–79 bytes), NUL, compression method 0, zlib data.
			z := bytes.IndexByte(data, 0)
			if z < 1 || z+2 > len(data) || data[z+1] != 0 {
				return nil
			}
			r, err := zlib.NewReader(bytes.NewReader(data[z+2:]))
			if err != nil {
				return nil
			}
			defer r.Close()
			p, err := io.ReadAll(io.LimitReader(r, maxICC+1))
			if err != nil || len(p) > maxICC {
				return nil
			}
			return p
		case "IDAT", "IEND": // iCCP must come before the image data
			return nil
		}
		i += 12 + n
	}
	return nil
}

func webpICC(b []byte) []byte {
	if len(b) < 12 || string(b[:4]) != "RIFF" || string(b[8:12]) != "WEBP" {
		return nil
	}
	for i := 12; i+8 <= len(b); {
		n := int(binary.LittleEndian.Uint32(b[i+4:]))
		if n < 0 || n > len(b)-i-8 {
			return nil
		}
		if string(b[i:i+4]) == "ICCP" {
			if n > maxICC {
				return nil
			}
			return b[i+8 : i+8+n]
		}
		i += 8 + n + n&1 // chunks are padded to even sizes
	}
	return nil
}

// rgbProfile is what conversion needs of a matrix/TRC RGB profile: the
// tone curve of each channel and the colorants, in the D50 XYZ space all
// ICC profiles share.
type rgbProfile struct {
	curves [3]curve
	m      [3][3]float64 // columns: red, green, blue colorant XYZ
}

// curve maps an encoded channel value (0–1) to linear light.
type curve func(float64) float64

// srgbD50 is the matrix of the sRGB colorants adapted to D50, as the ICC's
// own sRGB profile gives them.
var srgbD50 = [3][3]float64{
	{0.4360747, 0.3850649, 0.1430804},
	{0.2225045, 0.7168786, 0.0606169},
	{0.0139322, 0.0971045, 0.7141733},
}

// ToSRGB converts img from the colour space of the ICC profile to sRGB,
// which is what browsers do before showing a photo. Images without a
// profile, with an sRGB one, or with a kind this does not convert (grey,
// CMYK, lookup-table profiles) come back unchanged; so does anything
// malformed, as a slightly dull photo beats a failed poster.
func ToSRGB(img image.Image, profile []byte) image.Image {
	if len(profile) == 0 || img == nil {
		return img
	}
	p, ok := parseRGBProfile(profile)
	if !ok || p.isSRGB() {
		return img
	}
	// linear sRGB = inverse(sRGB colorants) × profile colorants × linear in.
	inv, ok := invert(srgbD50)
	if !ok {
		return img
	}
	m := mul(inv, p.m)
	var in [3][256]float32
	for c := range 3 {
		for v := range 256 {
			in[c][v] = float32(p.curves[c](float64(v) / 255))
		}
	}
	const outN = 4096
	var out [outN + 1]uint8
	for i := range out {
		out[i] = uint8(math.Round(255 * srgbEncode(float64(i)/outN)))
	}
	encode := func(x float32) uint8 {
		switch {
		case x <= 0:
			return 0
		case x >= 1:
			return 255
		}
		return out[int(x*outN+0.5)]
	}
	var mf [3][3]float32
	for i := range 3 {
		for j := range 3 {
			mf[i][j] = float32(m[i][j])
		}
	}
	b := img.Bounds()
	dst := image.NewNRGBA(b)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		row := dst.Pix[(y-b.Min.Y)*dst.Stride:]
		for x := b.Min.X; x < b.Max.X; x++ {
			c := nrgbaAt(img, x, y)
			r, g, bl := in[0][c.R], in[1][c.G], in[2][c.B]
			o := row[(x-b.Min.X)*4:]
			o[0] = encode(mf[0][0]*r + mf[0][1]*g + mf[0][2]*bl)
			o[1] = encode(mf[1][0]*r + mf[1][1]*g + mf[1][2]*bl)
			o[2] = encode(mf[2][0]*r + mf[2][1]*g + mf[2][2]*bl)
			o[3] = c.A
		}
	}
	return dst
}

// isSRGB reports a profile close enough to sRGB that converting would
// change no 8-bit value: colorants within 0.002 and curves within half a
// step of sRGB's.
func (p *rgbProfile) isSRGB() bool {
	for i := range 3 {
		for j := range 3 {
			if math.Abs(p.m[i][j]-srgbD50[i][j]) > 0.002 {
				return false
			}
		}
	}
	for _, c := range p.curves {
		for v := 0; v <= 255; v += 5 {
			x := float64(v) / 255
			if math.Abs(srgbEncode(c(x))-x) > 0.5/255 {
				return false
			}
		}
	}
	return true
}

func srgbEncode(l float64) float64 {
	if l <= 0.0031308 {
		return 12.92 * l
	}
	return 1.055*math.Pow(l, 1/2.4) - 0.055
}

// parseRGBProfile reads the header and the colorant and tone-curve tags of
// an ICC profile (versions 2 and 4) whose data colour space is RGB and
// whose connection space is XYZ.
func parseRGBProfile(b []byte) (*rgbProfile, bool) {
	if len(b) < 132 || string(b[36:40]) != "acsp" || string(b[16:20]) != "RGB " || string(b[20:24]) != "XYZ " {
		return nil, false
	}
	n := int(binary.BigEndian.Uint32(b[128:]))
	if n > (len(b)-132)/12 {
		return nil, false
	}
	tags := map[string][]byte{}
	for i := range n {
		e := b[132+12*i:]
		off, size := int(binary.BigEndian.Uint32(e[4:])), int(binary.BigEndian.Uint32(e[8:]))
		if off < 0 || size < 0 || off > len(b) || size > len(b)-off {
			return nil, false
		}
		tags[string(e[:4])] = b[off : off+size]
	}
	p := &rgbProfile{}
	for c, names := range [3][2]string{{"rXYZ", "rTRC"}, {"gXYZ", "gTRC"}, {"bXYZ", "bTRC"}} {
		xyz, ok := readXYZ(tags[names[0]])
		if !ok {
			return nil, false
		}
		for i := range 3 {
			p.m[i][c] = xyz[i]
		}
		if p.curves[c], ok = readCurve(tags[names[1]]); !ok {
			return nil, false
		}
	}
	return p, true
}

func s15(b []byte) float64 { return float64(int32(binary.BigEndian.Uint32(b))) / 65536 }

func readXYZ(t []byte) ([3]float64, bool) {
	if len(t) < 20 || string(t[:4]) != "XYZ " {
		return [3]float64{}, false
	}
	return [3]float64{s15(t[8:]), s15(t[12:]), s15(t[16:])}, true
}

// readCurve reads a curv (identity, gamma or sampled table) or para
// (parametric, function types 0–4) tone curve.
func readCurve(t []byte) (curve, bool) {
	if len(t) < 12 {
		return nil, false
	}
	switch string(t[:4]) {
	case "curv":
		n := int(binary.BigEndian.Uint32(t[8:]))
		switch {
		case n == 0:
			return func(x float64) float64 { return x }, true
		case n == 1:
			if len(t) < 14 {
				return nil, false
			}
			g := float64(binary.BigEndian.Uint16(t[12:])) / 256
			return func(x float64) float64 { return math.Pow(x, g) }, true
		case n > (len(t)-12)/2:
			return nil, false
		}
		table := make([]float64, n)
		for i := range table {
			table[i] = float64(binary.BigEndian.Uint16(t[12+2*i:])) / 65535
		}
		return func(x float64) float64 {
			pos := x * float64(n-1)
			i := int(pos)
			if i >= n-1 {
				return table[n-1]
			}
			f := pos - float64(i)
			return table[i]*(1-f) + table[i+1]*f
		}, true
	case "para":
		typ := binary.BigEndian.Uint16(t[8:])
		need := [5]int{1, 3, 4, 5, 7}
		if typ > 4 || len(t) < 12+4*need[typ] {
			return nil, false
		}
		var a [7]float64
		for i := range need[typ] {
			a[i] = s15(t[12+4*i:])
		}
		g, pa, pb, pc, pd, pe, pf := a[0], a[1], a[2], a[3], a[4], a[5], a[6]
		pow := func(v float64) float64 {
			if v <= 0 {
				return 0
			}
			return math.Pow(v, g)
		}
		switch typ {
		case 0:
			return pow, true
		case 1:
			return func(x float64) float64 {
				if x >= -pb/pa {
					return pow(pa*x + pb)
				}
				return 0
			}, true
		case 2:
			return func(x float64) float64 {
				if x >= -pb/pa {
					return pow(pa*x+pb) + pc
				}
				return pc
			}, true
		case 3:
			return func(x float64) float64 {
				if x >= pd {
					return pow(pa*x + pb)
				}
				return pc * x
			}, true
		default:
			return func(x float64) float64 {
				if x >= pd {
					return pow(pa*x+pb) + pe
				}
				return pc*x + pf
			}, true
		}
	}
	return nil, false
}

func mul(a, b [3][3]float64) [3][3]float64 {
	var out [3][3]float64
	for i := range 3 {
		for j := range 3 {
			for k := range 3 {
				out[i][j] += a[i][k] * b[k][j]
			}
		}
	}
	return out
}

func invert(m [3][3]float64) ([3][3]float64, bool) {
	a, b, c := m[0][0], m[0][1], m[0][2]
	d, e, f := m[1][0], m[1][1], m[1][2]
	g, h, i := m[2][0], m[2][1], m[2][2]
	det := a*(e*i-f*h) - b*(d*i-f*g) + c*(d*h-e*g)
	if math.Abs(det) < 1e-12 {
		return [3][3]float64{}, false
	}
	return [3][3]float64{
		{(e*i - f*h) / det, (c*h - b*i) / det, (b*f - c*e) / det},
		{(f*g - d*i) / det, (a*i - c*g) / det, (c*d - a*f) / det},
		{(d*h - e*g) / det, (b*g - a*h) / det, (a*e - b*d) / det},
	}, true
}

// nrgbaAt reads one pixel, directly for the types decoders return most
// (JPEG's YCbCr, PNG's NRGBA) rather than through the colour interfaces.
func nrgbaAt(img image.Image, x, y int) color.NRGBA {
	switch m := img.(type) {
	case *image.YCbCr:
		yi, ci := m.YOffset(x, y), m.COffset(x, y)
		r, g, b := color.YCbCrToRGB(m.Y[yi], m.Cb[ci], m.Cr[ci])
		return color.NRGBA{r, g, b, 255}
	case *image.NRGBA:
		return m.NRGBAAt(x, y)
	}
	return color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
}
