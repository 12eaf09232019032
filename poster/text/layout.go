package text

import (
	"image/color"
	"math"
	"slices"
	"strings"
	"unicode"

	"github.com/go-text/typesetting/bidi"
	"github.com/go-text/typesetting/di"
	"github.com/go-text/typesetting/font"
	ot "github.com/go-text/typesetting/font/opentype"
	"github.com/go-text/typesetting/language"
	"github.com/go-text/typesetting/segmenter"
	"github.com/go-text/typesetting/shaping"
	"golang.org/x/image/math/fixed"
	"golang.org/x/image/vector"
)

// shapeCtx is the mutable state of one layout or draw: go-text faces and
// the shaper cache per-face data and are not safe for concurrent use, so
// each goroutine borrows a context from the pool.
type shapeCtx struct {
	shaper shaping.HarfbuzzShaper
	faces  map[*font.Font]*font.Face
	seg    segmenter.Segmenter
	bidi   bidi.Paragraph
	rast   vector.Rasterizer

	// Scratch buffers reused between layouts.
	runes  []rune
	spanOf []int32
	flags  []uint8
	levels []uint8 // bidi embedding level per rune; nil when all are 0
	groups [][2]int
	order  []int
	cl     []cluster
	gl     []sglyph
}

// maxCtxFaces bounds the faces one pooled context keeps; layouts with many
// custom fonts start afresh rather than pinning them all.
const maxCtxFaces = 32

func (c *shapeCtx) face(f *font.Font) *font.Face {
	fc := c.faces[f]
	if fc == nil {
		if len(c.faces) >= maxCtxFaces {
			// The shaper's cached fonts may still point at the dropped
			// faces; they stay private to this context, so that is safe.
			clear(c.faces)
		}
		fc = font.NewFace(f)
		c.faces[f] = fc
	}
	return fc
}

func (sh *shared) get() *shapeCtx {
	if c, ok := sh.ctxs.Get().(*shapeCtx); ok {
		return c
	}
	return &shapeCtx{faces: map[*font.Font]*font.Face{}}
}

func (sh *shared) put(c *shapeCtx) {
	c.cl = c.cl[:0]
	c.gl = c.gl[:0]
	sh.ctxs.Put(c)
}

// Break flags per rune position i (a boundary before rune i).
const (
	brAllowed   uint8 = 1 << iota // a line may break here
	brMandatory                   // a line must break here
	brGrapheme                    // a grapheme cluster starts here
)

// cluster is the unit of line breaking: one or more grapheme clusters
// shaped into glyphs together (one ideograph, one letter, a ligature, a
// ZWJ emoji sequence).
type cluster struct {
	start, end int32 // runes
	g0, g1     int32 // glyphs in shapeCtx.gl
	span       int32
	face       *face
	level      uint8   // bidi embedding level: odd is right to left
	adv        float64 // px, letter spacing included
	ls         float64 // the letter spacing part of adv
	space      bool
	newline    bool
}

// sglyph is a shaped glyph, positioned relative to its cluster's pen.
type sglyph struct {
	gid  font.GID
	x, y float64 // px, y down
	// Extents in px (y down) of colour bitmap glyphs, which are placed by
	// their metrics rather than rasterized from outlines.
	bx, by, bw, bh float32
}

var chinese = language.NewLanguage("zh-Hans")

var noLigatures = []shaping.FontFeature{
	{Tag: ot.MustNewTag("liga"), Value: 0},
	{Tag: ot.MustNewTag("clig"), Value: 0},
}

// layouter holds what one Layout call works on.
type layouter struct {
	set     *FontSet
	p       *Paragraph
	ctx     *shapeCtx
	chains  [][]*face
	ell     string // the ellipsis text, once shaped
	missing []Missing
}

// Layout shapes and breaks p into lines. The Block it returns holds no
// reference to p.
func (s *FontSet) Layout(p Paragraph) (*Block, error) {
	if err := p.validate(); err != nil {
		return nil, err
	}
	l := &layouter{set: s, p: &p, chains: make([][]*face, len(p.Spans))}
	for i, sp := range p.Spans {
		c, err := s.chain(sp.Family, sp.Weight)
		if err != nil {
			return nil, err
		}
		l.chains[i] = c
	}
	l.ctx = s.shared.get()
	defer s.shared.put(l.ctx)
	return l.layout(), nil
}

