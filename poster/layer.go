package poster

import (
	"context"
	"encoding/binary"
	"image"
	"math"
	"strings"

	"github.com/haibao/haibao/poster/picture"
)

// A layer is the bottom of a canvas drawn once and copied into every later
// render of the same layout at the same scale: the background and the
// elements whose pixels no request can change (fixed text, panels,
// decorations, the layout's own images). A render then starts from one
// copy of the layer and draws only what its data chose.
//
// Compositing is per pixel, so an element may be drawn early, into the
// layer, when nothing drawn before it in the file touches any of its
// pixels: every pixel then sees the same operations in the same order.
// A fixed element above a data-driven one therefore joins the layer only
// while their footprints are apart in this render, and the layer is keyed
// by the elements it holds and where they are.
type layer struct {
	img    *image.RGBA
	opaque bool // as drawBackground reports
}

// layerKey names one layer: which elements of which layout it holds, where
// they are, and the canvas.
type layerKey struct {
	layout *Layout
	scale  float64
	w, h   int
	elems  string // index and box of each element in the layer
}

func layerBytes(l layer) int64 { return picture.Bytes(l.img) }

// layerPlan says which items of d go into the layer, or nil when a layer
// would not help: nothing fixed can go in, the background comes from the
// data, the canvas is too large to keep a copy of, or its height follows
// the content (each new height would draw and keep another layer).
func (e *Engine) layerPlan(d *Doc) []bool {
	if d.layout.m.autoHeight || int64(d.w)*int64(d.h)*4 > maxLayerBytes || !fixedBackground(d) {
		return nil
	}
	fixed := fixedElements(d.layout.m)
	last := -1 // elements past the last fixed one need no footprint
	for i, f := range fixed {
		if f && !d.items[i].hidden {
			last = i
		}
	}
	if last < 0 {
		return nil
	}
	in := make([]bool, len(d.items))
	var above []image.Rectangle // footprints drawn over the layer
	some := false
	for i := range d.items[:last+1] {
		it := &d.items[i]
		if it.hidden {
			continue
		}
		fp := footprint(d, it)
		if fixed[i] && layoutOwnImage(d.layout, it) && !overlapsAny(fp, above) {
			in[i], some = true, true
			continue
		}
		if !fp.Empty() {
			above = append(above, fp)
		}
	}
	if !some {
		return nil
	}
	return in
}

func overlapsAny(r image.Rectangle, rs []image.Rectangle) bool {
	for _, o := range rs {
		if r.Overlaps(o) {
			return true
		}
	}
	return false
}

// footprint is a rectangle of canvas pixels holding every pixel drawing it
// may change.
func footprint(d *Doc, it *item) image.Rectangle {
	scale := d.scale
	var r image.Rectangle
	switch it.el.kind {
	case KindText:
		r = it.block.Bounds(it.x*scale, it.y*scale)
	case KindLine:
		// A stroke reaches half its width past the segment; antialiasing
		// and caps a pixel or two more.
		pad := it.el.line_.thickness*scale + 2
		x0, y0 := it.x*scale, it.y*scale
		x1, y1 := (it.x+it.w)*scale, (it.y+it.h)*scale
		r = image.Rect(int(math.Floor(min(x0, x1)-pad)), int(math.Floor(min(y0, y1)-pad)),
			int(math.Ceil(max(x0, x1)+pad)), int(math.Ceil(max(y0, y1)+pad)))
	default:
		// Images, rectangles and codes, their borders and strokes, stay
		// inside their box.
		r = pxRect(it.x, it.y, it.w, it.h, scale)
	}
	return r.Inset(-1).Intersect(image.Rect(0, 0, d.w, d.h))
}

// layoutOwnImage says an image element draws an asset or a file of the
// layout, which cannot change between renders; other elements need
// nothing fetched.
func layoutOwnImage(l *Layout, it *item) bool {
	if it.el.kind != KindImage {
		return true
	}
	return it.src.kind == srcAsset || (it.src.origin == OriginLayout && l.res.images[it.src.ref] != nil)
}

// fixedBackground says the background is the same for every request.
func fixedBackground(d *Doc) bool {
	bg := d.layout.m.bg
	if !fixedPaint(bg.fill) {
		return false
	}
	if bg.image == nil {
		return true
	}
	src := d.bg.src
	return bg.image.src.isStatic() && (src.kind == srcAsset || (src.origin == OriginLayout && d.layout.res.images[src.ref] != nil))
}

func fixedPaint(p paint) bool {
	if p.color.t != nil {
		return false
	}
	if p.gradient != nil {
		for _, s := range p.gradient.stops {
			if s.c.t != nil {
				return false
			}
		}
	}
	return true
}

// fixedElements says, per element of m, whether the layout alone decides
// what it draws and where: no condition, no template in its content, and
// a position that depends only on such elements (or the canvas). Codes
// always come from the data.
func fixedElements(m *model) []bool {
	const (
		unknown = iota
		yes
		no
	)
	state := make([]int, len(m.elements))
	index := func(id string) int {
		for i, e := range m.elements {
			if e.id == id {
				return i
			}
		}
		return -1
	}
	var fixed func(i int) bool
	fixed = func(i int) bool {
		if state[i] != unknown {
			return state[i] == yes
		}
		state[i] = no // placement references have no cycles; this only guards
		ok := fixedContent(m.elements[i])
		for _, c := range []coord{m.elements[i].x, m.elements[i].y} {
			if ok && c.ref != "" {
				j := index(c.ref)
				ok = j >= 0 && fixed(j)
			}
		}
		if ok {
			state[i] = yes
		}
		return ok
	}
	out := make([]bool, len(m.elements))
	for i := range m.elements {
		out[i] = fixed(i)
	}
	return out
}

// fixedContent says el draws the same thing whatever the data.
func fixedContent(el *element) bool {
	if el.cond != "" {
		return false
	}
	switch el.kind {
	case KindText:
		for _, s := range el.text.spans {
			if s.cond != "" || !s.text.isStatic() || s.color.t != nil {
				return false
			}
		}
		return true
	case KindImage:
		return el.image.src.isStatic() && el.image.border.color.t == nil
	case KindRect:
		return fixedPaint(el.rect.fill) && el.rect.stroke.color.t == nil
	case KindLine:
		return el.line_.color.t == nil
	}
	return false
}

// drawLayer returns the layer holding the items in, drawing it on first use.
func (e *Engine) drawLayer(ctx context.Context, d *Doc, in []bool) (layer, error) {
	var elems strings.Builder
	var buf [8]byte
	put := func(v uint64) {
		binary.LittleEndian.PutUint64(buf[:], v)
		elems.Write(buf[:])
	}
	for i, ok := range in {
		if !ok {
			continue
		}
		it := &d.items[i]
		put(uint64(i))
		for _, v := range []float64{it.x, it.y, it.w, it.h} {
			put(math.Float64bits(v))
		}
	}
	k := layerKey{layout: d.layout, scale: d.scale, w: d.w, h: d.h, elems: elems.String()}
	return e.layers.Do(ctx, k, func(context.Context) (layer, error) {
		img := image.NewRGBA(image.Rect(0, 0, d.w, d.h))
		opaque := e.drawBackground(img, d, false)
		for i, ok := range in {
			if ok {
				e.draw(img, d, &d.items[i])
			}
		}
		return layer{img: img, opaque: opaque}, nil
	})
}
