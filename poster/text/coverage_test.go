package text

import (
	"fmt"
	"slices"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
)

// doubleByte decodes every two-byte code of a legacy CJK encoding (lead
// and trail bytes in the given ranges) and returns the characters it
// names, private use excluded.
func doubleByte(enc encoding.Encoding, lead, trail [2]int) []rune {
	var out []rune
	dec := enc.NewDecoder()
	for hi := lead[0]; hi <= lead[1]; hi++ {
		for lo := trail[0]; lo <= trail[1]; lo++ {
			b, err := dec.Bytes([]byte{byte(hi), byte(lo)})
			r, n := utf8.DecodeRune(b)
			if err != nil || r == utf8.RuneError || n != len(b) || r < 0x80 || unicode.Is(unicode.Co, r) {
				continue
			}
			out = append(out, r)
		}
	}
	return out
}

// block returns the assigned graphic characters of [lo, hi].
func block(lo, hi rune) []rune {
	var out []rune
	for r := lo; r <= hi; r++ {
		if unicode.IsGraphic(r) && !unicode.Is(unicode.Co, r) {
			out = append(out, r)
		}
	}
	return out
}

func without(rs []rune, drop ...rune) []rune {
	return slices.DeleteFunc(rs, func(r rune) bool { return slices.Contains(drop, r) })
}

// repertoires are what the default family must show, each with the least
// count it must hold (so an empty decode cannot pass).
func repertoires() []struct {
	name  string
	runes []rune
	least int
} {
	hangul := block(0xAC00, 0xD7A3)
	return []struct {
		name  string
		runes []rune
		least int
	}{
		{"GB 2312", doubleByte(simplifiedchinese.GBK, [2]int{0xA1, 0xF7}, [2]int{0xA1, 0xFE}), 7400},
		{"Big5", doubleByte(traditionalchinese.Big5, [2]int{0xA1, 0xF9}, [2]int{0x40, 0xFE}), 13000},
		{"JIS X 0208 (Shift JIS)", doubleByte(japanese.ShiftJIS, [2]int{0x81, 0xEF}, [2]int{0x40, 0xFC}), 6800},
		{"KS X 1001 (EUC-KR)", doubleByte(korean.EUCKR, [2]int{0xA1, 0xFE}, [2]int{0xA1, 0xFE}), 8000},
		{"Hangul syllables", hangul, 11172},
		{"Ext-B and kanji in names", []rune("𠮷𡈽𠀋𪚲𨸶𣘺𩸽𠮟陳張劉龍語們灣髙﨑々〆ヶ"), 20},
		{"Latin-1, Extended-A and -B", block(0x00A0, 0x024F), 400},
		{"IPA and spacing modifiers", block(0x0250, 0x02FF), 170},
		{"Latin Extended Additional (Vietnamese)", block(0x1E00, 0x1EFF), 256},
		{"Greek", append(block(0x0370, 0x03E1), block(0x03F0, 0x03FF)...), 120}, // Coptic letters left out
		{"Greek Extended", block(0x1F00, 0x1FFF), 230},
		{"Cyrillic and Supplement", block(0x0400, 0x052F), 300},
		{"combining marks", block(0x0300, 0x036F), 112},
		{"Arabic", without(block(0x0600, 0x06FF), 0x061D), 245}, // U+061D is newer than the font
		{"Arabic Supplement", block(0x0750, 0x077F), 48},
		{"Hebrew", without(block(0x0591, 0x05F4), 0x05EF), 80}, // U+05EF is newer than the font
		{"Thai", block(0x0E01, 0x0E5B), 85},
		{"General Punctuation", block(0x2010, 0x205E), 70},
		{"Miscellaneous Symbols", block(0x2600, 0x26FF), 256},
		{"Dingbats", block(0x2700, 0x27BF), 192},
		{"Geometric Shapes", block(0x25A0, 0x25FF), 96},
		{"nickname symbols", []rune("♛♕✿❀❁❤☆★♡♥✨✧✦彡ツ〆♪♫☾☽✪➹ღ❥ꕤ༄"), 25},
		{"CJK punctuation and fullwidth forms", append(block(0x3000, 0x303F), block(0xFF01, 0xFF5E)...), 150},
	}
}