func (l *layouter) layout() *Block {
	ctx, p := l.ctx, l.p
	b := &Block{box: p.MaxWidth, align: p.Align, sh: l.set.shared}

	ctx.runes, ctx.spanOf = ctx.runes[:0], ctx.spanOf[:0]
	for i, sp := range p.Spans {
		for _, r := range sanitize(sp.Text) {
			ctx.runes = append(ctx.runes, r)
			ctx.spanOf = append(ctx.spanOf, int32(i))
		}
	}
	if len(ctx.runes) == 0 {
		return b
	}
	ctx.flags = breakFlags(&ctx.seg, ctx.runes, ctx.flags)
	ctx.levels = bidiLevels(&ctx.bidi, ctx.runes, ctx.levels)
	l.shape(ctx.runes, ctx.spanOf, ctx.flags, ctx.levels)

	b.Missing = l.missing
	l.compress(ctx.cl)
	lines := l.wrap(ctx.cl)
	if p.MaxLines > 0 && len(lines) > p.MaxLines {
		lines = lines[:p.MaxLines]
		b.Truncated = true
		last := &lines[len(lines)-1]
		if p.MaxLines == 1 && !ctx.cl[last.to-1].newline {
			// A one-line text is cut by characters, as CSS text-overflow
			// does, rather than at its last word boundary: the line takes
			// everything up to the next forced break and the ellipsis
			// trims it to fit.
			for last.to < len(ctx.cl) && !ctx.cl[last.to].newline {
				last.to++
			}
		}
		l.ellipsis(last, ctx.cl[last.to-1].span)
	}
	lh := p.LineHeight
	if lh == 0 {
		lh = defaultLineHeight
	}
	b.lines = make([]line, 0, len(lines))
	for _, lr := range lines {
		ln := l.build(lr, lh)
		ln.top = b.Height
		b.Height += ln.height
		b.Width = math.Max(b.Width, ln.width)
		b.lines = append(b.lines, ln)
	}
	b.Lines = len(b.lines)
	return b
}

// breakFlags fills flags[0:len(text)+1] from UAX #14 and UAX #29, then
// applies the Chinese rules.
func breakFlags(seg *segmenter.Segmenter, text []rune, flags []uint8) []uint8 {
	flags = append(flags[:0], make([]uint8, len(text)+1)...)
	seg.Init(text)
	for it := seg.LineIterator(); it.Next(); {
		ln := it.Line()
		end := ln.Offset + len(ln.Text)
		flags[end] |= brAllowed
		if ln.IsMandatoryBreak {
			flags[end] |= brMandatory
		}
	}
	for it := seg.GraphemeIterator(); it.Next(); {
		flags[it.Grapheme().Offset] |= brGrapheme
	}
	prev := 0 // start of the previous grapheme
	for i := 1; i < len(text); i++ {
		if flags[i]&brGrapheme == 0 {
			continue
		}
		a, b := text[prev], text[i]
		prev = i
		if flags[i]&brMandatory != 0 {
			continue
		}
		switch {
		case noStart[b] || noEnd[a]:
			flags[i] &^= brAllowed
		case a == '/' && !unicode.IsSpace(b) && !ideographic(b):
			// UAX #14 breaks after the slashes of a URL ("https://" then
			// the host); browsers keep a URL whole while it fits.
			flags[i] &^= brAllowed
		case ideographic(a) && loose(b) || ideographic(b) && loose(a):
			flags[i] |= brAllowed
		}
	}
	return flags
}

// loose reports runes that a line may break next to when the other side
// is ideographic. UAX #14 keeps quotation marks attached on both sides,
// which Chinese text does not; symbols such as hyphens and slashes keep
// their UAX #14 behaviour.
func loose(r rune) bool {
	return ideographic(r) || unicode.IsLetter(r) || unicode.IsNumber(r) ||
		r == '“' || r == '”' || r == '‘' || r == '’'
}

// shape itemizes text into runs of one span, face, script and bidi level
// (levels nil means all 0), shapes them and appends the resulting clusters
// to the context, in logical order.
func (l *layouter) shape(text []rune, spanOf []int32, flags, levels []uint8) {
	type run struct {
		start, end int
		span       int32
		face       *face
		script     language.Script
		level      uint8
	}
	var cur run
	flush := func() {
		if cur.end > cur.start {
			l.shapeRun(text, flags, cur.start, cur.end, cur.span, cur.face, cur.script, cur.level)
		}
	}
	n := len(text)
	for a := 0; a < n; {
		b := a + 1
		for b < n && flags[b]&brGrapheme == 0 {
			b++
		}
		g := text[a:b]
		span := spanOf[a]
		if text[a] == '\n' {
			flush()
			cur = run{start: b, end: b}
			l.ctx.cl = append(l.ctx.cl, cluster{
				start: int32(a), end: int32(b), span: span, face: l.chains[span][0],
				g0: int32(len(l.ctx.gl)), g1: int32(len(l.ctx.gl)), newline: true, space: true,
			})
			a = b
			continue
		}
		f := pick(l.chains[span], g)
		if !f.has(g) {
			l.noteMissing(f, g)
		}
		sc := script(g)
		var lv uint8
		if levels != nil {
			lv = levels[a]
		}
		if cur.end == a && cur.end > cur.start && cur.span == span && cur.face == f && cur.level == lv &&
			(sc == language.Common || cur.script == language.Common || sc == cur.script) {
			cur.end = b
			if cur.script == language.Common {
				cur.script = sc
			}
		} else {
			flush()
			cur = run{start: a, end: b, span: span, face: f, script: sc, level: lv}
		}
		a = b
	}
	flush()
}

