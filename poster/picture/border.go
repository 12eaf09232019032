package picture

import (
	"image"
	"image/color"
	"math"
	"sync"

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
	// An avatar is bordered in every render: its scratch image and masks
	// come from pools.
	var pix []uint8
	if b, ok := layerBufs.Get().(*[]uint8); ok && cap(*b) >= 4*w*h {
		pix = (*b)[:4*w*h]
		clear(pix) // src may not cover it all
	} else {
		pix = make([]uint8, 4*w*h)
	}
	layer := &image.RGBA{Pix: pix, Stride: 4 * w, Rect: image.Rect(0, 0, w, h)}
	draw.Draw(layer, layer.Bounds(), src, srcPoint(src), draw.Src)
	outside := outsideMask(w, h, radius, width)
	DrawOver(layer, layer.Bounds(), image.NewUniform(c), image.Point{}, outside, image.Point{})
	releaseMask(outside)
	DrawRounded(dst, r, layer, radius, opacity)
	layerBufs.Put(&pix)
}

// layerBufs holds DrawBordered's scratch pixels (*[]uint8).
var layerBufs sync.Pool

// outsideMask covers a w×h rectangle except the rounded rectangle inset by
// width, the inner edge of a border; the outer edge is left hard because
// the caller clips it afterwards. The caller hands it back with releaseMask.
func outsideMask(w, h int, radius, width float64) *image.Alpha {
	z, _ := rasterizers.Get().(*vector.Rasterizer)
	if z == nil {
		z = vector.NewRasterizer(w, h)
	} else {
		z.Reset(w, h)
	}
	defer rasterizers.Put(z)
	z.DrawOp = draw.Src
	fw, fh := float64(w), float64(h)
	roundedPath(z, 0, 0, fw, fh, 0, false)
	if width*2 < math.Min(fw, fh) {
		roundedPath(z, width, width, fw-width, fh-width, math.Max(radius-width, 0), true)
	}
	var pix []uint8
	if b, ok := maskBufs.Get().(*[]uint8); ok && cap(*b) >= w*h {
		pix = (*b)[:w*h]
	} else {
		pix = make([]uint8, w*h)
	}
	mask := &image.Alpha{Pix: pix, Stride: w, Rect: image.Rect(0, 0, w, h)}
	// With draw.Src the rasterizer writes every pixel, so no clearing.
	z.Draw(mask, mask.Bounds(), image.Opaque, image.Point{})
	return mask
}
