package text

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math"

	"github.com/go-text/typesetting/font"
	ot "github.com/go-text/typesetting/font/opentype"
	xdraw "golang.org/x/image/draw"

	"github.com/haibao/haibao/poster/picture"
)

// subpixels is the number of horizontal glyph phases rendered per pixel;
// vertical positions snap to whole pixels (baselines are then crisp).
const subpixels = 4

// maxCoord bounds the positions Draw accepts, in px.
const maxCoord = 1 << 24

// Draw paints the block onto dst with its top-left corner at (x, y) and the
// given opacity in [0, 1]. Lines are aligned within MaxWidth, or within the
// block's width when MaxWidth is 0. Draw may be called concurrently, on
// different destinations.
func (b *Block) Draw(dst *image.RGBA, x, y float64, opacity float64) {
	if b == nil || dst == nil || !(opacity > 0) {
		return
	}
	opacity = math.Min(opacity, 1)
	d := drawer{dst: dst, sh: b.sh, opacity: opacity}
	defer d.release()
	b.walk(&d, x, y)
}

// Bounds returns the smallest rectangle holding every pixel Draw at (x, y)
// may change: the union of the glyphs' own masks, which is where ink
// overhangs the line boxes (accents, stacked marks, italics) is found.
// Glyphs not rendered yet are rendered and cached for the Draw to come.
func (b *Block) Bounds(x, y float64) image.Rectangle {
	if b == nil {
		return image.Rectangle{}
	}
	d := drawer{sh: b.sh}
	defer d.release()
	b.walk(&d, x, y)
	return d.ink
}

// walk places every glyph and strike of the block at (x, y) and draws it
// onto d.dst, or only adds up its rectangle in d.ink when d.dst is nil.
// Lines far outside d.dst are skipped when drawing.
func (b *Block) walk(d *drawer, x, y float64) {
	if len(b.lines) == 0 || !(math.Abs(x) < maxCoord) || !(math.Abs(y) < maxCoord) {
		return // also keeps pixel coordinates far from int overflow
	}
	box := b.box
	if box <= 0 {
		box = b.Width
	}
	var clip image.Rectangle
	if d.dst != nil {
		clip = d.dst.Bounds()
	}
	for i := range b.lines {
		ln := &b.lines[i]
		top := y + ln.top
		if d.dst != nil && (top > float64(clip.Max.Y) || top+ln.height*2 < float64(clip.Min.Y)) {
			continue // glyphs may overhang the line box a little, not a full line
		}
		lx := x
		switch b.align {
		case AlignCenter:
			lx += (box - ln.width) / 2
		case AlignRight:
			lx += box - ln.width
		}
		by := top + ln.baseline
		for j := range ln.glyphs {
			g := &ln.glyphs[j]
			if g.face.bitmap {
				d.bitmap(g, lx+g.x, by+g.y)
			} else {
				d.outline(g, lx+g.x, by+g.y)
			}
		}
		for _, s := range ln.strikes {
			d.rect(lx+s.x0, by+s.y, lx+s.x1, by+s.y+s.h, s.color)
		}
	}
}

// drawer is the state of one Draw or Bounds call.
type drawer struct {
	dst     *image.RGBA // nil when only measuring
	ink     image.Rectangle
	sh      *shared
	ctx     *shapeCtx // borrowed on the first cache miss
	opacity float64

	lastColor color.NRGBA
	src       *image.Uniform
}

func (d *drawer) release() {
	if d.ctx != nil {
		d.sh.put(d.ctx)
	}
}

func (d *drawer) context() *shapeCtx {
	if d.ctx == nil {
		d.ctx = d.sh.get()
	}
	return d.ctx
}

func (d *drawer) uniform(c color.NRGBA) *image.Uniform {
	c.A = uint8(math.Round(float64(c.A) * d.opacity))
	if d.src == nil || c != d.lastColor {
		d.lastColor, d.src = c, image.NewUniform(c)
	}
	return d.src
}

func (d *drawer) outline(g *pglyph, ox, oy float64) {
	ix := math.Floor(ox)
	sub := int8(math.Round((ox - ix) * subpixels))
	if sub == subpixels {
		ix, sub = ix+1, 0
	}
	key := glyphKey{face: g.face, gid: g.gid, size: int32(math.Round(g.size * 64)), sub: sub}
	gi := d.sh.cache.get(key)
	if gi == nil {
		gi = rasterize(d.context(), g.face, g.gid, float64(key.size)/64, float64(sub)/subpixels)
		d.sh.cache.add(key, gi)
	}
	if gi.mask == nil || g.color.A == 0 {
		return
	}
	p := image.Pt(int(ix), int(math.Round(oy))).Add(gi.off)
	r := gi.mask.Rect.Add(p)
	if d.dst == nil {
		d.ink = d.ink.Union(r)
		return
	}
	picture.DrawOver(d.dst, r, d.uniform(g.color), image.Point{}, gi.mask, image.Point{})
}