// pick returns the first face of the chain that shows all of g, trying
// colour emoji faces first for emoji-presentation clusters.
func pick(chain []*face, g []rune) *face {
	if wantsEmoji(g) {
		for _, f := range chain {
			if f.bitmap && f.has(g) {
				return f
			}
		}
	}
	for _, f := range chain {
		if f.has(g) {
			return f
		}
	}
	return chain[0]
}

func script(g []rune) language.Script {
	for _, r := range g {
		if s := language.LookupScript(r); s != language.Common && s != language.Inherited {
			return s
		}
	}
	return language.Common
}

func (l *layouter) shapeRun(text []rune, flags []uint8, start, end int, span int32, f *face, sc language.Script, level uint8) {
	ctx := l.ctx
	sp := &l.p.Spans[span]
	dir := di.DirectionLTR
	if level%2 == 1 {
		dir = di.DirectionRTL
	}
	in := shaping.Input{
		Text:      text,
		RunStart:  start,
		RunEnd:    end,
		Direction: dir,
		Face:      ctx.face(f.font),
		// Shaping at one pixel per font unit keeps full precision for
		// fractional px sizes (the shaper rounds sizes up to whole px).
		Size:     fixed.I(int(f.upem)),
		Script:   sc,
		Language: chinese,
	}
	if sp.LetterSpacing != 0 && !f.bitmap {
		in.FontFeatures = noLigatures
	}
	var out shaping.Output
	if f.bitmap {
		out = ctx.shaper.Shape(in)
	} else {
		out = ctx.shaper.ShapeNoExtents(in)
	}
	unit := sp.Size / f.upem / 64 // 26.6 font units → px
	gs := out.Glyphs
	// Glyphs come in visual order; a right-to-left run's clusters are
	// taken from its end so that clusters stay in logical order, each
	// cluster's own glyphs still left to right.
	groups := ctx.groups[:0]
	for i := 0; i < len(gs); {
		j := i + 1
		for j < len(gs) && gs[j].ClusterIndex == gs[i].ClusterIndex {
			j++
		}
		groups = append(groups, [2]int{i, j})
		i = j
	}
	if dir == di.DirectionRTL {
		slices.Reverse(groups)
	}
	ctx.groups = groups
	for k, grp := range groups {
		i, j := grp[0], grp[1]
		cs, ce := gs[i].ClusterIndex, end
		if k+1 < len(groups) {
			ce = gs[groups[k+1][0]].ClusterIndex
		}
		if ce <= cs { // not monotonic: should not happen
			ce = cs + gs[i].RuneCount
		}
		c := cluster{start: int32(cs), end: int32(ce), span: span, face: f, level: level, g0: int32(len(ctx.gl))}
		pen := 0.0
		for _, g := range gs[i:j] {
			sg := sglyph{gid: g.GlyphID, x: pen + float64(g.XOffset)*unit, y: -float64(g.YOffset) * unit}
			if f.bitmap {
				sg.bx = float32(float64(g.XBearing) * unit)
				sg.by = float32(-float64(g.YBearing) * unit)
				sg.bw = float32(float64(g.Width) * unit)
				sg.bh = float32(-float64(g.Height) * unit)
			}
			ctx.gl = append(ctx.gl, sg)
			pen += float64(g.Advance) * unit
		}
		c.g1 = int32(len(ctx.gl))
		if sp.LetterSpacing != 0 {
			ng := 0
			for k := cs; k < ce && k < len(flags)-1; k++ {
				if flags[k]&brGrapheme != 0 {
					ng++
				}
			}
			c.ls = float64(max(ng, 1)) * sp.LetterSpacing
		}
		c.adv = pen + c.ls
		c.space = space(text[cs:ce])
		ctx.cl = append(ctx.cl, c)
	}
}

// lineRange is a line before it is built: clusters [from, to) and, on a
// truncated last line, the ellipsis clusters [ellFrom, ellTo).
type lineRange struct {
	from, to       int
	ellFrom, ellTo int
}

// wrap breaks clusters into lines greedily: each line takes as much as
// fits, breaking at the last allowed opportunity; a word wider than the
// line is broken between graphemes.
func (l *layouter) wrap(cl []cluster) []lineRange {
	flags := l.ctx.flags
	maxW := l.p.MaxWidth
	var lines []lineRange
	for start := 0; start < len(cl); {
		w := 0.0 // width of cl[start:i]
		lastBreak := -1
		end := len(cl)
		for i := start; i < len(cl); i++ {
			c := &cl[i]
			if i > start {
				f := flags[c.start]
				if f&brMandatory != 0 {
					end = i
					break
				}
				if f&brAllowed != 0 {
					lastBreak = i
				}
			}
			if maxW > 0 && i > start && !c.space && w+c.adv-c.ls > maxW+1e-6 {
				if lastBreak > start {
					end = lastBreak
				} else {
					// No break opportunity: cut between graphemes, but
					// never so that "." "," "/" or another mark that
					// must not start a line begins the next one.
					end = l.emergencyBreak(cl, start, i, w)
				}
				break
			}
			w += c.adv
		}
		lines = append(lines, lineRange{from: start, to: end})
		start = end
	}
	return lines
}

// ellipsis shapes the ellipsis in the style of span and drops clusters from
// the end of ln until it fits.
func (l *layouter) ellipsis(ln *lineRange, span int32) {
	ctx := l.ctx
	e := l.p.Ellipsis
	if e == "" {
		e = "…"
	}
	l.ell = sanitize(e)
	text := []rune(l.ell)
	spanOf := make([]int32, len(text))
	for i := range spanOf {
		spanOf[i] = span
	}
	flags := breakFlags(&segmenter.Segmenter{}, text, nil)
	// Shaping appends to ctx.cl; lines index it, so the ellipsis goes after.
	from := len(ctx.cl)
	l.shape(text, spanOf, flags, nil)
	ln.ellFrom, ln.ellTo = from, len(ctx.cl)
	ew := 0.0
	for _, c := range ctx.cl[from:] {
		ew += c.adv
	}
	if from < len(ctx.cl) {
		ew -= ctx.cl[len(ctx.cl)-1].ls
	}
	// Neither a space nor an opening bracket may stand right before the
	// ellipsis: "木勺（…" reads as broken.
	// trim drops such clusters and reports whether it dropped any.
	trim := func() bool {
		from := ln.to
		for ln.to > ln.from {
			c := &ctx.cl[ln.to-1]
			if !c.space && !(c.end > c.start && noEnd[ctx.runes[c.end-1]]) {
				break
			}
			ln.to--
		}
		return ln.to < from
	}
	trim()
	if l.p.MaxWidth <= 0 {
		return
	}
	w := 0.0
	for _, c := range ctx.cl[ln.from:ln.to] {
		w += c.adv
	}
	for ln.to > ln.from && w+ew > l.p.MaxWidth+1e-6 {
		ln.to--
		w -= ctx.cl[ln.to].adv
		for n := ln.to; trim(); n = ln.to {
			for _, c := range ctx.cl[ln.to:n] {
				w -= c.adv
			}
		}
	}
}

