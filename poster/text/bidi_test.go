package text

import (
	"image"
	"image/color"
	"slices"
	"testing"

	"golang.org/x/image/draw"

	"github.com/haibao/haibao/internal/golden"
)

// glyphIDs returns the glyph IDs of line i in drawing order.
func glyphIDs(b *Block, i int) []uint32 {
	var out []uint32
	for _, g := range b.lines[i].glyphs {
		out = append(out, uint32(g.gid))
	}
	return out
}

// nominal maps each rune of visual, a line as it should look from left to
// right, to the glyph the chain's face shows it with.
func nominal(t *testing.T, s *FontSet, visual string) []uint32 {
	t.Helper()
	chain, err := s.chain("", 400)
	if err != nil {
		t.Fatal(err)
	}
	var out []uint32
	for _, r := range visual {
		f := pick(chain, []rune{r})
		gid, ok := f.font.NominalGlyph(r)
		if !ok {
			t.Fatalf("no glyph for %q", r)
		}
		out = append(out, uint32(gid))
	}
	return out
}

// TestBidiOrder lays out Hebrew (whose letters have no joining forms, so
// each shows its nominal glyph) alone and inside Chinese and Latin text,
// and wants the glyphs in the order the Unicode bidi algorithm gives.
func TestBidiOrder(t *testing.T) {
	s := mustDefault(t)
	tests := []struct{ text, visual string }{
		{"שלום", "םולש"},
		{"名字 שלום ok", "名字 םולש ok"},
		{"名字：שלום עולם！", "名字：םלוע םולש！"},
		{"ab שלום 123 עולם cd", "ab םלוע 123 םולש cd"}, // numbers keep their order inside RTL
		{"（שלום）", "（םולש）"},
	}
	for _, tc := range tests {
		b := mustLayout(t, s, Paragraph{Spans: []Span{{Text: tc.text, Size: 20}}})
		if got, want := glyphIDs(b, 0), nominal(t, s, tc.visual); !slices.Equal(got, want) {
			t.Errorf("%q: glyphs %v, want %v (%q)", tc.text, got, want, tc.visual)
		}
		if got := b.LineText(0); got != tc.text {
			t.Errorf("%q: LineText = %q, want the logical text", tc.text, got)
		}
		// Glyphs are drawn left to right without overlap.
		gl := b.lines[0].glyphs
		for i := 1; i < len(gl); i++ {
			if gl[i].x < gl[i-1].x {
				t.Errorf("%q: glyph %d at x %.1f left of glyph %d at %.1f", tc.text, i, gl[i].x, i-1, gl[i-1].x)
			}
		}
	}
}

// TestArabicJoins wants an Arabic name shaped right to left: its letters
// take their joining forms rather than the isolated ones, and the first
// letter is drawn rightmost.
func TestArabicJoins(t *testing.T) {
	s := mustDefault(t)
	for _, name := range []string{"محمد", "ئەخمەت", "علی رضا", "عمران خان"} { // Arabic, Uyghur, Persian, Urdu
		b := mustLayout(t, s, Paragraph{Spans: []Span{{Text: name, Size: 20}}})
		if len(b.Missing) > 0 {
			t.Errorf("%q: missing %v", name, b.Missing)
		}
		got := glyphIDs(b, 0)
		iso := nominal(t, s, name)
		if slices.Equal(got, iso) || slices.Equal(got, reversed(iso)) {
			t.Errorf("%q: glyphs %v are the isolated forms", name, got)
		}
	}
}

func reversed[T any](s []T) []T {
	out := slices.Clone(s)
	slices.Reverse(out)
	return out
}

// TestBidiEllipsis cuts a right-to-left name on one line: the ellipsis
// goes at the end of the line and the kept letters are the first ones.
func TestBidiEllipsis(t *testing.T) {
	s := mustDefault(t)
	b := mustLayout(t, s, Paragraph{Spans: []Span{{Text: "名字 שלום עולם ומלואו", Size: 20}}, MaxWidth: 110, MaxLines: 1})
	if !b.Truncated || b.Lines != 1 {
		t.Fatalf("lines %d truncated %v", b.Lines, b.Truncated)
	}
	text := b.LineText(0)
	if want := "名字 שלום"; len(text) < len(want) || text[:len(want)] != want {
		t.Errorf("LineText = %q, want it to start %q", text, want)
	}
	if b.Width > 110 {
		t.Errorf("width %.1f over 110", b.Width)
	}
	gl := b.lines[0].glyphs
	ell := nominal(t, s, "…")[0]
	if uint32(gl[len(gl)-1].gid) != ell {
		t.Errorf("last glyph %d, want the ellipsis %d at the right end", gl[len(gl)-1].gid, ell)
	}
}

// TestGoldenBidi draws mixed lines for the eye: Chinese with an Arabic,
// a Uyghur and a Hebrew name, wrapped and cut with an ellipsis.
func TestGoldenBidi(t *testing.T) {
	s := mustDefault(t)
	img := image.NewRGBA(image.Rect(0, 0, 400, 250))
	draw.Draw(img, img.Rect, image.NewUniform(color.NRGBA{0xFA, 0xF6, 0xEE, 0xFF}), image.Point{}, draw.Src)
	y := 14.0
	for _, p := range []Paragraph{
		{Spans: []Span{{Text: "用户 محمد علي 邀请你加入（2 人）", Size: 22, Color: black}}, MaxWidth: 360},
		{Spans: []Span{{Text: "ئەخمەت جان بىلەن بىرگە يۈگۈرەيلى，坚持 30 天！", Size: 22, Weight: 700, Color: black}}, MaxWidth: 360, MaxLines: 2},
		{Spans: []Span{{Text: "שלום עולם ומלואו, Hello 世界 שלום עולם ומלואו", Size: 22, Color: black}}, MaxWidth: 360, MaxLines: 1},
		{Spans: []Span{{Text: "عمران خان ہمارے ساتھ ہیں", Size: 22, Color: black}}, MaxWidth: 360, Align: AlignRight},
	} {
		b := mustLayout(t, s, p)
		b.Draw(img, 20, y, 1)
		y += b.Height + 12
	}
	golden.Check(t, "bidi", img, golden.Default)
}
