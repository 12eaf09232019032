package picture

import (
	"image"
	"image/color"

	"golang.org/x/image/draw"
)

// m is the largest 16-bit colour value, as image/draw computes with.
const m = 1<<16 - 1

// DrawOver composites src over dst in r through mask (nil for none), as
// draw.DrawMask with draw.Over does and to the same bytes. Posters are
// mostly drawn from pixels that are either untouched or covered whole
// (the transparent and the dark modules of a code, the inside and the
// outside of a glyph or a rounded corner): those are skipped or copied,
// and only the pixels in between are blended, with image/draw's formula.
// Other kinds of src and mask go to image/draw.
func DrawOver(dst *image.RGBA, r image.Rectangle, src image.Image, sp image.Point, mask *image.Alpha, mp image.Point) {
	if !clip(dst, &r, src, &sp, mask, &mp) {
		return
	}
	switch s := src.(type) {
	case *image.Uniform:
		if mask != nil {
			glyphOver(dst, r, s.C, mask, mp)
			return
		}
	case *image.RGBA:
		if s != dst {
			if mask == nil {
				copyOver(dst, r, s, sp)
			} else {
				maskOver(dst, r, s, sp, mask, mp)
			}
			return
		}
	case *image.NRGBA:
		if mask == nil {
			nrgbaOver(dst, r, s, sp)
			return
		}
	}
	if mask == nil {
		draw.Draw(dst, r, src, sp, draw.Over)
		return
	}
	draw.DrawMask(dst, r, src, sp, mask, mp, draw.Over)
}

// clip narrows r to what dst, src and mask all cover and moves sp and mp
// along, as image/draw does; it reports whether anything is left.
func clip(dst *image.RGBA, r *image.Rectangle, src image.Image, sp *image.Point, mask *image.Alpha, mp *image.Point) bool {
	orig := r.Min
	*r = r.Intersect(dst.Bounds())
	*r = r.Intersect(src.Bounds().Add(orig.Sub(*sp)))
	if mask != nil {
		*r = r.Intersect(mask.Bounds().Add(orig.Sub(*mp)))
	}
	if r.Empty() {
		return false
	}
	d := r.Min.Sub(orig)
	*sp, *mp = sp.Add(d), mp.Add(d)
	return true
}

// copyOver is draw.Draw(dst, r, src, sp, draw.Over) for src ≠ dst, r
// already clipped.
func copyOver(dst *image.RGBA, r image.Rectangle, src *image.RGBA, sp image.Point) {
	n := 4 * r.Dx()
	for y := 0; y < r.Dy(); y++ {
		d := dst.Pix[dst.PixOffset(r.Min.X, r.Min.Y+y):][:n]
		s := src.Pix[src.PixOffset(sp.X, sp.Y+y):][:n]
		for i := 0; i+3 < len(s) && i+3 < len(d); i += 4 {
			sp, dp := s[i:i+4:i+4], d[i:i+4:i+4]
			switch {
			case sp[0]|sp[1]|sp[2]|sp[3] == 0:
			case sp[3] == 0xff:
				copy(dp, sp)
			default:
				sa := uint32(sp[3]) * 0x101
				a := (m - sa) * 0x101
				dp[0] = uint8((uint32(dp[0])*a/m + uint32(sp[0])*0x101) >> 8)
				dp[1] = uint8((uint32(dp[1])*a/m + uint32(sp[1])*0x101) >> 8)
				dp[2] = uint8((uint32(dp[2])*a/m + uint32(sp[2])*0x101) >> 8)
				dp[3] = uint8((uint32(dp[3])*a/m + sa) >> 8)
			}
		}
	}
}

// nrgbaOver is draw.Draw(dst, r, src, sp, draw.Over) for straight-alpha
// src (a decoded PNG code), r already clipped.
func nrgbaOver(dst *image.RGBA, r image.Rectangle, src *image.NRGBA, sp image.Point) {
	n := 4 * r.Dx()
	for y := 0; y < r.Dy(); y++ {
		d := dst.Pix[dst.PixOffset(r.Min.X, r.Min.Y+y):][:n]
		s := src.Pix[src.PixOffset(sp.X, sp.Y+y):][:n]
		for i := 0; i+3 < len(s) && i+3 < len(d); i += 4 {
			sp, dp := s[i:i+4:i+4], d[i:i+4:i+4]
			switch sp[3] {
			case 0:
			case 0xff:
				dp[0], dp[1], dp[2], dp[3] = sp[0], sp[1], sp[2], 0xff
			default:
				sa := uint32(sp[3]) * 0x101
				a := (m - sa) * 0x101
				dp[0] = uint8((uint32(dp[0])*a/m + uint32(sp[0])*sa/0xff) >> 8)
				dp[1] = uint8((uint32(dp[1])*a/m + uint32(sp[1])*sa/0xff) >> 8)
				dp[2] = uint8((uint32(dp[2])*a/m + uint32(sp[2])*sa/0xff) >> 8)
				dp[3] = uint8((uint32(dp[3])*a/m + sa) >> 8)
			}
		}
	}
}

