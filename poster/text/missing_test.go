package text

import (
	"reflect"
	"testing"
)

// TestMissingReported lays out characters no embedded font has and wants
// each reported once, with its script, and nothing for covered text.
func TestMissingReported(t *testing.T) {
	s := mustDefault(t)
	tests := []struct {
		text string
		want []Missing
	}{
		{"你好 Hello 🎉", nil},
		{"名字\U00013000和\U00013000再\U0001D800", []Missing{{0x13000, "Egyptian_Hieroglyphs"}, {0x1D800, "SignWriting"}}},
		{"\U000F0000", []Missing{{0xF0000, "Unknown"}}}, // private use
		{"a\u200db\ufe0f", nil},                         // joiners and selectors need no glyph
	}
	for _, tc := range tests {
		b := mustLayout(t, s, Paragraph{Spans: []Span{{Text: tc.text, Size: 20}}})
		if !reflect.DeepEqual(b.Missing, tc.want) {
			t.Errorf("%q: Missing = %v, want %v", tc.text, b.Missing, tc.want)
		}
	}
}
