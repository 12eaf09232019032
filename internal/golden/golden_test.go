package golden

import (
	"image"
	"image/color"
	"testing"
)

func TestCompare(t *testing.T) {
	a := image.NewRGBA(image.Rect(0, 0, 100, 100))
	b := image.NewRGBA(image.Rect(0, 0, 100, 100))
	if _, _, msg := compare(a, b, Default); msg != "" {
		t.Fatalf("equal images differ: %s", msg)
	}
	// A faint change everywhere is antialiasing noise.
	for i := range b.Pix {
		b.Pix[i] = 20
	}
	if _, _, msg := compare(a, b, Default); msg != "" {
		t.Fatalf("small channel change rejected: %s", msg)
	}
	// A solid patch is changed content.
	for y := 0; y < 5; y++ {
		for x := 0; x < 5; x++ {
			b.Set(x, y, color.RGBA{R: 255, A: 255})
		}
	}
	if _, bad, msg := compare(a, b, Default); msg == "" || bad != 25 {
		t.Fatalf("patch not caught: bad=%d msg=%q", bad, msg)
	}
	if _, _, msg := compare(a, image.NewRGBA(image.Rect(0, 0, 10, 10)), Default); msg == "" {
		t.Fatal("size change not caught")
	}
}
