package text

import (
	"image"
	"image/color"
	"image/draw"
	"sync"
	"testing"

	"github.com/go-text/typesetting/font"

	"github.com/haibao/haibao/internal/golden"
)

var (
	red   = color.NRGBA{R: 0xE0, G: 0x2E, B: 0x24, A: 0xFF}
	grey  = color.NRGBA{R: 0x99, G: 0x99, B: 0x99, A: 0xFF}
	black = color.NRGBA{R: 0x22, G: 0x22, B: 0x22, A: 0xFF}
)

// priceParagraph is a typical poster text: a title, a price with a small
// currency sign, a struck original price, and a description mixing
// Chinese, Latin, digits and emoji.
func priceParagraph() Paragraph {
	return Paragraph{
		Spans: []Span{
			{Text: "限时特惠 ", Size: 30, Weight: 700, Color: black},
			{Text: "¥", Size: 20, Weight: 700, Color: red},
			{Text: "99", Size: 44, Weight: 700, Color: red},
			{Text: ".9 ", Size: 20, Weight: 700, Color: red},
			{Text: "¥199", Size: 18, Color: grey, Strike: true},
			{Text: "\n新款 AirPods 降噪耳机🎧，支持蓝牙5.3，续航长达30小时！扫码立即抢购👇「仅限今日」", Size: 22, Color: black},
		},
		MaxWidth: 360,
		MaxLines: 4,
	}
}

func render(t testing.TB, b *Block, w, h int, opacity float64) *image.RGBA {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Rect, image.NewUniform(color.NRGBA{0xFA, 0xF6, 0xEE, 0xFF}), image.Point{}, draw.Src)
	b.Draw(img, 20, 20, opacity)
	return img
}

func TestGoldenPrice(t *testing.T) {
	s := mustDefault(t)
	b, err := s.Layout(priceParagraph())
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "price", render(t, b, 400, int(b.Height)+40, 1), golden.Default)
}

func TestGoldenAlignTruncate(t *testing.T) {
	s := mustDefault(t)
	img := image.NewRGBA(image.Rect(0, 0, 400, 300))
	draw.Draw(img, img.Rect, image.NewUniform(color.NRGBA{0x20, 0x30, 0x50, 0xFF}), image.Point{}, draw.Src)
	white := color.NRGBA{0xFF, 0xFF, 0xFF, 0xFF}
	y := 20.0
	for _, p := range []Paragraph{
		{Spans: []Span{{Text: "左对齐：春眠不觉晓，处处闻啼鸟。夜来风雨声，花落知多少。床前明月光，疑是地上霜。", Size: 20, Color: white}}, MaxWidth: 360, MaxLines: 2},
		{Spans: []Span{{Text: "居中 Center 对齐", Size: 24, Weight: 700, Color: white, LetterSpacing: 4}}, MaxWidth: 360, Align: AlignCenter},
		{Spans: []Span{{Text: "右对齐，半透明 Right 🎉", Size: 20, Color: white}}, MaxWidth: 360, Align: AlignRight},
	} {
		b, err := s.Layout(p)
		if err != nil {
			t.Fatal(err)
		}
		opacity := 1.0
		if p.Align == AlignRight {
			opacity = 0.5
		}
		b.Draw(img, 20, y, opacity)
		y += b.Height + 16
	}
	golden.Check(t, "align_truncate", img, golden.Default)
}

func TestDrawClipsAndIgnoresBadInput(t *testing.T) {
	s := mustDefault(t)
	b, err := s.Layout(priceParagraph())
	if err != nil {
		t.Fatal(err)
	}
	img := image.NewRGBA(image.Rect(0, 0, 50, 30))
	b.Draw(img, -100, -20, 1) // partly outside: must not panic
	b.Draw(img, 1e12, 1e12, 1)
	before := append([]uint8(nil), img.Pix...)
	b.Draw(img, 0, 0, 0)
	var nilBlock *Block
	nilBlock.Draw(img, 0, 0, 1)
	for i := range before {
		if img.Pix[i] != before[i] {
			t.Fatal("Draw with opacity 0 changed pixels")
		}
	}
}

