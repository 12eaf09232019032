package poster

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"io/fs"
	"math"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/haibao/haibao/layouts"
	"github.com/haibao/haibao/poster/picture"
)

// sweepShape is what the sweep needs of a rect or image element, read from
// the layout file itself so the test does not lean on the engine's
// internal model.
type sweepShape struct {
	ID     string  `yaml:"id"`
	Type   string  `yaml:"type"`
	Radius float64 `yaml:"radius"`
	Circle bool    `yaml:"circle"`
	Border struct {
		Width float64 `yaml:"width"`
	} `yaml:"border"`
	Stroke struct {
		Width float64 `yaml:"width"`
	} `yaml:"stroke"`
}

// TestShapeSweep draws every rect and image of every sample layout at
// each scale from 0.5 to 4 in steps of 0.005 and checks that its mask
// covers the area of its rounded shape (and its border ring, if any) to
// within a pixel, and spans its whole box. Boxes come from Render; the
// masks are drawn alone, as the engine draws them, which keeps the 700
// scales × 4 layouts quick. -short checks every tenth scale, -race every
// fourth.
func TestShapeSweep(t *testing.T) {
	e := testEngine(t)
	step := 1
	switch {
	case testing.Short():
		step = 10
	case raceEnabled:
		step = 4 // the race detector makes the pixel loops ~10× slower
	}
	for _, l := range sampleLayouts(t, e) {
		t.Run(l.Name, func(t *testing.T) {
			t.Parallel()
			shapes := layoutShapes(t, l.Name)
			boxes := renderBoxes(t, e, l, 1)
			// Boxes are in layout units, so they must not move with the scale.
			for _, s := range []float64{0.5, 2.625, 4} {
				if got := renderBoxes(t, e, l, s); !sameBoxes(got, boxes) {
					t.Fatalf("boxes at scale %g differ from scale 1:\n%v\n%v", s, got, boxes)
				}
			}
			checked := 0
			for i := 0; i <= 700; i += step {
				scale := 0.5 + float64(i)*0.005
				for _, b := range boxes {
					sh, ok := shapes[b.ID]
					if !ok || (sh.Type != "rect" && sh.Type != "image") {
						continue
					}
					checkShape(t, b, sh, scale)
					checked++
				}
			}
			if checked == 0 {
				t.Fatal("no rect or image element checked")
			}
		})
	}
}

func layoutShapes(t *testing.T, name string) map[string]sweepShape {
	t.Helper()
	src, err := fs.ReadFile(layouts.FS, name+".yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Elements []sweepShape `yaml:"elements"`
	}
	if err := yaml.Unmarshal(src, &doc); err != nil {
		t.Fatal(err)
	}
	out := map[string]sweepShape{}
	for _, s := range doc.Elements {
		out[s.ID] = s
	}
	return out
}

func renderBoxes(t *testing.T, e *Engine, l *Layout, scale float64) []Box {
	t.Helper()
	res, err := e.Render(context.Background(), l, l.Sample, RenderOptions{Scale: scale})
	if err != nil {
		t.Fatalf("scale %g: %v", scale, err)
	}
	defer res.Release()
	return res.Boxes
}

// checkShape draws one element's fill (and border) mask at scale onto a
// clear canvas and compares the covered area with the geometric one.
func checkShape(t *testing.T, b Box, sh sweepShape, scale float64) {
	t.Helper()
	r := image.Rect(int(math.Round(b.X*scale)), int(math.Round(b.Y*scale)),
		int(math.Round((b.X+b.W)*scale)), int(math.Round((b.Y+b.H)*scale)))
	w, h := r.Dx(), r.Dy()
	if w <= 0 || h <= 0 {
		t.Errorf("scale %g: %s %q has an empty pixel box %v", scale, sh.Type, b.ID, r)
		return
	}
	radius := sh.Radius * scale
	if sh.Circle {
		radius = float64(min(w, h)) / 2
	}
	radius = math.Min(radius, float64(min(w, h))/2)
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	picture.DrawRounded(dst, dst.Bounds(), image.NewUniform(color.White), radius, 1)
	want := roundedArea(float64(w), float64(h), radius)
	where := fmt.Sprintf("scale %.3f: %s %q (%dx%d px, radius %.2f)", scale, sh.Type, b.ID, w, h, radius)
	checkCoverage(t, where+" fill", dst, want)

	width := math.Max(sh.Border.Width, sh.Stroke.Width) * scale
	if width <= 0 {
		return
	}
	dst = image.NewRGBA(image.Rect(0, 0, w, h))
	picture.StrokeRounded(dst, dst.Bounds(), radius, width, color.NRGBA{255, 255, 255, 255})
	inner := 0.0
	if iw, ih := float64(w)-2*width, float64(h)-2*width; iw > 0 && ih > 0 {
		inner = roundedArea(iw, ih, math.Max(radius-width, 0))
	}
	checkCoverage(t, where+fmt.Sprintf(" border %.2f", width), dst, want-inner)

	// A photo and its border drawn as one shape cover the fill's area,
	// border included, and nothing outside it.
	dst = image.NewRGBA(image.Rect(0, 0, w, h))
	picture.DrawBordered(dst, dst.Bounds(), image.NewUniform(color.White), radius, 1, width, color.NRGBA{255, 0, 0, 255})
	checkCoverage(t, where+fmt.Sprintf(" bordered photo %.2f", width), dst, want)
}

// roundedArea is the area of a w×h rectangle with corners of radius r.
func roundedArea(w, h, r float64) float64 {
	return w*h - (4-math.Pi)*r*r
}

// checkCoverage sums dst's alpha as covered pixels and wants it within a
// pixel of want; it also wants the first and last row and column touched,
// so a shape that collapsed to a line, or lost an edge, fails even when
// it is tiny.
func checkCoverage(t *testing.T, where string, dst *image.RGBA, want float64) {
	t.Helper()
	b := dst.Bounds()
	var sum uint64
	for i := 3; i < len(dst.Pix); i += 4 {
		sum += uint64(dst.Pix[i])
	}
	got := float64(sum) / 255
	touched := func(x0, y0, x1, y1 int) bool {
		for y := y0; y < y1; y++ {
			for x := x0; x < x1; x++ {
				if dst.Pix[y*dst.Stride+x*4+3] != 0 {
					return true
				}
			}
		}
		return false
	}
	w, h := b.Dx(), b.Dy()
	edges := touched(0, 0, w, 1) && touched(0, h-1, w, h) && touched(0, 0, 1, h) && touched(w-1, 0, w, h)
	// Antialiasing quantises each edge pixel and the corners are Bézier
	// arcs, so allow a pixel plus an edge moved by a tenth of a pixel; a
	// shape that changed (a lost corner, a collapsed band) is far off.
	tol := 1 + 0.1*2*float64(b.Dx()+b.Dy())
	if math.Abs(got-want) > tol {
		t.Errorf("%s: covers %.1f px², want %.1f ± %.1f", where, got, want, tol)
	}
	if !edges {
		t.Errorf("%s: does not reach every edge of its box", where)
	}
}

func sameBoxes(a, b []Box) bool {
	if len(a) != len(b) {
		return false
	}
	near := func(x, y float64) bool { return math.Abs(x-y) < 1e-6 }
	for i := range a {
		p, q := a[i], b[i]
		if p.ID != q.ID || p.Type != q.Type || !near(p.X, q.X) || !near(p.Y, q.Y) || !near(p.W, q.W) || !near(p.H, q.H) {
			return false
		}
	}
	return true
}
