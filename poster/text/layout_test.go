package text

import (
	"errors"
	"image/color"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/haibao/haibao/fonts"
)

// defaultSet parses the embedded fonts once for all tests.
var defaultSet = sync.OnceValues(Default)

func mustDefault(t testing.TB) *FontSet {
	t.Helper()
	s, err := defaultSet()
	if err != nil {
		t.Fatalf("Default: %v", err)
	}
	return s
}

func lineTexts(b *Block) []string {
	out := make([]string, b.Lines)
	for i := range out {
		out[i] = b.LineText(i)
	}
	return out
}

// Ideographs in Noto Sans CJK are one em wide, so at 20 px a 100 px line
// holds exactly five of them.
func TestLineBreaking(t *testing.T) {
	s := mustDefault(t)
	tests := []struct {
		name  string
		text  string
		width float64
		want  []string
	}{
		{"ideographs break anywhere", "一二三四五六七八九十", 100, []string{"一二三四五", "六七八九十"}},
		{"exact fit", "一二三四五", 100, []string{"一二三四五"}},
		{"full stop never starts a line", "一二三四五。六七", 100, []string{"一二三四", "五。六七"}},
		{"comma never starts a line", "一二三四五，六七", 100, []string{"一二三四", "五，六七"}},
		{"dash never starts a line", "一二三四五——六", 100, []string{"一二三四", "五——六"}},
		{"ellipsis never starts a line", "一二三四五……六", 100, []string{"一二三四", "五……六"}},
		{"middle dot never starts a line", "一二三四五·六", 100, []string{"一二三四", "五·六"}},
		{"percent never starts a line", "一二三四五％六", 100, []string{"一二三四", "五％六"}},
		{"closing bracket never starts a line", "一二三四五）六", 100, []string{"一二三四", "五）六"}},
		{"opening bracket never ends a line", "一二三四（五）六", 100, []string{"一二三四", "（五）六"}},
		{"opening quote never ends a line", "一二三四“五六”", 100, []string{"一二三四", "“五六”"}},
		{"opening corner bracket never ends a line", "一二三四「五六」", 100, []string{"一二三四", "「五六」"}},
		{"number stays with its unit's punctuation", "价格100元，包邮到家", 100, []string{"价格100", "元，包邮到", "家"}},
		{"English words are not split", "Hello wonderful world", 100, []string{"Hello", "wonderful", "world"}},
		{"over-long word breaks by grapheme", "Supercalifragilistic", 50, []string{"Supe", "rcalif", "ragili", "stic"}},
		{"mixed Chinese and English", "我爱Go语言和Rust", 100, []string{"我爱Go语", "言和Rust"}},
		{"numbers are not split", "一二三四12345", 100, []string{"一二三四", "12345"}},
		{"newlines are mandatory breaks", "a\nb\n\nc", 0, []string{"a", "b", "", "c"}},
		{"no width means no wrapping", "一二三四五六七八九十", 0, []string{"一二三四五六七八九十"}},
		{"break allowed before an opening quote", "一二三四：“五六”", 100, []string{"一二三四：", "“五六”"}},
		{"hyphen keeps UAX #14 rules", "一二三四五-六", 100, []string{"一二三四", "五-六"}},
		{"closing quote never starts a line", "一二三四五”六", 100, []string{"一二三四", "五”六"}},
		{"CRLF is one break", "一\r\n二", 0, []string{"一", "二"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := s.Layout(Paragraph{Spans: []Span{{Text: tt.text, Size: 20}}, MaxWidth: tt.width})
			if err != nil {
				t.Fatal(err)
			}
			if got := lineTexts(b); !slices.Equal(got, tt.want) {
				t.Errorf("lines = %q, want %q", got, tt.want)
			}
			if b.Lines != len(tt.want) {
				t.Errorf("Lines = %d, want %d", b.Lines, len(tt.want))
			}
			if tt.width > 0 && b.Width > tt.width+1e-6 && !strings.HasPrefix(tt.name, "over-long") {
				t.Errorf("Width = %v, more than MaxWidth %v", b.Width, tt.width)
			}
			if b.Truncated {
				t.Error("Truncated without MaxLines")
			}
		})
	}
}

func TestLineBreakingAcrossSpans(t *testing.T) {
	s := mustDefault(t)
	b, err := s.Layout(Paragraph{
		Spans: []Span{
			{Text: "一二三四", Size: 20},
			{Text: "五。", Size: 20, Weight: 700},
			{Text: "六七", Size: 20},
		},
		MaxWidth: 100,
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := lineTexts(b), []string{"一二三四", "五。六七"}; !slices.Equal(got, want) {
		t.Errorf("lines = %q, want %q", got, want)
	}
}

func TestEllipsis(t *testing.T) {
	s := mustDefault(t)
	tests := []struct {
		name      string
		p         Paragraph
		want      []string
		truncated bool
	}{
		{
			name:      "cut at two lines",
			p:         Paragraph{Spans: []Span{{Text: "一二三四五六七八九十一二三", Size: 20}}, MaxWidth: 100, MaxLines: 2},
			want:      []string{"一二三四五", "六七八九…"},
			truncated: true,
		},
		{
			name: "fits, no ellipsis",
			p:    Paragraph{Spans: []Span{{Text: "一二三四五六七八九十", Size: 20}}, MaxWidth: 100, MaxLines: 2},
			want: []string{"一二三四五", "六七八九十"},
		},
		{
			name:      "custom ellipsis",
			p:         Paragraph{Spans: []Span{{Text: "一二三四五六七", Size: 20}}, MaxWidth: 100, MaxLines: 1, Ellipsis: "……"},
			want:      []string{"一二三……"},
			truncated: true,
		},
		{
			name:      "short last line still gets the ellipsis",
			p:         Paragraph{Spans: []Span{{Text: "一二\n三四\n五六", Size: 20}}, MaxWidth: 100, MaxLines: 2},
			want:      []string{"一二", "三四…"},
			truncated: true,
		},
		{
			name:      "opening bracket dropped before the ellipsis",
			p:         Paragraph{Spans: []Span{{Text: "一二三（四五六七", Size: 20}}, MaxWidth: 100, MaxLines: 1},
			want:      []string{"一二三…"},
			truncated: true,
		},
		{
			name:      "one-line Latin name cut by characters, not at the word boundary",
			p:         Paragraph{Spans: []Span{{Text: "Hello wonderful world", Size: 20}}, MaxWidth: 100, MaxLines: 1},
			want:      []string{"Hello w…"},
			truncated: true,
		},
		{
			name:      "trailing space dropped before the ellipsis",
			p:         Paragraph{Spans: []Span{{Text: "一二三 四五六七八", Size: 20}}, MaxWidth: 80, MaxLines: 1},
			want:      []string{"一二三…"},
			truncated: true,
		},

		{
			name:      "no width",
			p:         Paragraph{Spans: []Span{{Text: "一\n二", Size: 20}}, MaxLines: 1},
			want:      []string{"一…"},
			truncated: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := s.Layout(tt.p)
			if err != nil {
				t.Fatal(err)
			}
			if got := lineTexts(b); !slices.Equal(got, tt.want) {
				t.Errorf("lines = %q, want %q", got, tt.want)
			}
			if b.Truncated != tt.truncated {
				t.Errorf("Truncated = %v, want %v", b.Truncated, tt.truncated)
			}
			if tt.p.MaxWidth > 0 && b.Width > tt.p.MaxWidth+1e-6 {
				t.Errorf("Width = %v, more than MaxWidth %v", b.Width, tt.p.MaxWidth)
			}
		})
	}
}

func TestFallbackHasNoTofu(t *testing.T) {
	s := mustDefault(t)
	text := "中文English 123 ¥99，《书名》😀👍🏽🇨🇳👨‍👩‍👧❤️1️⃣ café ½ ①"
	b, err := s.Layout(Paragraph{Spans: []Span{{Text: text, Size: 24}}})
	if err != nil {
		t.Fatal(err)
	}
	emoji := 0
	for _, ln := range b.lines {
		for _, g := range ln.glyphs {
			if g.gid == 0 {
				t.Errorf(".notdef glyph from %s in %q", g.face.family, ln.text)
			}
			if g.face.bitmap {
				emoji++
			}
		}
	}
	// 😀 👍🏽 🇨🇳 👨‍👩‍👧 ❤️ 1️⃣: each one colour glyph when the font has the sequence.
	if emoji != 6 {
		t.Errorf("%d colour glyphs, want 6 (sequences shaped as one glyph each)", emoji)
	}
}

func TestBaselinesAlignAcrossSizes(t *testing.T) {
	s := mustDefault(t)
	b, err := s.Layout(Paragraph{Spans: []Span{
		{Text: "¥", Size: 20},
		{Text: "99", Size: 60, Weight: 700},
		{Text: ".9", Size: 30},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if b.Lines != 1 {
		t.Fatalf("Lines = %d, want 1", b.Lines)
	}
	for _, g := range b.lines[0].glyphs {
		if g.y != 0 {
			t.Errorf("glyph %d offset %v from the common baseline", g.gid, g.y)
		}
	}
	if got, want := b.Height, 60*defaultLineHeight; got != want {
		t.Errorf("Height = %v, want %v (largest size × line height)", got, want)
	}
	if bl := b.Baseline(0); bl <= 0 || bl >= b.Height {
		t.Errorf("Baseline(0) = %v, want inside (0, %v)", bl, b.Height)
	}
}

func TestLetterSpacing(t *testing.T) {
	s := mustDefault(t)
	plain, err := s.Layout(Paragraph{Spans: []Span{{Text: "一二三", Size: 20}}})
	if err != nil {
		t.Fatal(err)
	}
	spaced, err := s.Layout(Paragraph{Spans: []Span{{Text: "一二三", Size: 20, LetterSpacing: 5}}})
	if err != nil {
		t.Fatal(err)
	}
	// Spacing after each grapheme, except that the last one's does not
	// count towards the visible width.
	if got, want := spaced.Width-plain.Width, 10.0; got != want {
		t.Errorf("spacing added %v px, want %v", got, want)
	}
}

func TestStrike(t *testing.T) {
	s := mustDefault(t)
	red := color.NRGBA{200, 0, 0, 255}
	b, err := s.Layout(Paragraph{Spans: []Span{
		{Text: "现价 ", Size: 20},
		{Text: "¥199", Size: 20, Strike: true, Color: red},
		{Text: " ", Size: 20, Strike: true, Color: red},
	}})
	if err != nil {
		t.Fatal(err)
	}
	st := b.lines[0].strikes
	if len(st) != 1 {
		t.Fatalf("%d strikes, want 1", len(st))
	}
	if st[0].color != red || st[0].x0 <= 40 || st[0].x1 > b.Width+1e-9 || st[0].x1-st[0].x0 < 30 {
		t.Errorf("strike %+v does not cover the price (line width %v)", st[0], b.Width)
	}
	// Noto Sans CJK's x-height is 543/1000 em: the stroke's middle sits at
	// 5.43 px above the baseline at 20 px, as a browser draws it.
	if mid := -st[0].y - st[0].h/2; math.Abs(mid-5.43) > 0.05 {
		t.Errorf("strike centred %.2f px above the baseline, want 5.43 (middle of the x-height)", mid)
	}
}

func TestFontSet(t *testing.T) {
	s := mustDefault(t)
	for _, f := range []string{"", "Noto Sans SC", "noto sans sc", "sans", "Noto Color Emoji"} {
		if !s.Has(f) {
			t.Errorf("Has(%q) = false", f)
		}
	}
	if s.Has("Brand") {
		t.Error(`Has("Brand") before Add`)
	}
	// The other fallback families serve characters but are not names
	// layouts may use.
	if got, want := s.Families(), []string{"Noto Color Emoji", "Noto Sans SC"}; !slices.Equal(got, want) {
		t.Errorf("Families() = %q, want %q", got, want)
	}

	bold, err := fonts.FS.ReadFile(fonts.SansBold)
	if err != nil {
		t.Fatal(err)
	}
	c := s.Clone()
	if err := c.Add("Brand", bold); err != nil {
		t.Fatal(err)
	}
	if !c.Has("brand") || s.Has("Brand") {
		t.Errorf("after Clone().Add: clone Has=%v, original Has=%v; want true, false", c.Has("brand"), s.Has("Brand"))
	}
	if _, err := s.Layout(Paragraph{Spans: []Span{{Text: "x", Size: 10, Family: "Brand"}}}); !errors.Is(err, ErrUnknownFamily) {
		t.Errorf("Layout with unknown family: err = %v, want ErrUnknownFamily", err)
	}
	b, err := c.Layout(Paragraph{Spans: []Span{{Text: "品牌😀", Size: 10, Family: "Brand"}}})
	if err != nil {
		t.Fatal(err)
	}
	if g := b.lines[0].glyphs; g[0].face.family != "Brand" || g[0].face.weight != 700 || !g[2].face.bitmap {
		t.Errorf("faces = %s/%d, %s: want Brand/700 then the emoji fallback", g[0].face.family, g[0].face.weight, g[2].face.family)
	}
	if err := c.Add("Broken", []byte("not a font")); err == nil {
		t.Error("Add accepted garbage")
	}
	if err := c.Add(" ", bold); err == nil {
		t.Error("Add accepted an empty family name")
	}
}

func TestWeights(t *testing.T) {
	s := mustDefault(t)
	for _, tt := range []struct{ ask, want int }{{0, 400}, {100, 400}, {400, 400}, {500, 400}, {600, 700}, {700, 700}, {900, 700}} {
		b, err := s.Layout(Paragraph{Spans: []Span{{Text: "字", Size: 10, Weight: tt.ask}}})
		if err != nil {
			t.Fatal(err)
		}
		if got := b.lines[0].glyphs[0].face.weight; got != tt.want {
			t.Errorf("weight %d: got face %d, want %d", tt.ask, got, tt.want)
		}
	}
}

func TestValidation(t *testing.T) {
	s := mustDefault(t)
	ok := Span{Text: "x", Size: 10}
	for name, p := range map[string]Paragraph{
		"zero size":         {Spans: []Span{{Text: "x"}}},
		"huge size":         {Spans: []Span{{Text: "x", Size: 1e6}}},
		"negative width":    {Spans: []Span{ok}, MaxWidth: -1},
		"negative lines":    {Spans: []Span{ok}, MaxLines: -1},
		"huge line height":  {Spans: []Span{ok}, LineHeight: 100},
		"bad align":         {Spans: []Span{ok}, Align: 7},
		"too long":          {Spans: []Span{{Text: strings.Repeat("字", MaxRunes+1), Size: 10}}},
		"bad letterspacing": {Spans: []Span{{Text: "x", Size: 10, LetterSpacing: 1e9}}},
	} {
		if _, err := s.Layout(p); !errors.Is(err, ErrInvalidParagraph) {
			t.Errorf("%s: err = %v, want ErrInvalidParagraph", name, err)
		}
	}
	b, err := s.Layout(Paragraph{})
	if err != nil || b.Lines != 0 || b.Height != 0 {
		t.Errorf("empty paragraph: %+v, %v; want an empty block", b, err)
	}
}
