package text

import (
	"testing"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// TestEmbeddedCoverage checks that the subset fonts kept every character
// of GB 2312 and the punctuation posters use, in both weights.
func TestEmbeddedCoverage(t *testing.T) {
	s := mustDefault(t)
	faces := s.lookup("")
	if len(faces) != 2 || faces[0].weight != 400 || faces[1].weight != 700 {
		t.Fatalf("default family faces: %d, want weights 400 and 700", len(faces))
	}
	var want []rune
	dec := simplifiedchinese.GBK.NewDecoder()
	for hi := 0xA1; hi <= 0xF7; hi++ {
		for lo := 0xA1; lo <= 0xFE; lo++ {
			b, err := dec.Bytes([]byte{byte(hi), byte(lo)})
			r, _ := utf8.DecodeRune(b)
			if err != nil || r == utf8.RuneError || r >= 0xE000 && r <= 0xF8FF {
				continue
			}
			want = append(want, r)
		}
	}
	if len(want) < 7000 {
		t.Fatalf("decoded %d GB 2312 characters, want about 7,445", len(want))
	}
	want = append(want, []rune("「」『』《》〈〉【】〔〕（）。，、；：？！…—·％￥¥€©®™℃№①⑳ÀéüñЖ ")...)
	for _, f := range faces {
		missing := 0
		for _, r := range want {
			if _, ok := f.font.NominalGlyph(r); !ok {
				if missing < 10 {
					t.Errorf("weight %d: no glyph for %q (U+%04X)", f.weight, r, r)
				}
				missing++
			}
		}
		if missing > 0 {
			t.Errorf("weight %d: %d characters missing", f.weight, missing)
		}
	}
}
