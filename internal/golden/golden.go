// Package golden compares rendered images with reviewed reference images
// kept under testdata/, for tests. Run a test with -update to rewrite the
// references; on a mismatch the got, want and diff images are written to
// testdata/failed/ for a person to look at.
package golden

import (
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden images under testdata/")

// Tolerance says how different two images may be and still match.
type Tolerance struct {
	// Channel is the largest difference of one colour channel (0–255) that
	// counts as equal; antialiasing and encoder rounding stay under it.
	Channel uint8
	// Fraction is the share of pixels (0–1) allowed to differ by more.
	Fraction float64
}

// Default tolerates antialiasing differences, not changed content.
var Default = Tolerance{Channel: 40, Fraction: 0.002}

// Check compares got with testdata/NAME.png (relative to the test's
// package folder).
func Check(t testing.TB, name string, got image.Image, tol Tolerance) {
	t.Helper()
	path := filepath.Join("testdata", name+".png")
	if *update {
		if err := writePNG(path, got); err != nil {
			t.Fatalf("golden: %v", err)
		}
		return
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("golden: %v (run the test with -update to create it)", err)
	}
	want, err := png.Decode(f)
	f.Close()
	if err != nil {
		t.Fatalf("golden: %s: %v", path, err)
	}
	diff, bad, msg := compare(got, want, tol)
	if msg == "" {
		return
	}
	failed := filepath.Join("testdata", "failed")
	_ = writePNG(filepath.Join(failed, name+".got.png"), got)
	_ = writePNG(filepath.Join(failed, name+".want.png"), want)
	if diff != nil {
		_ = writePNG(filepath.Join(failed, name+".diff.png"), diff)
	}
	t.Errorf("golden %s: %s (%d pixels); see %s", name, msg, bad, failed)
}

func compare(got, want image.Image, tol Tolerance) (*image.RGBA, int, string) {
	gb, wb := got.Bounds(), want.Bounds()
	if gb.Size() != wb.Size() {
		return nil, 0, fmt.Sprintf("size %v, want %v", gb.Size(), wb.Size())
	}
	diff := image.NewRGBA(image.Rect(0, 0, gb.Dx(), gb.Dy()))
	bad := 0
	for y := 0; y < gb.Dy(); y++ {
		for x := 0; x < gb.Dx(); x++ {
			// Premultiplied, so invisible colour under zero alpha is no difference.
			a := color.RGBAModel.Convert(got.At(gb.Min.X+x, gb.Min.Y+y)).(color.RGBA)
			b := color.RGBAModel.Convert(want.At(wb.Min.X+x, wb.Min.Y+y)).(color.RGBA)
			d := max(absDiff(a.R, b.R), absDiff(a.G, b.G), absDiff(a.B, b.B), absDiff(a.A, b.A))
			if d > tol.Channel {
				bad++
				diff.Set(x, y, color.RGBA{R: 255, A: 255})
			} else {
				g := uint8(200 + int(b.R/8+b.G/8+b.B/8)/6)
				diff.Set(x, y, color.RGBA{R: g, G: g, B: g, A: 255})
			}
		}
	}
	if float64(bad) > tol.Fraction*float64(gb.Dx()*gb.Dy()) {
		return diff, bad, fmt.Sprintf("%.3f%% of pixels differ by more than %d", 100*float64(bad)/float64(gb.Dx()*gb.Dy()), tol.Channel)
	}
	return nil, bad, ""
}

func absDiff(a, b uint8) uint8 {
	if a > b {
		return a - b
	}
	return b - a
}

func writePNG(path string, img image.Image) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	nrgba := image.NewNRGBA(img.Bounds())
	draw.Draw(nrgba, nrgba.Bounds(), img, img.Bounds().Min, draw.Src)
	if err := png.Encode(f, nrgba); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
