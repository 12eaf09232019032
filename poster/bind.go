package poster

import (
	"fmt"
	"image"
	"image/color"
	"math"

	"github.com/haibao/haibao/poster/text"
)

// Doc is one request's data bound to a layout: every template filled, every
// colour parsed, every image source resolved with its origin, every code
// request built, text laid out and every element placed. It holds no
// reference to the request data, so what it draws is exactly what its Key
// names. A Doc is used by one render at a time.
type Doc struct {
	layout *Layout
	scale  float64
	width  float64 // canvas size in layout units
	height float64
	w, h   int // canvas size in pixels
	bg     boundBackground
	items  []item
	key    string
}

// item is one element as one render sees it: its content resolved from the
// data, its size measured and its place found.
type item struct {
	el     *element
	hidden bool
	x, y   float64 // layout units
	w, h   float64

	block *text.Block
	spans []text.Span // text as bound, for the key
	// shrunk says min_size made the text smaller; fits that the result
	// keeps within max_lines and height.
	shrunk, fits bool
	src          imageRef    // image elements
	img          image.Image // image or code, once fetched
	fill         color.NRGBA
	grad         []resolvedStop
	edge         color.NRGBA // stroke, border or line colour
	bg           color.NRGBA // code background
	req          CodeRequest
}

type boundBackground struct {
	fill color.NRGBA
	grad []resolvedStop
	src  imageRef
	set  bool // an image is named
	img  image.Image
}

type resolvedStop struct {
	at float64
	c  color.NRGBA
}

// Bind resolves data against l at the scale opt asks for, and checks every
// size limit before anything is fetched or drawn. It does no I/O. Numbers
// in data are best decoded with encoding/json's UseNumber, so they are
// inserted as written.
func (e *Engine) Bind(l *Layout, data map[string]any, opt RenderOptions) (*Doc, error) {
	scale := opt.Scale
	if scale == 0 {
		scale = l.m.scale
	}
	if !(scale > 0 && scale <= MaxScale) {
		return nil, fmt.Errorf("poster: %w, got %g", ErrInvalidScale, scale)
	}
	if opt.App != "" && l.App != "" && opt.App != l.App {
		return nil, fmt.Errorf("poster: %w: the request asks for app %q, layout %q makes codes for app %q", ErrAppMismatch, opt.App, l.Name, l.App)
	}
	app := l.App
	if app == "" {
		app = opt.App
	}
	if data == nil {
		data = map[string]any{}
	}
	m := l.m
	d := &Doc{layout: l, scale: scale, width: m.width, items: make([]item, len(m.elements))}
	for i, el := range m.elements {
		d.items[i].el = el
		d.items[i].hidden = el.cond != "" && !present(data, el.cond)
	}
	// Resolve in document order, so the first problem reported is the
	// first in the file.
	for i := range d.items {
		if err := e.bindItem(l, &d.items[i], data, scale, app); err != nil {
			return nil, err
		}
	}
	var err error
	if d.bg, err = bindBackground(l, data); err != nil {
		return nil, err
	}
	d.height = place(m, d.items)
	W, H := math.Round(m.width*scale), math.Round(d.height*scale)
	if W < 1 || H < 1 {
		return nil, fmt.Errorf("poster: %w: scale %g gives a %g×%g pixel canvas", ErrInvalidScale, scale, W, H)
	}
	if W*H > float64(e.cfg.MaxPixels) {
		return nil, fmt.Errorf("poster: %w: %g×%g pixels at scale %g (limit %d pixels)", ErrCanvasTooLarge, W, H, scale, e.cfg.MaxPixels)
	}
	d.w, d.h = int(W), int(H)
	if err := d.checkBuffers(); err != nil {
		return nil, err
	}
	d.key = d.digest(e.version)
	return d, nil
}

// checkBuffers refuses elements whose pixel buffer (a resampled image, a
// gradient, a code) would be out of proportion to the canvas.
func (d *Doc) checkBuffers() error {
	budget := elementBudget(d.w * d.h)
	for i := range d.items {
		it := &d.items[i]
		if it.hidden {
			continue
		}
		switch it.el.kind {
		case KindImage, KindCode:
		case KindRect:
			if it.grad == nil {
				continue
			}
		default:
			continue
		}
		r := pxRect(it.x, it.y, it.w, it.h, d.scale)
		if float64(r.Dx())*float64(r.Dy()) > float64(budget) {
			return fmt.Errorf("poster: %w: element %q needs %d×%d pixels, more than %d× its canvas", ErrCanvasTooLarge, it.el.id, r.Dx(), r.Dy(), maxElementCanvases)
		}
	}
	return nil
}

