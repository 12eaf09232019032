package text

import (
	"errors"
	"fmt"
	"image/color"
	"math"
	"unicode/utf8"
)

// Align places lines horizontally within the paragraph's box.
type Align int

const (
	AlignLeft Align = iota
	AlignCenter
	AlignRight
)

// String returns "left", "center" or "right".
func (a Align) String() string {
	switch a {
	case AlignLeft:
		return "left"
	case AlignCenter:
		return "center"
	case AlignRight:
		return "right"
	}
	return fmt.Sprintf("Align(%d)", int(a))
}

// Limits on paragraphs, so that one request cannot make layout arbitrarily
// expensive.
const (
	MaxRunes         = 20000 // runes in all spans of a paragraph
	MaxFontSize      = 2000  // px
	MaxLetterSpacing = 1000  // px, either sign
	MaxLineHeight    = 20    // multiple of the font size
)

// ErrInvalidParagraph is returned (wrapped, with the reason) by Layout for a
// paragraph outside the limits above or with meaningless values.
var ErrInvalidParagraph = errors.New("invalid paragraph")

// Span is a run of text in one style.
type Span struct {
	Text   string
	Family string // "" = the set's default family
	Weight int    // 400, 700, ...; the nearest available weight is used; 0 = 400
	Size   float64
	Color  color.NRGBA
	// LetterSpacing is added after each grapheme, in px; may be negative.
	LetterSpacing float64
	// Strike draws a line through the span (an original price, say).
	Strike bool
}

// Paragraph is rich text to lay out in a box of a given width.
type Paragraph struct {
	Spans []Span
	// MaxWidth is the wrap width in px; 0 means lines break only at "\n".
	MaxWidth float64
	// MaxLines limits the line count (0 = unlimited); the last kept line
	// then ends with Ellipsis, fitted within MaxWidth.
	MaxLines int
	// LineHeight is the line box height as a multiple of the largest font
	// size on the line; 0 means 1.4.
	LineHeight float64
	Align      Align
	Ellipsis   string // "" means "…"
	// Punctuation: adjacent CJK punctuation is compressed unless this is
	// PunctuationNone.
	Punctuation Punctuation
}

const defaultLineHeight = 1.4

func (p *Paragraph) validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("text: %w: %s", ErrInvalidParagraph, fmt.Sprintf(format, args...))
	}
	if !finite(p.MaxWidth) || p.MaxWidth < 0 {
		return bad("max width %v is not a non-negative number", p.MaxWidth)
	}
	if p.MaxLines < 0 {
		return bad("max lines %d is negative", p.MaxLines)
	}
	if !finite(p.LineHeight) || p.LineHeight < 0 || p.LineHeight > MaxLineHeight {
		return bad("line height %v is outside [0, %d]", p.LineHeight, MaxLineHeight)
	}
	if p.Punctuation < PunctuationCompress || p.Punctuation > PunctuationNone {
		return bad("unknown punctuation mode %d", int(p.Punctuation))
	}
	if p.Align < AlignLeft || p.Align > AlignRight {
		return bad("unknown alignment %d", int(p.Align))
	}
	n := utf8.RuneCountInString(p.Ellipsis)
	for i, s := range p.Spans {
		if !finite(s.Size) || s.Size <= 0 || s.Size > MaxFontSize {
			return bad("span %d: font size %v is outside (0, %d]", i, s.Size, MaxFontSize)
		}
		if !finite(s.LetterSpacing) || math.Abs(s.LetterSpacing) > MaxLetterSpacing {
			return bad("span %d: letter spacing %v is outside [-%d, %d]", i, s.LetterSpacing, MaxLetterSpacing, MaxLetterSpacing)
		}
		if s.Weight < 0 || s.Weight > 1000 {
			return bad("span %d: weight %d is outside [0, 1000]", i, s.Weight)
		}
		n += utf8.RuneCountInString(s.Text)
	}
	if n > MaxRunes {
		return bad("%d characters, more than %d", n, MaxRunes)
	}
	return nil
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }
