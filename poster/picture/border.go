package picture

import (
	"image"
	"image/color"
	"math"

	"golang.org/x/image/draw"
	"golang.org/x/image/vector"
)

// DrawBordered composites src over r clipped to a rounded rectangle (as
// DrawRounded) with a border of the given width just inside the edge, as
// one shape. Drawing the fill and then StrokeRounded over it leaves a faint
// ring of src outside the border: both are antialiased along the same outer
// curve, so src still shows through the part of each edge pixel the border
// only partly covers. Here src and the border are composed first and the
// result is clipped to the outer shape once, which is how browsers avoid
// background bleed under rounded borders.
func DrawBordered(dst *image.RGBA, r image.Rectangle, src image.Image, radius, opacity, width float64, c color.NRGBA) {
	r = r.Canon()
	if r.Empty() || opacity <= 0 {
		return
	}
	if width <= 0 || c.A == 0 {
		DrawRounded(dst, r, src, radius, opacity)
		return
	}
	w, h := r.Dx(), r.Dy()
	radius = math.Min(math.Max(radius, 0), float64(min(w, h))/2)
	layer := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(layer, layer.Bounds(), src, srcPoint(src), draw.Src)
	DrawOver(layer, layer.Bounds(), image.NewUniform(c), image.Point{}, outsideMask(w, h, radius, width), image.Point{})
	DrawRounded(dst, r, layer, radius, opacity)
}

// outsideMask covers a w×h rectangle except the rounded rectangle inset by
// width, the inner edge of a border; the outer edge is left hard because
// the caller clips it afterwards.
func outsideMask(w, h int, radius, width float64) *image.Alpha {
	z := vector.NewRasterizer(w, h)
	z.DrawOp = draw.Src
	fw, fh := float64(w), float64(h)
	roundedPath(z, 0, 0, fw, fh, 0, false)
	if width*2 < math.Min(fw, fh) {
		roundedPath(z, width, width, fw-width, fh-width, math.Max(radius-width, 0), true)
	}
	mask := image.NewAlpha(image.Rect(0, 0, w, h))
	z.Draw(mask, mask.Bounds(), image.Opaque, image.Point{})
	return mask
}
