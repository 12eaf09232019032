package picture

import (
	"image"
	"image/color"
	"math"
	"testing"

	"golang.org/x/image/draw"

	"github.com/haibao/haibao/internal/golden"
)

// TestDrawBorderedNoBleed draws a red photo in a circle with a white
// border on black: outside the border's inner edge no pixel may be redder
// than it is green, because only the white border and the black ground
// belong there.
func TestDrawBorderedNoBleed(t *testing.T) {
	for _, size := range []int{61, 64, 125} {
		dst := image.NewRGBA(image.Rect(0, 0, size+10, size+10))
		draw.Draw(dst, dst.Bounds(), image.NewUniform(color.Black), image.Point{}, draw.Src)
		r := image.Rect(5, 5, 5+size, 5+size)
		red := image.NewUniform(color.NRGBA{255, 0, 0, 255})
		radius, width := float64(size)/2, 4.0
		DrawBordered(dst, r, red, radius, 1, width, color.NRGBA{255, 255, 255, 255})
		cx, cy := 5+radius, 5+radius
		worst := 0
		for y := dst.Rect.Min.Y; y < dst.Rect.Max.Y; y++ {
			for x := dst.Rect.Min.X; x < dst.Rect.Max.X; x++ {
				d := math.Hypot(float64(x)+0.5-cx, float64(y)+0.5-cy)
				if d < radius-width+1 {
					continue
				}
				c := dst.RGBAAt(x, y)
				worst = max(worst, int(c.R)-int(c.G))
			}
		}
		if worst > 2 {
			t.Errorf("size %d: photo bleeds outside the border: red exceeds green by %d", size, worst)
		}
		if c := dst.RGBAAt(5+size/2, 5+size/2); c != (color.RGBA{255, 0, 0, 255}) {
			t.Errorf("size %d: centre %v, want the photo", size, c)
		}
		if c := dst.RGBAAt(5+size/2, 7); c != (color.RGBA{255, 255, 255, 255}) {
			t.Errorf("size %d: border %v, want white", size, c)
		}
	}
}

// TestDrawBorderedGolden keeps a bordered circle and a bordered rounded
// rectangle of a photo on a dark ground for the eye.
func TestDrawBorderedGolden(t *testing.T) {
	dst := image.NewRGBA(image.Rect(0, 0, 220, 110))
	draw.Draw(dst, dst.Bounds(), image.NewUniform(color.NRGBA{30, 30, 60, 255}), image.Point{}, draw.Src)
	p := photo(95, 95)
	DrawBordered(dst, image.Rect(7, 7, 102, 102), p, 47.5, 1, 5, color.NRGBA{255, 255, 255, 255})
	DrawBordered(dst, image.Rect(115, 7, 210, 102), p, 20, 0.8, 3, color.NRGBA{255, 200, 0, 255})
	golden.Check(t, "bordered", dst, golden.Default)
}
