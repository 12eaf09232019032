package text

import (
	"slices"
	"unicode"
)

// Missing is a character drawn as a "missing glyph" box (tofu): no face of
// its span's chain shows its whole grapheme cluster, and the face used
// lacks this character. Layout reports
// each distinct one so the engine can count and log them.
type Missing struct {
	Rune rune
	// Script is the Unicode script name of Rune as Go's unicode package
	// spells it ("Arabic", "Han", "Common", ...), a bounded set fit for a
	// metric label; "Unknown" for unassigned code points.
	Script string
}

// maxMissing bounds the list one layout reports; a paragraph of tofu
// needs no more to be found.
const maxMissing = 64

// noteMissing records the runes of cluster g that f, the face chosen for
// it, does not map.
func (l *layouter) noteMissing(f *face, g []rune) {
	for _, r := range g {
		if ignorable(r) || r == '\n' || unicode.IsControl(r) {
			continue
		}
		if f.has([]rune{r}) {
			continue
		}
		if len(l.missing) >= maxMissing || slices.ContainsFunc(l.missing, func(m Missing) bool { return m.Rune == r }) {
			continue
		}
		l.missing = append(l.missing, Missing{Rune: r, Script: scriptName(r)})
	}
}

// scriptName names the Unicode script of r.
func scriptName(r rune) string {
	for name, tab := range unicode.Scripts {
		if unicode.Is(tab, r) {
			return name
		}
	}
	return "Unknown"
}
