package text

import (
	"image"
	"image/color"
	"strings"
	"testing"

	"golang.org/x/image/draw"

	"github.com/haibao/haibao/internal/golden"
)

// TestURLBreaks wants a URL kept whole on a line when it fits there, and,
// when it does not fit any line, cut only where needed and never so that
// a line starts with ".", "," or "/".
func TestURLBreaks(t *testing.T) {
	s := mustDefault(t)
	const url = "https://haibao.example.com/posters/invite"
	b := mustLayout(t, s, Paragraph{Spans: []Span{{Text: "详情请见 " + url + " 页面", Size: 20}}, MaxWidth: 460})
	lines := lineTexts(b)
	whole := false
	for _, ln := range lines {
		whole = whole || strings.Contains(ln, url)
	}
	if !whole {
		t.Errorf("URL split although it fits a line: %q", lines)
	}
	for _, tc := range []struct {
		text  string
		width float64
	}{
		{url + "/and/a/very/long/path.html#part,1,2,3", 150},
		{"www.a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t", 90},
		{"x,y,z,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15", 90},
		{"a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q/r/s/t/u", 90},
	} {
		b := mustLayout(t, s, Paragraph{Spans: []Span{{Text: tc.text, Size: 20}}, MaxWidth: tc.width})
		lines := lineTexts(b)
		if strings.Join(lines, "") != tc.text {
			t.Errorf("%q: lines %q lose characters", tc.text, lines)
		}
		for i, ln := range lines {
			if i > 0 && strings.ContainsAny(ln[:1], ".,/") {
				t.Errorf("%q: line %d starts with %q: %q", tc.text, i, ln[:1], lines)
			}
		}
		if b.Width > tc.width+1e-6 {
			t.Errorf("%q: width %.1f over %v", tc.text, b.Width, tc.width)
		}
		// Where needed: every line but the last is nearly full.
		for i := 0; i+1 < b.Lines; i++ {
			if b.lines[i].width < tc.width-3*20 {
				t.Errorf("%q: line %d (%q) is %.1f px wide, broken earlier than needed", tc.text, i, lines[i], b.lines[i].width)
			}
		}
	}
}

// TestGoldenFinishing draws a struck price, a cut one-line Latin name,
// a wrapped URL and an emoji larger than the colour font's bitmaps.
func TestGoldenFinishing(t *testing.T) {
	s := mustDefault(t)
	img := image.NewRGBA(image.Rect(0, 0, 400, 330))
	draw.Draw(img, img.Rect, image.NewUniform(color.NRGBA{0xFA, 0xF6, 0xEE, 0xFF}), image.Point{}, draw.Src)
	grey := color.NRGBA{0x99, 0x99, 0x99, 0xFF}
	y := 10.0
	for _, p := range []Paragraph{
		{Spans: []Span{{Text: "¥199 原价 xyz", Size: 32, Color: grey, Strike: true}}},
		{Spans: []Span{{Text: "Maximilian Alexander Montgomery", Size: 28, Color: black}}, MaxWidth: 300, MaxLines: 1},
		{Spans: []Span{{Text: "https://haibao.example.com/posters/invite?user=88&from=timeline", Size: 20, Color: black}}, MaxWidth: 300},
		{Spans: []Span{{Text: "🎉😀", Size: 120}}},
	} {
		b := mustLayout(t, s, p)
		b.Draw(img, 20, y, 1)
		y += b.Height + 8
	}
	golden.Check(t, "finishing", img, golden.Default)
}
