package picture

import (
	"golang.org/x/image/draw"
	"image"
	"image/color"
	"math"

	"golang.org/x/image/vector"
)

// srcPoint is where drawing starts in src: its top-left, except for
// uniform colours, whose bounds are unbounded.
func srcPoint(src image.Image) image.Point {
	if _, ok := src.(*image.Uniform); ok {
		return image.Point{}
	}
	return src.Bounds().Min
}

// DrawRounded composites src over the rectangle r of dst, clipped to a
// rectangle with corners of the given radius (radius ≥ half the shorter
// side gives a circle or a stadium) and faded by opacity (0–1). src is not
// scaled: size it to r first (see Fitted).
func DrawRounded(dst *image.RGBA, r image.Rectangle, src image.Image, radius, opacity float64) {
	r = r.Canon()
	if r.Empty() || opacity <= 0 {
		return
	}
	sp := srcPoint(src)
	if radius <= 0 {
		if opacity >= 1 {
			draw.Draw(dst, r, src, sp, draw.Over)
			return
		}
		draw.DrawMask(dst, r, src, sp, image.NewUniform(color.Alpha{A: uint8(opacity*255 + 0.5)}), image.Point{}, draw.Over)
		return
	}
	mask := roundedMask(r.Dx(), r.Dy(), radius, 0, opacity)
	draw.DrawMask(dst, r, src, sp, mask, image.Point{}, draw.Over)
}

// StrokeRounded draws a border of the given width just inside the rounded
// rectangle r, in colour c.
func StrokeRounded(dst *image.RGBA, r image.Rectangle, radius, width float64, c color.NRGBA) {
	r = r.Canon()
	if r.Empty() || width <= 0 || c.A == 0 {
		return
	}
	mask := roundedMask(r.Dx(), r.Dy(), radius, width, 1)
	draw.DrawMask(dst, r, image.NewUniform(c), image.Point{}, mask, image.Point{}, draw.Over)
}

// roundedMask rasterizes a w×h rounded rectangle as an alpha mask; with
// ring > 0 only a band of that width along the edge is covered.
func roundedMask(w, h int, radius, ring, opacity float64) *image.Alpha {
	z := vector.NewRasterizer(w, h)
	z.DrawOp = draw.Src
	fw, fh := float64(w), float64(h)
	roundedPath(z, 0, 0, fw, fh, radius, false)
	if ring > 0 && ring*2 < math.Min(fw, fh) {
		roundedPath(z, ring, ring, fw-ring, fh-ring, math.Max(radius-ring, 0), true)
	}
	mask := image.NewAlpha(image.Rect(0, 0, w, h))
	z.Draw(mask, mask.Bounds(), image.Opaque, image.Point{})
	if opacity < 1 {
		for i, a := range mask.Pix {
			mask.Pix[i] = uint8(float64(a)*opacity + 0.5)
		}
	}
	return mask
}

// kappa places cubic Bézier control points to approximate a quarter circle.
const kappa = 0.5522847498

// roundedPath adds a closed rounded rectangle to z, clockwise, or
// anticlockwise when reverse is set (so it cuts a hole under the non-zero
// winding rule).
func roundedPath(z *vector.Rasterizer, x0, y0, x1, y1, r float64, reverse bool) {
	r = math.Min(r, math.Min(x1-x0, y1-y0)/2)
	k := r * kappa
	f := func(v float64) float32 { return float32(v) }
	if !reverse {
		z.MoveTo(f(x0+r), f(y0))
		z.LineTo(f(x1-r), f(y0))
		z.CubeTo(f(x1-r+k), f(y0), f(x1), f(y0+r-k), f(x1), f(y0+r))
		z.LineTo(f(x1), f(y1-r))
		z.CubeTo(f(x1), f(y1-r+k), f(x1-r+k), f(y1), f(x1-r), f(y1))
		z.LineTo(f(x0+r), f(y1))
		z.CubeTo(f(x0+r-k), f(y1), f(x0), f(y1-r+k), f(x0), f(y1-r))
		z.LineTo(f(x0), f(y0+r))
		z.CubeTo(f(x0), f(y0+r-k), f(x0+r-k), f(y0), f(x0+r), f(y0))
	} else {
		z.MoveTo(f(x0+r), f(y0))
		z.CubeTo(f(x0+r-k), f(y0), f(x0), f(y0+r-k), f(x0), f(y0+r))
		z.LineTo(f(x0), f(y1-r))
		z.CubeTo(f(x0), f(y1-r+k), f(x0+r-k), f(y1), f(x0+r), f(y1))
		z.LineTo(f(x1-r), f(y1))
		z.CubeTo(f(x1-r+k), f(y1), f(x1), f(y1-r+k), f(x1), f(y1-r))
		z.LineTo(f(x1), f(y0+r))
		z.CubeTo(f(x1), f(y0+r-k), f(x1-r+k), f(y0), f(x1-r), f(y0))
		z.LineTo(f(x0+r), f(y0))
	}
	z.ClosePath()
}
