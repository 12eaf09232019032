// Package fonts owns the font files embedded in haibao and the script
// that makes them (subset.sh, from Debian's font packages): Noto Sans CJK
// SC in Regular and Bold with every character the Noto CJK collection
// maps (Simplified and Traditional Chinese, Japanese, Korean, the Ext-B
// characters it carries), Noto Sans for Latin, Greek and Cyrillic with
// their accents and combining marks, Noto Sans Arabic, Hebrew and Thai,
// Noto Sans Symbols, Symbols 2 and Math for nickname symbols, dingbats and
// operators, Georgian, Vai and Tibetan marks used as nickname ornaments, and
// Noto Color Emoji (colour bitmaps). All are under the SIL Open Font
// License; the licence texts sit beside the fonts.
package fonts

import "embed"

// FS holds the font files and their licence texts at its root.
//
//go:embed *.otf *.ttf OFL-*.txt
var FS embed.FS

// File names in FS.
const (
	SansRegular = "NotoSansSC-Regular.otf" // weight 400
	SansBold    = "NotoSansSC-Bold.otf"    // weight 700
	Emoji       = "NotoColorEmoji.ttf"
)

// SansFamily is the family name the text engine registers the CJK faces under.
const SansFamily = "Noto Sans SC"

// Fallback is one family of the fallback chain: the faces tried, in
// order, for characters the CJK faces do not have.
type Fallback struct {
	Family string
	Files  []string // one per weight
}

// Fallbacks lists the fallback families in the order they are tried,
// before Emoji.
func Fallbacks() []Fallback {
	return []Fallback{
		{"Noto Sans", []string{"NotoSans-Regular.ttf", "NotoSans-Bold.ttf"}},
		{"Noto Sans Arabic", []string{"NotoSansArabic-Regular.ttf", "NotoSansArabic-Bold.ttf"}},
		{"Noto Sans Hebrew", []string{"NotoSansHebrew-Regular.ttf", "NotoSansHebrew-Bold.ttf"}},
		{"Noto Sans Thai", []string{"NotoSansThai-Regular.ttf", "NotoSansThai-Bold.ttf"}},
		{"Noto Sans Symbols", []string{"NotoSansSymbols-Regular.ttf", "NotoSansSymbols-Bold.ttf"}},
		{"Noto Sans Symbols 2", []string{"NotoSansSymbols2-Regular.ttf"}},
		{"Noto Sans Math", []string{"NotoSansMath-Operators.ttf"}}, // arrows and operators only
		// Letters of these scripts are popular as ornaments in nicknames:
		// ღ (Georgian), ꕤ (Vai), ༄ ༺ ༻ (Tibetan marks, only those kept).
		{"Noto Sans Georgian", []string{"NotoSansGeorgian-Regular.ttf", "NotoSansGeorgian-Bold.ttf"}},
		{"Noto Sans Vai", []string{"NotoSansVai-Regular.ttf"}},
		{"Noto Serif Tibetan", []string{"NotoSerifTibetan-Symbols.ttf"}},
	}
}
