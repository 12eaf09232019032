package text

import (
	"image"
	"image/color"
	"math"
	"testing"

	"golang.org/x/image/draw"

	"github.com/haibao/haibao/internal/golden"
)

// TestPunctuationCompression measures pairs of fullwidth marks at 20 px:
// compressed, each pair takes one and a half ems; with PunctuationNone
// two.
func TestPunctuationCompression(t *testing.T) {
	s := mustDefault(t)
	tests := []struct {
		text       string
		compressed float64 // width in ems with compression
	}{
		{"说：“好”", 4.5},  // colon + opening quote
		{"（一），二", 4.5},  // closing bracket + comma
		{"「一」。", 3.5},   // closing corner bracket + full stop
		{"一。「二」", 4.5},  // full stop + opening bracket
		{"《一》《二》", 5.5}, // closing + opening
		{"（（一））", 4},    // two openings, two closings
		{"一二三", 3},      // no punctuation: unchanged
		{"一，二", 3},      // a single mark keeps its em
	}
	for _, tc := range tests {
		for _, mode := range []Punctuation{PunctuationCompress, PunctuationNone} {
			b := mustLayout(t, s, Paragraph{Spans: []Span{{Text: tc.text, Size: 20}}, Punctuation: mode})
			want := tc.compressed
			if mode == PunctuationNone {
				want = float64(len([]rune(tc.text)))
			}
			if got := b.Width / 20; math.Abs(got-want) > 0.05 {
				t.Errorf("%q, %v: width %.2f em, want %.2f", tc.text, mode, got, want)
			}
		}
	}
}

// TestPunctuationGolden draws a paragraph dense with punctuation pairs,
// compressed above and uncompressed below.
func TestPunctuationGolden(t *testing.T) {
	s := mustDefault(t)
	img := image.NewRGBA(image.Rect(0, 0, 400, 230))
	draw.Draw(img, img.Rect, image.NewUniform(color.NRGBA{0xFA, 0xF6, 0xEE, 0xFF}), image.Point{}, draw.Src)
	y := 16.0
	for _, mode := range []Punctuation{PunctuationCompress, PunctuationNone} {
		b := mustLayout(t, s, Paragraph{
			Spans:       []Span{{Text: "他说：“明天（周六）见。”她答：「好的」。《海报》《指南》，都在这里。", Size: 22, Color: black}},
			MaxWidth:    360,
			Punctuation: mode,
		})
		b.Draw(img, 20, y, 1)
		y += b.Height + 24
	}
	golden.Check(t, "punctuation", img, golden.Default)
}
