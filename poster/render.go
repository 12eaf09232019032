package poster

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"math"
	"sync"

	"github.com/haibao/haibao/poster/picture"
	"github.com/haibao/haibao/poster/text"
)

// ErrCanvasTooLarge is returned when a render would exceed the engine's
// pixel limit, e.g. a tall auto-height layout at a high scale.
var ErrCanvasTooLarge = errors.New("canvas too large")

// ErrInvalidScale is returned for a scale outside (0, 4].
var ErrInvalidScale = errors.New("scale must be greater than 0 and at most 4")

// item is one element as this render sees it: its content resolved from
// the data, its size measured and its place found.
type item struct {
	el     *element
	hidden bool
	x, y   float64 // layout units
	w, h   float64

	block *text.Block
	img   image.Image
	src   string
	fill  color.NRGBA
	grad  []resolvedStop
	edge  color.NRGBA // stroke, border or line colour
	bg    color.NRGBA // code background
	req   CodeRequest
}

type resolvedStop struct {
	at float64
	c  color.NRGBA
}

// Render draws l with data at the requested scale.
func (e *Engine) Render(ctx context.Context, l *Layout, data map[string]any, opt RenderOptions) (*Result, error) {
	scale := opt.Scale
	if scale == 0 {
		scale = l.m.scale
	}
	if !(scale > 0 && scale <= maxScale) {
		return nil, fmt.Errorf("poster: %w, got %g", ErrInvalidScale, scale)
	}
	if data == nil {
		data = map[string]any{}
	}
	m := l.m
	items := make([]item, len(m.elements))
	for i, el := range m.elements {
		items[i].el = el
		items[i].hidden = el.cond != "" && !present(data, el.cond)
	}
	// Resolve in document order, so the first problem reported is the
	// first in the file; then load what is slow, all at once.
	for i := range items {
		if err := e.prepare(l, &items[i], data, scale); err != nil {
			return nil, err
		}
	}
	if err := e.fetch(ctx, items); err != nil {
		return nil, err
	}
	height := place(m, items)
	W, H := int(math.Round(m.width*scale)), int(math.Round(height*scale))
	if W < 1 || H < 1 || W*H > e.cfg.MaxPixels {
		return nil, fmt.Errorf("poster: %w: %d×%d pixels at scale %g (limit %d pixels)", ErrCanvasTooLarge, W, H, scale, e.cfg.MaxPixels)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	dst, release := e.canvas(W, H)
	bg, err := e.background(ctx, l, data)
	if err != nil {
		release()
		return nil, err
	}
	e.drawBackground(dst, l, bg, scale)
	res := &Result{Image: dst, Scale: scale, Width: m.width, Height: height, release: release}
	for i := range items {
		it := &items[i]
		if it.hidden {
			continue
		}
		e.draw(dst, l, it, scale)
		res.Boxes = append(res.Boxes, Box{ID: it.el.id, Type: it.el.kind.String(), X: it.x, Y: it.y, W: it.w, H: it.h})
	}
	return res, nil
}

// canvas hands out a cleared RGBA image, reusing the buffer of an earlier
// released render when one is big enough.
func (e *Engine) canvas(w, h int) (*image.RGBA, func()) {
	n := w * h * 4
	var pix []uint8
	if v, ok := e.canvases.Get().(*[]uint8); ok && cap(*v) >= n {
		pix = (*v)[:n]
		clear(pix)
	} else {
		if ok {
			e.canvases.Put(v)
		}
		pix = make([]uint8, n)
	}
	img := &image.RGBA{Pix: pix, Stride: w * 4, Rect: image.Rect(0, 0, w, h)}
	var once sync.Once
	return img, func() { once.Do(func() { e.canvases.Put(&pix) }) }
}

// fetch loads the slow things of a render, remote images and codes, all at
// once, so their latencies overlap.
func (e *Engine) fetch(ctx context.Context, items []item) error {
	var wg sync.WaitGroup
	errs := make([]error, len(items))
	for i := range items {
		it := &items[i]
		switch {
		case it.hidden:
		case it.el.kind == KindImage && it.img == nil:
			wg.Add(1)
			go func() {
				defer wg.Done()
				it.img, errs[i] = e.dynamicImage(ctx, it.el.id, it.el.image.src, it.src)
			}()
		case it.el.kind == KindCode:
			wg.Add(1)
			go func() {
				defer wg.Done()
				img, err := e.codes.Code(ctx, it.req)
				if err != nil {
					errs[i] = &CodeError{Element: it.el.id, Err: err}
					return
				}
				it.img = img
			}()
		}
	}
	wg.Wait()
	return errors.Join(errs...)
}

// dynamicImage loads an image whose source came from the data. Such a
// source may name a remote URL, a data: URL or an embedded asset, never a
// file: request data must not reach the file system.
func (e *Engine) dynamicImage(ctx context.Context, id string, t tmpl, src string) (image.Image, error) {
	field := ""
	if fs := t.fields(); len(fs) > 0 {
		field = fs[0].field
	}
	fail := func(reason string, err error) error {
		return &DataError{Element: id, Field: field, Reason: reason, Err: err}
	}
	switch classifySrc(src) {
	case srcAsset:
		img, err := e.asset(src[len("asset:"):])
		if err != nil {
			return nil, fail(err.Error(), nil)
		}
		return img, nil
	case srcData:
		img, err := picture.DecodeDataURL(src, e.limits())
		if err != nil {
			return nil, fail("data URL is not a usable image", err)
		}
		return img, nil
	case srcRemote:
		if e.cfg.Images == nil {
			return nil, fail("remote images are not enabled here", nil)
		}
		img, err := e.cfg.Images.LoadImage(ctx, src)
		if err != nil {
			if ctx.Err() != nil {
				return nil, err
			}
			return nil, fail("image could not be loaded", err)
		}
		return img, nil
	}
	return nil, fail("must be an http(s) URL, a data: URL or asset:NAME", nil)
}

func (e *Engine) codeRequest(it *item, data map[string]any, scale float64) (CodeRequest, error) {
	c, id := it.el.code, it.el.id
	req := CodeRequest{EnvVersion: c.envVersion, Transparent: c.transparent}
	var err error
	if req.Page, err = c.page.expand(data, id); err != nil {
		return req, err
	}
	if req.Scene, err = c.scene.expand(data, id); err != nil {
		return req, err
	}
	if req.Path, err = c.path.expand(data, id); err != nil {
		return req, err
	}
	req.Width = min(max(int(math.Round(it.el.w*scale)), 280), 1280)
	if c.lineColor.set {
		lc, err := resolveColor(c.lineColor, data, id)
		if err != nil {
			return req, err
		}
		req.LineColor = color.RGBA{R: lc.R, G: lc.G, B: lc.B, A: 255}
	} else {
		req.LineColor = color.RGBA{A: 255}
	}
	return req, nil
}

func resolveColor(c colorVal, data map[string]any, id string) (color.NRGBA, error) {
	if c.t == nil {
		return c.c, nil
	}
	s, err := c.t.expand(data, id)
	if err != nil {
		return color.NRGBA{}, err
	}
	v, err := ParseColor(s)
	if err != nil {
		field := ""
		if fs := c.t.fields(); len(fs) > 0 {
			field = fs[0].field
		}
		return color.NRGBA{}, &DataError{Element: id, Field: field, Reason: "not a colour", Err: err}
	}
	return v, nil
}

func resolveStops(g *gradient, data map[string]any, id string) ([]resolvedStop, error) {
	out := make([]resolvedStop, len(g.stops))
	for i, s := range g.stops {
		c, err := resolveColor(s.c, data, id)
		if err != nil {
			return nil, err
		}
		out[i] = resolvedStop{at: s.at, c: c}
	}
	return out, nil
}

// prepare resolves an item's colours and text and measures it.
func (e *Engine) prepare(l *Layout, it *item, data map[string]any, scale float64) error {
	if it.hidden {
		return nil
	}
	el := it.el
	it.w, it.h = el.w, el.h
	var err error
	switch el.kind {
	case KindText:
		return e.prepareText(l, it, data, scale)
	case KindImage:
		if it.src, err = el.image.src.expand(data, el.id); err != nil {
			return err
		}
		it.img = l.res.images[it.src] // nil: loaded by fetch
		if el.image.border.color.set {
			it.edge, err = resolveColor(el.image.border.color, data, el.id)
		}
	case KindRect:
		r := el.rect
		if r.fill.color.set {
			if it.fill, err = resolveColor(r.fill.color, data, el.id); err != nil {
				return err
			}
		}
		if r.fill.gradient != nil {
			if it.grad, err = resolveStops(r.fill.gradient, data, el.id); err != nil {
				return err
			}
		}
		if r.stroke.color.set {
			it.edge, err = resolveColor(r.stroke.color, data, el.id)
		}
	case KindLine:
		it.edge, err = resolveColor(el.line_.color, data, el.id)
	case KindCode:
		if it.req, err = e.codeRequest(it, data, scale); err != nil {
			return err
		}
		if el.code.background.set {
			it.bg, err = resolveColor(el.code.background, data, el.id)
		}
	}
	return err
}

// place finds every element's position in document-independent placement
// order and returns the canvas height.
func place(m *model, items []item) float64 {
	for _, i := range m.order {
		it := &items[i]
		if it.hidden {
			it.w, it.h = 0, 0
		}
		it.x = resolveCoord(it.el.x, it.w, m.width, items, m, it.hidden, false)
		it.y = resolveCoord(it.el.y, it.h, m.height, items, m, it.hidden, true)
	}
	if !m.autoHeight {
		return m.height
	}
	bottom := 0.0
	for i := range items {
		if !items[i].hidden {
			bottom = max(bottom, items[i].y+items[i].h)
		}
	}
	return math.Ceil(bottom + m.padding)
}

func resolveCoord(c coord, size, canvas float64, items []item, m *model, hidden, vertical bool) float64 {
	gap := c.value
	if hidden {
		// A hidden element takes no room, so whatever is placed against it
		// lands where it would have started, without a doubled gap.
		gap = 0
	}
	var ref *item
	if c.ref != "" {
		for i := range m.elements {
			if m.elements[i].id == c.ref {
				ref = &items[i]
				break
			}
		}
	}
	start := func(r *item) float64 {
		if vertical {
			return r.y
		}
		return r.x
	}
	extent := func(r *item) float64 {
		if vertical {
			return r.h
		}
		return r.w
	}
	switch c.how {
	case anchorCenter:
		return (canvas - size) / 2
	case anchorAfter:
		return start(ref) + extent(ref) + gap
	case anchorBefore:
		return start(ref) - gap - size
	case anchorAlign:
		return start(ref) + c.value
	}
	return c.value
}
