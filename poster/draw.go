package poster

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"math"
	"runtime/debug"

	"github.com/fogleman/gg"
	"golang.org/x/image/draw"

	"github.com/haibao/haibao/poster/picture"
)

// Draw composes the pixels of a document whose images and codes have been
// fetched. It is CPU work only. The Result's buffer is handed back for
// reuse by Result.Release.
func (e *Engine) Draw(ctx context.Context, d *Doc) (res *Result, err error) {
	if d.NeedsFetch() {
		return nil, fmt.Errorf("poster: Draw before Fetch")
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	dst, release, dirty := e.canvas(d.w, d.h)
	defer func() {
		if r := recover(); r != nil {
			release()
			res, err = nil, &PanicError{Element: "(draw)", Value: r, Stack: debug.Stack()}
		}
	}()
	var opaque bool
	inLayer := e.layerPlan(d)
	if inLayer != nil {
		ly, err := e.drawLayer(ctx, d, inLayer)
		if err != nil {
			if ctx.Err() != nil {
				release()
				return nil, ctx.Err()
			}
			panic(err) // a panic while drawing the layer, recovered by the cache
		}
		copy(dst.Pix, ly.img.Pix)
		opaque = ly.opaque
	} else {
		opaque = e.drawBackground(dst, d, dirty)
	}
	res = &Result{Image: dst, Scale: d.scale, Width: d.width, Height: d.height, Flatten: d.layout.m.flatten, release: release, opaqueBase: opaque}
	for i := range d.items {
		it := &d.items[i]
		if it.hidden {
			continue
		}
		if inLayer == nil || !inLayer[i] {
			e.draw(dst, d, it)
		}
		res.Boxes = append(res.Boxes, Box{ID: it.el.id, Type: it.el.kind.String(), X: it.x, Y: it.y, W: it.w, H: it.h})
	}
	return res, nil
}

var pictureFits = [...]picture.Fit{fitCover: picture.FitCover, fitContain: picture.FitContain, fitFill: picture.FitFill}

// pxRect converts a box in layout units to whole pixels at scale.
func pxRect(x, y, w, h, scale float64) image.Rectangle {
	return image.Rect(int(math.Round(x*scale)), int(math.Round(y*scale)),
		int(math.Round((x+w)*scale)), int(math.Round((y+h)*scale)))
}

func withOpacity(c color.NRGBA, opacity float64) color.NRGBA {
	c.A = uint8(float64(c.A)*opacity + 0.5)
	return c
}

func (e *Engine) draw(dst *image.RGBA, d *Doc, it *item) {
	el, scale := it.el, d.scale
	r := pxRect(it.x, it.y, it.w, it.h, scale)
	switch el.kind {
	case KindText:
		it.block.Draw(dst, it.x*scale, it.y*scale, el.opacity)
	case KindImage:
		im := el.image
		if it.img == nil || r.Empty() {
			return
		}
		radius := im.radius * scale
		if im.circle {
			radius = float64(min(r.Dx(), r.Dy())) / 2
		}
		fitted, _ := e.fit(d.layout, it.img, it.src, r.Dx(), r.Dy(), im.fit)
		picture.DrawBordered(dst, r, fitted, radius, el.opacity, im.border.width*scale, it.edge)
	case KindRect:
		rc := el.rect
		radius := rc.radius * scale
		switch {
		case it.grad != nil:
			g := image.NewRGBA(image.Rect(0, 0, r.Dx(), r.Dy()))
			fillGradient(g, g.Bounds(), rc.fill.gradient.angle, it.grad, 1)
			picture.DrawRounded(dst, r, g, radius, el.opacity)
		case it.fill.A > 0:
			picture.DrawRounded(dst, r, image.NewUniform(it.fill), radius, el.opacity)
		}
		if rc.stroke.width > 0 && it.edge.A > 0 {
			picture.StrokeRounded(dst, r, radius, rc.stroke.width*scale, withOpacity(it.edge, el.opacity))
		}
	case KindLine:
		ln := el.line_
		gc := gg.NewContextForRGBA(dst)
		gc.SetColor(withOpacity(it.edge, el.opacity))
		gc.SetLineWidth(ln.thickness * scale)
		gc.SetLineCapButt()
		if ln.dash != nil {
			gc.SetDash(ln.dash[0]*scale, ln.dash[1]*scale)
		}
		gc.DrawLine(it.x*scale, it.y*scale, (it.x+it.w)*scale, (it.y+it.h)*scale)
		gc.Stroke()
	case KindCode:
		if it.img == nil || r.Empty() {
			return
		}
		if it.bg.A > 0 {
			picture.DrawRounded(dst, r, image.NewUniform(it.bg), 0, el.opacity)
		}
		picture.DrawRounded(dst, r, picture.Fitted(it.img, r.Dx(), r.Dy(), picture.FitContain), 0, el.opacity)
	}
}

// fitKey names one resampled copy of a layout image or an embedded asset.
// Layout images are told apart by their layout's resources, assets by name.
type fitKey struct {
	res  *resources // nil for assets
	src  string
	w, h int
	fit  fitMode
}

type fitted struct {
	img    *image.RGBA
	opaque bool
}

func fittedBytes(f fitted) int64 { return picture.Bytes(f.img) }

// fit returns img fitted to w×h. Copies of the layout's own images and of
// embedded assets never go stale, so they are kept in the engine's fitted
// cache and repeated renders do not resample them; images from outside are
// resampled each time. opaque says whether the result covers every pixel.
func (e *Engine) fit(l *Layout, img image.Image, ref imageRef, w, h int, mode fitMode) (image.Image, bool) {
	var k fitKey
	switch {
	case ref.kind == srcAsset:
		k = fitKey{src: ref.ref, w: w, h: h, fit: mode}
	case ref.origin == OriginLayout && l.res.images[ref.ref] != nil:
		k = fitKey{res: l.res, src: ref.ref, w: w, h: h, fit: mode}
	default:
		return picture.Fitted(img, w, h, pictureFits[mode]), false
	}
	// Renders that need the same copy at once (a cold background at a new
	// scale, in every render slot) make it once.
	f, err := e.fitted.Do(context.Background(), k, func(context.Context) (fitted, error) {
		out := picture.Fitted(img, w, h, pictureFits[mode])
		var rgba *image.RGBA
		if n, ok := out.(*image.NRGBA); ok && out != img && n.Rect.Min == (image.Point{}) {
			rgba = premultiplyInPlace(n) // a fresh copy: no need for another
		} else {
			rgba = toRGBA(out)
		}
		return fitted{img: rgba, opaque: picture.Opaque(rgba)}, nil
	})
	if err != nil { // a panic in resampling, recovered by the cache
		panic(err)
	}
	return f.img, f.opaque
}

// premultiplyInPlace turns n into premultiplied RGBA over the same pixels;
// n must not be used afterwards.
func premultiplyInPlace(n *image.NRGBA) *image.RGBA {
	p := n.Pix
	for i := 0; i+3 < len(p); i += 4 {
		a := uint32(p[i+3])
		if a == 255 {
			continue
		}
		p[i] = uint8((uint32(p[i])*a + 127) / 255)
		p[i+1] = uint8((uint32(p[i+1])*a + 127) / 255)
		p[i+2] = uint8((uint32(p[i+2])*a + 127) / 255)
	}
	return &image.RGBA{Pix: p, Stride: n.Stride, Rect: n.Rect}
}

// toRGBA converts img to premultiplied RGBA, the form image/draw composites
// onto the canvas fastest; cached images are converted once.
func toRGBA(img image.Image) *image.RGBA {
	switch m := img.(type) {
	case *image.RGBA:
		if m.Rect.Min == (image.Point{}) {
			return m
		}
	case *image.NRGBA: // a decoded PNG code, every render
		return picture.Premultiplied(m)
	}
	b := img.Bounds()
	out := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(out, out.Bounds(), img, b.Min, draw.Src)
	return out
}

// drawBackground paints the canvas's background and reports whether it
// left no pixel translucent (elements drawn over it cannot make one so).
func (e *Engine) drawBackground(dst *image.RGBA, d *Doc, dirty bool) (opaque bool) {
	b := dst.Bounds()
	bg := d.bg
	var fitted image.Image
	if bg.img != nil {
		fitted, opaque = e.fit(d.layout, bg.img, bg.src, b.Dx(), b.Dy(), d.layout.m.bg.image.fit)
		opaque = opaque && fitted.Bounds().Size() == b.Size()
	}
	if opaque {
		// Nothing below shows through: a plain copy is several times
		// cheaper than compositing a megapixel, and a reused canvas
		// need not be cleared first.
		draw.Draw(dst, b, fitted, fitted.Bounds().Min, draw.Src)
		return true
	}
	if dirty {
		clear(dst.Pix)
	}
	if bg.fill.A > 0 {
		draw.Draw(dst, b, image.NewUniform(bg.fill), image.Point{}, draw.Over)
	}
	if bg.grad != nil {
		fillGradient(dst, b, d.layout.m.bg.fill.gradient.angle, bg.grad, 1)
	}
	if fitted != nil {
		picture.DrawOver(dst, b, fitted, fitted.Bounds().Min, nil, image.Point{})
	}
	opaque = bg.fill.A == 255
	if bg.grad != nil {
		opaque = true
		for _, st := range bg.grad {
			opaque = opaque && st.c.A == 255
		}
	}
	return opaque
}