// Layout is the layout the document was bound to.
func (d *Doc) Layout() *Layout { return d.layout }

// Scale is the pixel ratio the document renders at.
func (d *Doc) Scale() float64 { return d.scale }

// Size is the canvas in pixels.
func (d *Doc) Size() (w, h int) { return d.w, d.h }

// Key names exactly the pixels the document draws: the engine version, the
// layout version (its file and every file it references), the scale and
// every resolved value. Two documents with the same key draw the same
// image, so it serves as an ETag and a cache key (with the encoding).
func (d *Doc) Key() string { return d.key }

// MissingGlyph is a character of a text element that no font draws: it
// shows as a box.
type MissingGlyph struct {
	Element string
	Rune    rune
	Script  string // Unicode script name, as Go's unicode package spells it
}

// MissingGlyphs lists, per text element, the characters drawn as boxes.
func (d *Doc) MissingGlyphs() []MissingGlyph {
	var out []MissingGlyph
	for i := range d.items {
		it := &d.items[i]
		if it.hidden || it.block == nil {
			continue
		}
		for _, m := range it.block.Missing {
			out = append(out, MissingGlyph{Element: it.el.id, Rune: m.Rune, Script: m.Script})
		}
	}
	return out
}

// NeedsFetch reports whether Fetch has anything left to load.
func (d *Doc) NeedsFetch() bool {
	if d.bg.set && d.bg.img == nil {
		return true
	}
	for i := range d.items {
		it := &d.items[i]
		if !it.hidden && (it.el.kind == KindImage || it.el.kind == KindCode) && it.img == nil {
			return true
		}
	}
	return false
}

// bindItem resolves an item's colours, text, sources and code request and
// measures it.
func (e *Engine) bindItem(l *Layout, it *item, data map[string]any, scale float64, app string) error {
	if it.hidden {
		return nil
	}
	el := it.el
	it.w, it.h = el.w, el.h
	var err error
	switch el.kind {
	case KindText:
		return bindText(l, it, data, scale)
	case KindImage:
		if it.src, err = bindImageRef(l, el.id, el.image.src, data); err != nil {
			return err
		}
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
		if it.req, err = codeRequest(it, data, scale, app); err != nil {
			return err
		}
		if el.code.background.set && !el.code.transparent {
			if it.bg, err = resolveColor(el.code.background, data, el.id); err != nil {
				return err
			}
			// The code's own fill would cover the background: ask for a
			// transparent code and paint the background under it, so
			// the quiet zone takes the background's colour.
			if it.bg.A > 0 {
				it.req.Transparent = true
			}
		}
	}
	return err
}

// bindImageRef expands an image source and resolves what it names. A source
// the layout writes out in full is the layout's (its image was loaded with
// the layout); one that takes anything from the data is the data's.
func bindImageRef(l *Layout, id string, t tmpl, data map[string]any) (imageRef, error) {
	origin := OriginLayout
	if !t.isStatic() {
		origin = OriginData
	}
	src, err := t.expand(data, id)
	if err != nil {
		return imageRef{}, err
	}
	ref, err := resolveImageRef(origin, src)
	if err != nil {
		return ref, &DataError{Element: id, Field: firstField(t), Reason: err.Error()}
	}
	return ref, nil
}

func bindBackground(l *Layout, data map[string]any) (boundBackground, error) {
	var out boundBackground
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
		if out.src, err = bindImageRef(l, "background", bg.image.src, data); err != nil {
			return out, err
		}
		out.set = true
	}
	return out, nil
}

func codeRequest(it *item, data map[string]any, scale float64, app string) (CodeRequest, error) {
	c, id := it.el.code, it.el.id
	req := CodeRequest{EnvVersion: c.envVersion, Transparent: c.transparent, App: app}
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

func firstField(t tmpl) string {
	if fs := t.fields(); len(fs) > 0 {
		return fs[0].field
	}
	return ""
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
		return color.NRGBA{}, &DataError{Element: id, Field: firstField(*c.t), Reason: "not a colour", Err: err}
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