// TestConcurrentUse lays out and draws from many goroutines; run with
// -race to check that no per-render state is shared.
func TestConcurrentUse(t *testing.T) {
	s := mustDefault(t)
	want := render(t, mustLayout(t, s, priceParagraph()), 400, 200, 1)
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			set := s
			if i%2 == 1 {
				set = s.Clone()
			}
			for j := 0; j < 5; j++ {
				b, err := set.Layout(priceParagraph())
				if err != nil {
					errs <- err.Error()
					return
				}
				got := render(t, b, 400, 200, 1)
				for k := range got.Pix {
					if got.Pix[k] != want.Pix[k] {
						errs <- "concurrent render differs from a sequential one"
						return
					}
				}
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	if n := s.shared.cache.len(); n == 0 {
		t.Error("glyph cache is empty after rendering")
	}
}

func mustLayout(t testing.TB, s *FontSet, p Paragraph) *Block {
	t.Helper()
	b, err := s.Layout(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestGlyphCacheBound(t *testing.T) {
	c := newGlyphCache(4 << 10) // two generations of 2 KiB
	img := &glyphImage{mask: image.NewAlpha(image.Rect(0, 0, 20, 20))}
	for i := 0; i < 100; i++ {
		c.add(glyphKey{gid: font.GID(i)}, img)
	}
	if n := c.len(); n >= 20 {
		t.Errorf("%d entries cached, want the bound to keep it under 20", n)
	}
	if c.get(glyphKey{gid: 99}) == nil {
		t.Error("most recent entry evicted")
	}
	if c.get(glyphKey{gid: 0}) != nil {
		t.Error("oldest entry kept")
	}
}

func BenchmarkLayoutAndDraw(b *testing.B) {
	s := mustDefault(b)
	p := priceParagraph()
	img := image.NewRGBA(image.Rect(0, 0, 400, 220))
	b.ReportAllocs()
	for b.Loop() {
		blk, err := s.Layout(p)
		if err != nil {
			b.Fatal(err)
		}
		blk.Draw(img, 20, 20, 1)
	}
}

func BenchmarkLayout(b *testing.B) {
	s := mustDefault(b)
	p := priceParagraph()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Layout(p); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDraw(b *testing.B) {
	s := mustDefault(b)
	blk := mustLayout(b, s, priceParagraph())
	img := image.NewRGBA(image.Rect(0, 0, 400, 220))
	b.ReportAllocs()
	for b.Loop() {
		blk.Draw(img, 20, 20, 1)
	}
}

// Bounds must hold every pixel Draw changes, including ink far outside the
// line boxes (stacked combining marks above and below, struck text, emoji),
// and be the tight union of glyph masks rather than a guess.
func TestBoundsHoldsEveryDrawnPixel(t *testing.T) {
	s := mustDefault(t)
	zalgo := "Z\u0300\u0301\u0302\u0303\u0304\u0306\u0307\u0308\u030a\u030b\u030cA\u0316\u0317\u0318\u0319\u031c\u031d\u031e\u031f\u0320\u0323\u0324\u0325"
	for _, p := range []Paragraph{
		priceParagraph(),
		{Spans: []Span{{Text: zalgo + " go", Size: 24, Color: black}}, MaxWidth: 300, LineHeight: 0.8},
		{Spans: []Span{{Text: "居中 Center", Size: 24, Color: black}}, MaxWidth: 300, Align: AlignCenter},
	} {
		b, err := s.Layout(p)
		if err != nil {
			t.Fatal(err)
		}
		img := image.NewRGBA(image.Rect(0, 0, 500, 400))
		const x, y = 100.25, 150
		b.Draw(img, x, y, 1)
		bounds := b.Bounds(x, y)
		var drawn image.Rectangle
		for py := img.Rect.Min.Y; py < img.Rect.Max.Y; py++ {
			for px := img.Rect.Min.X; px < img.Rect.Max.X; px++ {
				if img.RGBAAt(px, py).A != 0 {
					drawn = drawn.Union(image.Rect(px, py, px+1, py+1))
				}
			}
		}
		if drawn.Empty() {
			t.Fatalf("%q: nothing drawn", p.Spans[0].Text)
		}
		if !drawn.In(bounds) {
			t.Errorf("%q: drew %v, outside Bounds %v", p.Spans[0].Text, drawn, bounds)
		}
		// Masks carry at most a pixel of empty margin on each side.
		if grow := drawn.Inset(-2); !bounds.In(grow) {
			t.Errorf("%q: Bounds %v much larger than the drawn %v", p.Spans[0].Text, bounds, drawn)
		}
		if p.LineHeight == 0.8 {
			top := y + b.lines[0].top
			if float64(drawn.Min.Y) > top-4 || float64(drawn.Max.Y) < top+b.Height+4 {
				t.Errorf("stacked marks drew only %v: the test needs ink outside the line box (%v to %v)", drawn, top, top+b.Height)
			}
		}
	}
	var nilBlock *Block
	if r := nilBlock.Bounds(0, 0); !r.Empty() {
		t.Errorf("nil block: Bounds %v", r)
	}
}
