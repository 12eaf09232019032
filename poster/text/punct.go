package text

// Punctuation says how adjacent fullwidth CJK punctuation is set.
type Punctuation int

const (
	// PunctuationCompress sets a pair of adjacent fullwidth punctuation
	// marks in one and a half ems instead of two, as the W3C Requirements
	// for Chinese Text Layout (clreq) describe and browsers do by default
	// (CSS text-spacing-trim: normal): "：“", "），", "」。".
	PunctuationCompress Punctuation = iota
	// PunctuationNone keeps every fullwidth mark a full em wide.
	PunctuationNone
)

// String returns "compress" or "none", the names a layout uses.
func (p Punctuation) String() string {
	if p == PunctuationNone {
		return "none"
	}
	return "compress"
}

// punctClass says where a fullwidth punctuation mark keeps its blank half.
type punctClass uint8

const (
	notPunct    punctClass = iota
	punctOpen              // ink on the right: （「“ and the like
	punctClose             // ink on the left: ）」”、。，
	punctMiddle            // ink centred: ・ and, in some fonts, ：；！？
)

// punctClasses lists the marks by their usual class; ：；！？ are close
// marks in Simplified Chinese fonts and centred in others, so their class
// is read from the glyph (see classOf).
var punctClasses = map[rune]punctClass{
	'（': punctOpen, '［': punctOpen, '｛': punctOpen, '〔': punctOpen, '〈': punctOpen, '《': punctOpen,
	'「': punctOpen, '『': punctOpen, '【': punctOpen, '〖': punctOpen, '〘': punctOpen, '〚': punctOpen,
	'｟': punctOpen, '“': punctOpen, '‘': punctOpen,
	'）': punctClose, '］': punctClose, '｝': punctClose, '〕': punctClose, '〉': punctClose, '》': punctClose,
	'」': punctClose, '』': punctClose, '】': punctClose, '〗': punctClose, '〙': punctClose, '〛': punctClose,
	'｠': punctClose, '”': punctClose, '’': punctClose, '、': punctClose, '。': punctClose, '，': punctClose,
	'．': punctClose,
	'：': punctMiddle, '；': punctMiddle, '！': punctMiddle, '？': punctMiddle, '・': punctMiddle, '·': punctMiddle,
}

// classOf classifies cluster c as a fullwidth punctuation mark whose blank
// half may be trimmed, checking the glyph really is an em wide and has its
// ink where the class says: a proportional quote in a Latin font, or a
// centred colon, is left alone (or counted as middle).
func (l *layouter) classOf(c *cluster) punctClass {
	if c.end-c.start != 1 || c.g1-c.g0 != 1 || c.face.bitmap || c.newline {
		return notPunct
	}
	class := punctClasses[l.ctx.runes[c.start]]
	if class == notPunct {
		return notPunct
	}
	em := l.p.Spans[c.span].Size
	if w := c.adv - c.ls; w < 0.95*em || w > 1.05*em {
		return notPunct
	}
	ext, ok := l.ctx.face(c.face.font).GlyphExtents(l.ctx.gl[c.g0].gid)
	if !ok {
		return notPunct
	}
	k := em / c.face.upem
	left, right := float64(ext.XBearing)*k, float64(ext.XBearing+ext.Width)*k
	inLeft, inRight := right <= 0.55*em, left >= 0.45*em
	switch {
	case class == punctOpen && !inRight, class == punctClose && !inLeft:
		return notPunct
	case class == punctMiddle && inLeft:
		return punctClose
	}
	return class
}

// compress trims the blank half of the marks in each adjacent pair: an
// opening mark after any mark loses its left half, a closing mark before
// a closing or middle mark its right half.
func (l *layouter) compress(cl []cluster) {
	if l.p.Punctuation == PunctuationNone || len(cl) < 2 {
		return
	}
	prev := l.classOf(&cl[0])
	for i := 1; i < len(cl); i++ {
		a, b := &cl[i-1], &cl[i]
		cur := l.classOf(b)
		if prev != notPunct && cur != notPunct {
			switch {
			case cur == punctOpen:
				half := l.p.Spans[b.span].Size / 2
				b.adv -= half
				for j := b.g0; j < b.g1; j++ {
					l.ctx.gl[j].x -= half
				}
			case prev == punctClose && (cur == punctClose || cur == punctMiddle):
				a.adv -= l.p.Spans[a.span].Size / 2
			}
		}
		prev = cur
	}
}