// build positions the glyphs of a line and computes its metrics.
func (l *layouter) build(lr lineRange, lh float64) line {
	ctx := l.ctx
	var ln line
	maxSize, asc, desc := 0.0, 0.0, 0.0
	x := 0.0
	width := 0.0
	var st *strike
	emit := func(ci int) {
		c := &ctx.cl[ci]
		sp := &l.p.Spans[c.span]
		k := sp.Size / c.face.upem
		maxSize = math.Max(maxSize, sp.Size)
		asc = math.Max(asc, c.face.ascent*k)
		desc = math.Max(desc, c.face.descent*k)
		for _, g := range ctx.gl[c.g0:c.g1] {
			ln.glyphs = append(ln.glyphs, pglyph{
				face: c.face, gid: g.gid, size: sp.Size,
				x: x + g.x, y: g.y, color: sp.Color,
				bx: g.bx, by: g.by, bw: g.bw, bh: g.bh,
			})
		}
		if sp.Strike && !c.newline {
			if st == nil || st.span != c.span || st.x1 != x {
				pf := l.chains[c.span][0]
				pk := sp.Size / pf.upem
				pos, th := pf.strikePos*pk, pf.strikeThickness*pk
				if !pf.hasStrikeMetrics {
					pos, th = 0.3*sp.Size, 0.06*sp.Size
				}
				ln.strikes = append(ln.strikes, strike{span: c.span, x0: x, x1: x, y: -pos, h: math.Max(th, 1), color: sp.Color})
				st = &ln.strikes[len(ln.strikes)-1]
			}
			st.x1 = x + c.adv - c.ls
		}
		x += c.adv
		if !c.space {
			width = x - c.ls
		}
	}
	for _, i := range l.visual(lr) {
		emit(i)
	}
	// Strikes stop at the last visible character, not at trailing spaces.
	ln.strikes = slices.DeleteFunc(ln.strikes, func(s strike) bool {
		s.x1 = math.Min(s.x1, width)
		return s.x1 <= s.x0
	})
	for i := range ln.strikes {
		ln.strikes[i].x1 = math.Min(ln.strikes[i].x1, width)
	}
	if lr.to > lr.from {
		ln.text = string(ctx.runes[ctx.cl[lr.from].start:ctx.cl[lr.to-1].end])
	}
	if lr.ellTo > lr.ellFrom {
		ln.text += l.ell
	}
	ln.text = strings.TrimRightFunc(ln.text, unicode.IsSpace)
	ln.width = width
	ln.height = lh * maxSize
	ln.baseline = (ln.height-(asc+desc))/2 + asc
	return ln
}

// Block is a laid-out paragraph, ready to draw any number of times.
type Block struct {
	Width     float64 // widest line, px
	Height    float64 // sum of line heights, px
	Lines     int
	Truncated bool // MaxLines cut the text and an ellipsis was added
	// Missing lists the distinct characters no font could show, in order
	// of appearance (at most 64); they are drawn as boxes.
	Missing []Missing

	lines []line
	box   float64
	align Align
	sh    *shared
}

// Baseline returns the distance from the block's top to the baseline of
// line i, for aligning other elements with text.
func (b *Block) Baseline(i int) float64 {
	if i < 0 || i >= len(b.lines) {
		return 0
	}
	return b.lines[i].top + b.lines[i].baseline
}

// LineText returns the characters on line i, without trailing white space
// (and with the ellipsis on a truncated last line).
func (b *Block) LineText(i int) string {
	if i < 0 || i >= len(b.lines) {
		return ""
	}
	return b.lines[i].text
}

type line struct {
	text     string
	glyphs   []pglyph
	strikes  []strike
	top      float64
	width    float64
	height   float64
	baseline float64 // from the line's top
}

// pglyph is a glyph placed on its line: x from the line's start, y from
// the baseline (down).
type pglyph struct {
	face  *face
	gid   font.GID
	size  float64
	x, y  float64
	color color.NRGBA

	bx, by, bw, bh float32
}

type strike struct {
	span   int32
	x0, x1 float64
	y, h   float64 // top from the baseline (down), thickness
	color  color.NRGBA
}

// visual returns the clusters of a line, ellipsis included, in display
// order. Trailing spaces take the paragraph level (rule L1 of UAX #9), so
// they stay at the end of the line.
func (l *layouter) visual(lr lineRange) []int {
	order := l.ctx.order[:0]
	rtl := false
	for i := lr.from; i < lr.to; i++ {
		order = append(order, i)
		rtl = rtl || l.ctx.cl[i].level > 0
	}
	for i := lr.ellFrom; i < lr.ellTo; i++ {
		order = append(order, i)
	}
	l.ctx.order = order
	if !rtl {
		return order
	}
	trail := lr.to
	for trail > lr.from && l.ctx.cl[trail-1].space {
		trail--
	}
	visualOrder(order, func(i int) uint8 {
		if i >= trail && i < lr.to {
			return 0
		}
		return l.ctx.cl[i].level
	})
	return order
}

// emergencyBreak picks where to cut a word that does not fit its line,
// given the first cluster that overflows (at) and the width before it: at
// a slash of a URL path when one lies in the last third of the line, else
// right before at, stepping back over characters that must not start a
// line ("." "," "/" ...).
func (l *layouter) emergencyBreak(cl []cluster, start, at int, w float64) int {
	runes := l.ctx.runes
	x := w
	for j := at; j > start+1 && x >= w*2/3; j-- {
		// Breaking at j leaves x px on the line.
		prev := runes[cl[j-1].end-1]
		if prev == '/' && cl[j-1].end-1 > 0 && runes[cl[j-1].end-2] != '/' && !noEmergencyStart(runes[cl[j].start]) {
			return j
		}
		x -= cl[j-1].adv
	}
	end := at
	for end > start+1 && noEmergencyStart(runes[cl[end].start]) {
		end--
	}
	return end
}
