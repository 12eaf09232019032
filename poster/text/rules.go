package text

import (
	"strings"
	"unicode"
)

// Chinese typesetting rules (禁则) on top of UAX #14: characters that must
// not start a line, and characters that must not end one. UAX #14 already
// forbids most of these breaks, but not all (the middle dot, dashes after
// ideographs, quotation marks, small kana are looser there).
var (
	noStart = runeSet("。，、；：？！）」』》】〕〉〗〙〛｝］…‥—–·・％‰℃°′″" +
		")]}.,;:!?%" + "”’»›〞〟" + "ーヽヾゝゞ々〻" +
		"ぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶ" +
		"｡､･ｰﾞﾟ．～﹐﹑﹒﹔﹕﹖﹗︰")
	noEnd = runeSet("（「『《【〔〈〖〘〚｛［" + "([{" + "“‘«‹〝" + "￥¥＄$£€")
)

// noEmergencyStart reports runes that a line cut inside a word (one too
// long for the line) must not start with.
func noEmergencyStart(r rune) bool {
	return noStart[r] || r == '/' || r == '-' || r == '_'
}

func runeSet(s string) map[rune]bool {
	m := make(map[rune]bool, len(s))
	for _, r := range s {
		m[r] = true
	}
	return m
}

// ideographic reports whether r is set solid in East Asian text, so that a
// line may break on either side of it unless a rule above forbids it.
func ideographic(r rune) bool {
	switch {
	case r >= 0x3000 && r <= 0x303F, // CJK symbols and punctuation
		r >= 0xFF00 && r <= 0xFFEF: // fullwidth forms
		return r != 0x3000 // ideographic space breaks like a space
	}
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul, unicode.Bopomofo)
}

// glue reports runes next to which a line must not break whatever the
// script (no-break space, word joiner, zero-width joiner, ...).
func glue(r rune) bool {
	switch r {
	case 0x00A0, 0x202F, 0x2060, 0xFEFF, 0x200D, 0x2011:
		return true
	}
	return false
}

// ignorable reports invisible runes a font need not map for the cluster
// they are in to be shown: joiners, variation selectors, tag characters.
func ignorable(r rune) bool {
	switch {
	case r >= 0x200B && r <= 0x200F, r >= 0x2060 && r <= 0x2064,
		r >= 0xFE00 && r <= 0xFE0F, r >= 0xE0000 && r <= 0xE0FFF,
		r == 0x00AD, r == 0x034F:
		return true
	}
	return false
}

// wantsEmoji reports whether a grapheme cluster should be drawn from a
// colour emoji font when one has it, even if a text font has its base
// character (☀ with U+FE0F, keycaps, flags, ZWJ sequences, and the
// pictographs beyond U+1F000 that default to emoji presentation).
func wantsEmoji(g []rune) bool {
	for _, r := range g {
		switch {
		case r == 0xFE0F, r == 0x20E3, r == 0x200D,
			r >= 0x1F000 && r <= 0x1FAFF,
			r >= 0xE0020 && r <= 0xE007F:
			return true
		}
	}
	return false
}

func space(g []rune) bool {
	for _, r := range g {
		if !unicode.IsSpace(r) && !ignorable(r) {
			return false
		}
	}
	return len(g) > 0
}

// sanitize maps line separators to '\n', tabs to spaces and drops other
// control characters, which fonts cannot show.
func sanitize(s string) string {
	clean := true
	for _, r := range s {
		if r != '\n' && (unicode.IsControl(r) || r == 0x2028 || r == 0x2029) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	prevCR := false
	for _, r := range s {
		cr := r == '\r'
		switch {
		case r == '\n' && prevCR:
		case cr, r == '\n', r == 0x2028, r == 0x2029, r == 0x85:
			b.WriteByte('\n')
		case r == '\t':
			b.WriteByte(' ')
		case unicode.IsControl(r):
		default:
			b.WriteRune(r)
		}
		prevCR = cr
	}
	return b.String()
}