// rasterize renders a glyph outline at size px with its origin at
// (sub, 0) px; the mask's Rect starts at (0, 0) so the rasterizer can fill
// it directly.
func rasterize(ctx *shapeCtx, f *face, gid font.GID, size, sub float64) *glyphImage {
	out, ok := ctx.face(f.font).GlyphDataOutline(gid)
	if !ok || len(out.Segments) == 0 {
		return &glyphImage{}
	}
	k := float32(size / f.upem)
	fs := float32(sub)
	minX, minY := float32(math.Inf(1)), float32(math.Inf(1))
	maxX, maxY := float32(math.Inf(-1)), float32(math.Inf(-1))
	for i := range out.Segments {
		for _, p := range out.Segments[i].ArgsSlice() {
			x, y := p.X*k+fs, -p.Y*k
			minX, maxX = min(minX, x), max(maxX, x)
			minY, maxY = min(minY, y), max(maxY, y)
		}
	}
	x0, y0 := int(math.Floor(float64(minX))), int(math.Floor(float64(minY)))
	x1, y1 := int(math.Ceil(float64(maxX))), int(math.Ceil(float64(maxY)))
	w, h := x1-x0, y1-y0
	if w <= 0 || h <= 0 {
		return &glyphImage{}
	}
	dx, dy := fs-float32(x0), -float32(y0)
	z := &ctx.rast
	z.Reset(w, h)
	z.DrawOp = xdraw.Src
	open := false
	for _, s := range out.Segments {
		a := s.Args
		switch s.Op {
		case ot.SegmentOpMoveTo:
			if open {
				z.ClosePath()
			}
			z.MoveTo(a[0].X*k+dx, -a[0].Y*k+dy)
			open = true
		case ot.SegmentOpLineTo:
			z.LineTo(a[0].X*k+dx, -a[0].Y*k+dy)
		case ot.SegmentOpQuadTo:
			z.QuadTo(a[0].X*k+dx, -a[0].Y*k+dy, a[1].X*k+dx, -a[1].Y*k+dy)
		case ot.SegmentOpCubeTo:
			z.CubeTo(a[0].X*k+dx, -a[0].Y*k+dy, a[1].X*k+dx, -a[1].Y*k+dy, a[2].X*k+dx, -a[2].Y*k+dy)
		}
	}
	if open {
		z.ClosePath()
	}
	mask := image.NewAlpha(image.Rect(0, 0, w, h))
	z.Draw(mask, mask.Rect, image.Opaque, image.Point{})
	return &glyphImage{mask: mask, off: image.Pt(x0, y0)}
}

func (d *drawer) bitmap(g *pglyph, ox, oy float64) {
	bx, by, bw, bh := float64(g.bx), float64(g.by), float64(g.bw), float64(g.bh)
	if bw <= 0 || bh <= 0 { // no metrics: an em square on the baseline
		bx, by, bw, bh = 0, -0.88*g.size, g.size, g.size
	}
	x0, y0 := math.Round(ox+bx), math.Round(oy+by)
	w, h := int32(math.Max(1, math.Round(bw))), int32(math.Max(1, math.Round(bh)))
	key := glyphKey{face: g.face, gid: g.gid, w: w, h: h}
	gi := d.sh.cache.get(key)
	if gi == nil {
		gi = scaleBitmap(d.context(), g.face, g.gid, int(w), int(h))
		d.sh.cache.add(key, gi)
	}
	if gi.rgba == nil {
		return
	}
	r := gi.rgba.Rect.Add(image.Pt(int(x0), int(y0)))
	if d.dst == nil {
		d.ink = d.ink.Union(r)
		return
	}
	if d.opacity >= 1 {
		picture.DrawOver(d.dst, r, gi.rgba, image.Point{}, nil, image.Point{})
		return
	}
	a := image.NewUniform(color.Alpha{A: uint8(math.Round(255 * d.opacity))})
	xdraw.DrawMask(d.dst, r, gi.rgba, image.Point{}, a, image.Point{}, xdraw.Over)
}

// scaleBitmap decodes a colour glyph (a PNG strike, as in Noto Color
// Emoji) and scales it to w×h px.
func scaleBitmap(ctx *shapeCtx, f *face, gid font.GID, w, h int) *glyphImage {
	bm, ok := ctx.face(f.font).GlyphDataBitmap(gid)
	if !ok || bm.Format != font.PNG {
		return &glyphImage{}
	}
	src, err := png.Decode(bytes.NewReader(bm.Data))
	if err != nil {
		return &glyphImage{}
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	xdraw.CatmullRom.Scale(dst, dst.Rect, src, src.Bounds(), xdraw.Src, nil)
	return &glyphImage{rgba: dst}
}

// rect fills [x0, x1) × [y0, y1) in c, with partial rows antialiased.
func (d *drawer) rect(x0, y0, x1, y1 float64, c color.NRGBA) {
	ix0, ix1 := int(math.Round(x0)), int(math.Round(x1))
	if ix1 <= ix0 || y1 <= y0 {
		return
	}
	if d.dst == nil {
		d.ink = d.ink.Union(image.Rect(ix0, int(math.Floor(y0)), ix1, int(math.Ceil(y1))))
		return
	}
	for py := int(math.Floor(y0)); float64(py) < y1; py++ {
		cov := math.Min(y1, float64(py+1)) - math.Max(y0, float64(py))
		if cov <= 0 {
			continue
		}
		cc := c
		cc.A = uint8(math.Round(float64(c.A) * cov))
		xdraw.Draw(d.dst, image.Rect(ix0, py, ix1, py+1), d.uniform(cc), image.Point{}, xdraw.Over)
	}
}
