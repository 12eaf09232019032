package text

import (
	"slices"

	"github.com/go-text/typesetting/bidi"
)

// mayBeRTL reports whether text holds a right-to-left letter or an
// explicit bidi control; most posters hold neither, and skip the Unicode
// bidi algorithm altogether.
func mayBeRTL(text []rune) bool {
	for _, r := range text {
		switch {
		case r < 0x0590:
		case r <= 0x08FF, // Hebrew, Arabic, Syriac, Thaana, NKo, Samaritan, Mandaic, Arabic Extended
			r >= 0xFB1D && r <= 0xFDFF, r >= 0xFE70 && r <= 0xFEFF, // presentation forms
			r >= 0x10800 && r <= 0x10FFF, r >= 0x1E800 && r <= 0x1EFFF,
			r == 0x200F, r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069:
			return true
		}
	}
	return false
}

// bidiLevels returns the embedding level of each rune of text by the
// Unicode bidirectional algorithm (UAX #9), each "\n"-separated paragraph
// starting left to right as a browser's default direction does. It
// returns nil when all levels are 0.
func bidiLevels(p *bidi.Paragraph, text []rune, levels []uint8) []uint8 {
	if !mayBeRTL(text) {
		return nil
	}
	levels = append(levels[:0], make([]uint8, len(text))...)
	for a := 0; a < len(text); {
		b := a
		for b < len(text) && text[b] != '\n' {
			b++
		}
		if b > a {
			runs := p.Segment(text[a:b], bidi.LeftToRight)
			for i := range runs.NumRuns() {
				r := runs.Run(i)
				for k := r.Start; k < r.End; k++ {
					levels[a+k] = uint8(r.Level)
				}
			}
		}
		a = b + 1
	}
	return levels
}

// visualOrder reorders order, indices of clusters in logical order, into
// display order by rule L2 of UAX #9: from the highest level down to the
// lowest odd one, every maximal sequence at that level or above is
// reversed.
func visualOrder(order []int, level func(int) uint8) {
	var hi, lowOdd uint8 = 0, 255
	for _, i := range order {
		lv := level(i)
		hi = max(hi, lv)
		if lv%2 == 1 {
			lowOdd = min(lowOdd, lv)
		}
	}
	for lv := hi; lv >= lowOdd && lv > 0; lv-- {
		for a := 0; a < len(order); {
			if level(order[a]) < lv {
				a++
				continue
			}
			b := a
			for b < len(order) && level(order[b]) >= lv {
				b++
			}
			slices.Reverse(order[a:b])
			a = b
		}
	}
}