// TestCoverage walks each repertoire through the default family's chain,
// in both weights, and fails on any character it would draw as tofu.
func TestCoverage(t *testing.T) {
	s := mustDefault(t)
	faces := s.lookup("")
	if len(faces) != 2 || faces[0].weight != 400 || faces[1].weight != 700 {
		t.Fatalf("default family faces: %d, want weights 400 and 700", len(faces))
	}
	// The faces are the whole Noto Sans CJK SC member of the collection,
	// which maps 44,810 characters.
	for _, f := range faces {
		n := 0
		for r := rune(0); r <= 0x3FFFF; r++ {
			if _, ok := f.font.NominalGlyph(r); ok {
				n++
			}
		}
		if n < 44810 {
			t.Errorf("weight %d maps %d characters, want the collection's 44,810", f.weight, n)
		}
	}
	for _, weight := range []int{400, 700} {
		chain, err := s.chain("", weight)
		if err != nil {
			t.Fatal(err)
		}
		for _, rep := range repertoires() {
			if len(rep.runes) < rep.least {
				t.Errorf("%s: %d characters, want at least %d", rep.name, len(rep.runes), rep.least)
			}
			var missing []string
			for _, r := range rep.runes {
				if !pick(chain, []rune{r}).has([]rune{r}) {
					missing = append(missing, fmt.Sprintf("U+%04X %c", r, r))
				}
			}
			if len(missing) > 0 {
				t.Errorf("weight %d, %s: %d of %d missing: %.20q", weight, rep.name, len(missing), len(rep.runes), missing)
			}
		}
	}
}

// TestCombiningMarksCompose lays out letters followed by combining marks
// and wants each cluster drawn by one face that has all of its parts, so
// the mark is positioned on its base rather than set after a box.
func TestCombiningMarksCompose(t *testing.T) {
	s := mustDefault(t)
	for _, text := range []string{"e\u0301", "a\u0308\u0301", "Vie\u0323\u0302t", "ы\u0301", "α\u0313\u0301", "o\u031b\u0323", "x\u0332", "ก\u0e31\u0e49", "ש\u05b8"} {
		for _, weight := range []int{400, 700} {
			b := mustLayout(t, s, Paragraph{Spans: []Span{{Text: text, Size: 20, Weight: weight}}})
			if len(b.Missing) > 0 {
				t.Errorf("%q weight %d: missing %v", text, weight, b.Missing)
			}
			// A mark composed onto its base adds no advance of its own.
			base := mustLayout(t, s, Paragraph{Spans: []Span{{Text: string([]rune(text)[:1]), Size: 20, Weight: weight}}})
			if text == "e\u0301" && b.Width > base.Width+0.5 {
				t.Errorf("%q weight %d: width %.1f, want the base's %.1f", text, weight, b.Width, base.Width)
			}
		}
	}
}

// TestEmojiCoverage wants emoji of each recent Unicode version, sequences
// included, drawn from the colour font.
func TestEmojiCoverage(t *testing.T) {
	s := mustDefault(t)
	chain, err := s.chain("", 400)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range []string{
		"😀", "🎉", "👍🏽", "👨‍👩‍👧", "🏳️‍🌈", "🇨🇳", // old and sequences
		"🥲", "🫠", "🫶", "🩷", "🫨", "🪿", "🫎", // Unicode 13 to 15
		"🐦‍🔥", "🍋‍🟩", "🙂‍↔️", "⛓️‍💥", // Emoji 15.1 sequences
	} {
		g := []rune(e)
		f := pick(chain, g)
		if !f.bitmap || !f.has(g) {
			t.Errorf("%q: not drawn from the colour emoji font", e)
		}
	}
}
