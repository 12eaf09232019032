// Package fonts owns the font files embedded in haibao: subsets of Noto Sans
// CJK SC (Regular and Bold) covering GB 2312, the Table of General Standard
// Chinese Characters, Latin and the punctuation and symbol blocks Chinese
// text uses, and Noto Color Emoji (colour bitmaps). All are under the SIL
// Open Font License; the licence texts sit beside the fonts.
//
// subset.sh regenerates the subsets from Debian's font packages.
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