// Premultiplied converts a straight-alpha image to premultiplied RGBA at
// the origin, as draw.Draw with draw.Src does and to the same bytes, but
// copying opaque pixels and clearing transparent ones as they are.
func Premultiplied(src *image.NRGBA) *image.RGBA {
	b := src.Rect
	out := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	n := 4 * b.Dx()
	for y := 0; y < b.Dy(); y++ {
		d := out.Pix[y*out.Stride:][:n]
		s := src.Pix[src.PixOffset(b.Min.X, b.Min.Y+y):][:n]
		for i := 0; i+3 < len(s) && i+3 < len(d); i += 4 {
			sp, dp := s[i:i+4:i+4], d[i:i+4:i+4]
			switch sp[3] {
			case 0: // out is zeroed
			case 0xff:
				copy(dp, sp)
			default:
				sa := uint32(sp[3]) * 0x101
				dp[0] = uint8(uint32(sp[0]) * sa / 0xff >> 8)
				dp[1] = uint8(uint32(sp[1]) * sa / 0xff >> 8)
				dp[2] = uint8(uint32(sp[2]) * sa / 0xff >> 8)
				dp[3] = sp[3]
			}
		}
	}
	return out
}

// maskOver is draw.DrawMask(dst, r, src, sp, mask, mp, draw.Over) for
// src ≠ dst, r already clipped.
func maskOver(dst *image.RGBA, r image.Rectangle, src *image.RGBA, sp image.Point, mask *image.Alpha, mp image.Point) {
	n := 4 * r.Dx()
	for y := 0; y < r.Dy(); y++ {
		d := dst.Pix[dst.PixOffset(r.Min.X, r.Min.Y+y):][:n]
		s := src.Pix[src.PixOffset(sp.X, sp.Y+y):][:n]
		mk := mask.Pix[mask.PixOffset(mp.X, mp.Y+y):][:r.Dx()]
		for x, mv := range mk {
			i := 4 * x
			sp, dp := s[i:i+4:i+4], d[i:i+4:i+4]
			switch {
			case mv == 0 || sp[0]|sp[1]|sp[2]|sp[3] == 0:
			case mv == 0xff && sp[3] == 0xff:
				copy(dp, sp)
			default:
				ma := uint32(mv) * 0x101
				sa := uint32(sp[3]) * 0x101
				a := (m - (sa * ma / m)) * 0x101
				dp[0] = uint8((uint32(dp[0])*a + uint32(sp[0])*0x101*ma) / m >> 8)
				dp[1] = uint8((uint32(dp[1])*a + uint32(sp[1])*0x101*ma) / m >> 8)
				dp[2] = uint8((uint32(dp[2])*a + uint32(sp[2])*0x101*ma) / m >> 8)
				dp[3] = uint8((uint32(dp[3])*a + sa*ma) / m >> 8)
			}
		}
	}
}

// glyphOver is draw.DrawMask(dst, r, image.NewUniform(c), …, mask, mp,
// draw.Over), r already clipped: text and antialiased corners.
func glyphOver(dst *image.RGBA, r image.Rectangle, c color.Color, mask *image.Alpha, mp image.Point) {
	sr, sg, sb, sa := c.RGBA()
	if sr|sg|sb|sa == 0 {
		return
	}
	solid := [4]uint8{uint8(sr >> 8), uint8(sg >> 8), uint8(sb >> 8), uint8(sa >> 8)}
	n := 4 * r.Dx()
	for y := 0; y < r.Dy(); y++ {
		d := dst.Pix[dst.PixOffset(r.Min.X, r.Min.Y+y):][:n]
		mk := mask.Pix[mask.PixOffset(mp.X, mp.Y+y):][:r.Dx()]
		for x, mv := range mk {
			if mv == 0 {
				continue
			}
			dp := d[4*x : 4*x+4 : 4*x+4]
			if mv == 0xff && sa == m {
				copy(dp, solid[:])
				continue
			}
			ma := uint32(mv) * 0x101
			a := (m - (sa * ma / m)) * 0x101
			dp[0] = uint8((uint32(dp[0])*a + sr*ma) / m >> 8)
			dp[1] = uint8((uint32(dp[1])*a + sg*ma) / m >> 8)
			dp[2] = uint8((uint32(dp[2])*a + sb*ma) / m >> 8)
			dp[3] = uint8((uint32(dp[3])*a + sa*ma) / m >> 8)
		}
	}
}
