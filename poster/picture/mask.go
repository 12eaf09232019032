package picture

import (
	"golang.org/x/image/draw"
	"image"
	"image/color"
	"math"
	"sync"

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
	w, h := r.Dx(), r.Dy()
	radius = math.Min(math.Max(radius, 0), float64(min(w, h))/2)
	// Only the bands holding the corners need an antialiased mask; the rows
	// between them are drawn straight, which keeps large panels cheap.
	band := int(math.Ceil(radius))
	if 2*band >= h {
		// The corner bands meet (a stadium, or a circle of odd pixel
		// height): image.Rect would swap the solid band's inverted edges
		// into a 1-pixel line, so the whole shape goes through the mask.
		drawRegions(dst, r, src, image.Rectangle{}, []image.Rectangle{image.Rect(0, 0, w, h)}, w, h, radius, 0, opacity)
		return
	}
	regions := []image.Rectangle{image.Rect(0, 0, w, band), image.Rect(0, h-band, w, h)}
	drawRegions(dst, r, src, image.Rect(0, band, w, h-band), regions, w, h, radius, 0, opacity)
}

// StrokeRounded draws a border of the given width just inside the rounded
// rectangle r, in colour c.
func StrokeRounded(dst *image.RGBA, r image.Rectangle, radius, width float64, c color.NRGBA) {
	r = r.Canon()
	if r.Empty() || width <= 0 || c.A == 0 {
		return
	}
	w, h := r.Dx(), r.Dy()
	radius = math.Min(math.Max(radius, 0), float64(min(w, h))/2)
	band := max(int(math.Ceil(radius)), int(math.Ceil(width)))
	side := int(math.Ceil(width)) + 1
	regions := []image.Rectangle{
		image.Rect(0, 0, w, band), image.Rect(0, h-band, w, h),
		image.Rect(0, band, side, h-band), image.Rect(w-side, band, w, h-band),
	}
	if 2*band >= h || 2*side >= w {
		regions = []image.Rectangle{image.Rect(0, 0, w, h)}
	}
	drawRegions(dst, r, image.NewUniform(c), image.Rectangle{}, regions, w, h, radius, width, 1)
}

// drawRegions composites src into r: solid (relative to r) with just the
// opacity, and each of regions through a mask of the rounded shape.
func drawRegions(dst *image.RGBA, r image.Rectangle, src image.Image, solid image.Rectangle, regions []image.Rectangle, w, h int, radius, ring, opacity float64) {
	sp := srcPoint(src)
	if !solid.Empty() {
		if opacity >= 1 {
			op := draw.Over
			if rgba, ok := src.(*image.RGBA); ok && Opaque(rgba) {
				// Nothing shows through: a copy, several times cheaper.
				op = draw.Src
			}
			if u, ok := src.(*image.Uniform); ok {
				// Translucent panels cover much of a poster; a blend
				// loop over bytes is several times faster than image/draw's.
				fillOver(dst, solid.Add(r.Min), u.C)
			} else {
				drawOp(dst, solid.Add(r.Min), src, sp.Add(solid.Min), op)
			}
		} else {
			a := image.NewUniform(color.Alpha{A: uint8(opacity*255 + 0.5)})
			draw.DrawMask(dst, solid.Add(r.Min), src, sp.Add(solid.Min), a, image.Point{}, draw.Over)
		}
	}
	for _, reg := range regions {
		reg = reg.Intersect(image.Rect(0, 0, w, h))
		if reg.Empty() || (reg.Overlaps(solid) && !solid.Empty()) {
			continue
		}
		mask := shapeMask(w, h, reg, radius, ring, opacity)
		DrawOver(dst, reg.Add(r.Min), src, sp.Add(reg.Min), mask, image.Point{})
		releaseMask(mask)
	}
}

func drawOp(dst *image.RGBA, r image.Rectangle, src image.Image, sp image.Point, op draw.Op) {
	if op == draw.Over {
		DrawOver(dst, r, src, sp, nil, image.Point{})
		return
	}
	draw.Draw(dst, r, src, sp, op)
}

// Rasterizers and masks are large (a float and a byte per pixel) and every
// rounded shape of every render needs one, so they are reused.
var (
	rasterizers sync.Pool // *vector.Rasterizer
	maskBufs    sync.Pool // *[]uint8
)

func releaseMask(m *image.Alpha) {
	pix := m.Pix
	maskBufs.Put(&pix)
}

// shapeMask rasterizes the part reg of a w×h rounded rectangle as an alpha
// mask; with ring > 0 only a band of that width along the edge is covered.
func shapeMask(w, h int, reg image.Rectangle, radius, ring, opacity float64) *image.Alpha {
	rw, rh := reg.Dx(), reg.Dy()
	z, _ := rasterizers.Get().(*vector.Rasterizer)
	if z == nil {
		z = vector.NewRasterizer(rw, rh)
	} else {
		z.Reset(rw, rh)
	}
	defer rasterizers.Put(z)
	z.DrawOp = draw.Src
	ox, oy := float64(reg.Min.X), float64(reg.Min.Y)
	fw, fh := float64(w), float64(h)
	roundedPath(z, -ox, -oy, fw-ox, fh-oy, radius, false)
	if ring > 0 && ring*2 < math.Min(fw, fh) {
		roundedPath(z, ring-ox, ring-oy, fw-ring-ox, fh-ring-oy, math.Max(radius-ring, 0), true)
	}
	var pix []uint8
	if b, ok := maskBufs.Get().(*[]uint8); ok && cap(*b) >= rw*rh {
		pix = (*b)[:rw*rh]
	} else {
		pix = make([]uint8, rw*rh)
	}
	mask := &image.Alpha{Pix: pix, Stride: rw, Rect: image.Rect(0, 0, rw, rh)}
	// The rasterizer with draw.Src writes every pixel, so no clearing.
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

// fillOver composites the colour c over the rectangle r of dst, as
// draw.Draw with an *image.Uniform and draw.Over does, to within one level.
func fillOver(dst *image.RGBA, r image.Rectangle, c color.Color) {
	r = r.Intersect(dst.Rect)
	cr, cg, cb, ca := c.RGBA()
	if r.Empty() || ca == 0 {
		return
	}
	sr, sg, sb, sa := cr>>8, cg>>8, cb>>8, ca>>8
	inv := 255 - sa
	for y := r.Min.Y; y < r.Max.Y; y++ {
		row := dst.Pix[dst.PixOffset(r.Min.X, y):dst.PixOffset(r.Max.X, y)]
		for i := 0; i+3 < len(row); i += 4 {
			p := row[i : i+4 : i+4]
			p[0] = uint8(sr + (uint32(p[0])*inv+127)/255)
			p[1] = uint8(sg + (uint32(p[1])*inv+127)/255)
			p[2] = uint8(sb + (uint32(p[2])*inv+127)/255)
			p[3] = uint8(sa + (uint32(p[3])*inv+127)/255)
		}
	}
}
