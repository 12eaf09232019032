package poster

import (
	"github.com/haibao/haibao/poster/text"
)

var textAligns = [...]text.Align{alignLeft: text.AlignLeft, alignCenter: text.AlignCenter, alignRight: text.AlignRight}

// bindText expands the spans, lays the paragraph out at the render scale
// and, when the text has a min_size, shrinks it until it fits.
func bindText(l *Layout, it *item, data map[string]any, scale float64) error {
	el, t := it.el, it.el.text
	var clean func(string) string
	switch {
	case t.whitespace == wsPreserve:
	case t.maxLines == 1:
		clean = foldValue
	default:
		clean = trimValue
	}
	spans := make([]text.Span, 0, len(t.spans))
	largest := 0.0
	for _, s := range t.spans {
		if s.cond != "" && !present(data, s.cond) {
			continue
		}
		str, err := s.text.expandWith(data, el.id, clean)
		if err != nil {
			return err
		}
		c, err := resolveColor(s.color, data, el.id)
		if err != nil {
			return err
		}
		spans = append(spans, text.Span{Text: str, Family: s.family, Weight: s.weight, Size: s.size * scale,
			Color: c, LetterSpacing: s.letterSpacing * scale, Strike: s.strike})
		largest = max(largest, s.size)
	}
	para := text.Paragraph{Spans: spans, MaxWidth: el.w * scale, MaxLines: t.maxLines,
		LineHeight: t.lineHeight, Align: textAligns[t.align], Ellipsis: t.ellipsis}
	fits := func(b *text.Block) bool {
		return !b.Truncated && (el.h == 0 || b.Height <= el.h*scale+0.5)
	}
	block, err := l.res.fonts.Layout(para)
	if err != nil {
		return &DataError{Element: el.id, Reason: "text cannot be laid out", Err: err}
	}
	if t.minSize > 0 && largest > 0 && !fits(block) {
		it.shrunk = true
		block, err = shrink(l.res.fonts, para, spans, t.minSize/largest, fits)
		if err != nil {
			return &DataError{Element: el.id, Reason: "text cannot be laid out", Err: err}
		}
	}
	it.block = block
	it.spans = spans
	it.fits = fits(block)
	if it.w == 0 {
		it.w = block.Width / scale
	}
	if it.h == 0 {
		it.h = block.Height / scale
	}
	return nil
}

// shrink finds, by bisection, the largest factor in [lo, 1] at which the
// paragraph fits, and lays it out at that factor (or at lo if nothing fits).
func shrink(fonts *text.FontSet, para text.Paragraph, spans []text.Span, lo float64, fits func(*text.Block) bool) (*text.Block, error) {
	at := func(f float64) (*text.Block, error) {
		scaled := make([]text.Span, len(spans))
		for i, s := range spans {
			s.Size *= f
			s.LetterSpacing *= f
			scaled[i] = s
		}
		p := para
		p.Spans = scaled
		return fonts.Layout(p)
	}
	best, err := at(lo)
	if err != nil || !fits(best) {
		return best, err
	}
	bestF, hi := lo, 1.0
	for range 7 {
		mid := (bestF + hi) / 2
		b, err := at(mid)
		if err != nil {
			return nil, err
		}
		if fits(b) {
			best, bestF = b, mid
		} else {
			hi = mid
		}
	}
	return best, nil
}
