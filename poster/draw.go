package poster

import (
	"context"
	"golang.org/x/image/draw"
	"image"
	"image/color"
	"math"

	"github.com/fogleman/gg"
	"github.com/haibao/haibao/poster/picture"
)

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

func (e *Engine) draw(dst *image.RGBA, l *Layout, it *item, scale float64) {
	el := it.el
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
		fitted, _ := l.res.fit(it.img, it.src, r.Dx(), r.Dy(), im.fit, l.res.cacheable(it.src))
		picture.DrawRounded(dst, r, fitted, radius, el.opacity)
		if im.border.width > 0 && it.edge.A > 0 {
			picture.StrokeRounded(dst, r, radius, im.border.width*scale, withOpacity(it.edge, el.opacity))
		}
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
		if it.bg.A > 0 && !el.code.transparent {
			picture.DrawRounded(dst, r, image.NewUniform(it.bg), 0, el.opacity)
		}
		picture.DrawRounded(dst, r, picture.Fitted(it.img, r.Dx(), r.Dy(), picture.FitContain), 0, el.opacity)
	}
}

// fit returns src fitted to w×h, cached when src is one of the layout's
// static images so repeated renders do not resample it again. opaque says
// whether the result is known to cover every pixel.
func (r *resources) fit(src image.Image, key string, w, h int, mode fitMode, static bool) (img image.Image, opaque bool) {
	if !static {
		return picture.Fitted(src, w, h, pictureFits[mode]), false
	}
	k := fitKey{src: key, w: w, h: h, fit: mode}
	if v, ok := r.fitted.Load(k); ok {
		c := v.(cachedFit)
		return c.img, c.opaque
	}
	rgba := toRGBA(picture.Fitted(src, w, h, pictureFits[mode]))
	c := cachedFit{img: rgba, opaque: rgba.Opaque()}
	// Scale comes from requests, so sizes are many; keep the first few,
	// which in practice are the layout's own scales.
	if r.nfitted.Add(1) <= maxFittedPerLayout {
		v, _ := r.fitted.LoadOrStore(k, c)
		c = v.(cachedFit)
	}
	return c.img, c.opaque
}

// cacheable reports whether fitted copies of src may be kept: the layout's
// own images and embedded assets never change, remote and data images may.
func (r *resources) cacheable(src string) bool {
	return r.images[src] != nil || classifySrc(src) == srcAsset
}

type cachedFit struct {
	img    *image.RGBA
	opaque bool
}

// toRGBA converts img to premultiplied RGBA, the form image/draw composites
// onto the canvas fastest; cached images are converted once.
func toRGBA(img image.Image) *image.RGBA {
	if rgba, ok := img.(*image.RGBA); ok && rgba.Rect.Min == (image.Point{}) {
		return rgba
	}
	b := img.Bounds()
	out := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(out, out.Bounds(), img, b.Min, draw.Src)
	return out
}

type bgResolved struct {
	fill color.NRGBA
	grad []resolvedStop
	img  image.Image
	src  string
}

func (e *Engine) background(ctx context.Context, l *Layout, data map[string]any) (bgResolved, error) {
	var out bgResolved
	bg := l.m.bg
	var err error
	if bg.fill.color.set {
		if out.fill, err = resolveColor(bg.fill.color, data, "background"); err != nil {
			return out, err
		}
	}
	if bg.fill.gradient != nil {
		if out.grad, err = resolveStops(bg.fill.gradient, data, "background"); err != nil {
			return out, err
		}
	}
	if bg.image != nil {
		src, err := bg.image.src.expand(data, "background")
		if err != nil {
			return out, err
		}
		out.src = src
		if img, ok := l.res.images[src]; ok {
			out.img = img
		} else {
			// Dynamic backgrounds are rare; they go through the same checks
			// as any data-driven image.
			img, err := e.dynamicImage(ctx, "background", bg.image.src, src)
			if err != nil {
				return out, err
			}
			out.img = img
		}
	}
	return out, nil
}

func (e *Engine) drawBackground(dst *image.RGBA, l *Layout, bg bgResolved, scale float64) {
	b := dst.Bounds()
	if bg.fill.A > 0 {
		draw.Draw(dst, b, image.NewUniform(bg.fill), image.Point{}, draw.Over)
	}
	if bg.grad != nil {
		fillGradient(dst, b, l.m.bg.fill.gradient.angle, bg.grad, 1)
	}
	if bg.img != nil {
		fitted, opaque := l.res.fit(bg.img, bg.src, b.Dx(), b.Dy(), l.m.bg.image.fit, l.res.cacheable(bg.src))
		op := draw.Over
		if opaque && fitted.Bounds().Size() == b.Size() {
			// Nothing below shows through: a plain copy is several times
			// cheaper than compositing a megapixel.
			op = draw.Src
		}
		draw.Draw(dst, b, fitted, fitted.Bounds().Min, op)
	}
}
