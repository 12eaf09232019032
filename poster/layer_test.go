package poster

import (
	"bytes"
	"context"
	"image"
	"maps"
	"slices"
	"testing"
	"testing/fstest"

	"github.com/haibao/haibao/layouts"
)

// drawWhole draws d the plain way, every element in file order over the
// background, for comparison with Draw's layered way.
func drawWhole(t *testing.T, e *Engine, d *Doc) *image.RGBA {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, d.w, d.h))
	e.drawBackground(img, d, false)
	for i := range d.items {
		if !d.items[i].hidden {
			e.draw(img, d, &d.items[i])
		}
	}
	return img
}

// layerIDs lists the ids of the elements Draw takes from the layer.
func layerIDs(e *Engine, d *Doc) []string {
	var ids []string
	for i, in := range e.layerPlan(d) {
		if in {
			ids = append(ids, d.items[i].el.id)
		}
	}
	return ids
}

// renderBoth renders data with l twice on the same engine (cold layer,
// then warm) and the plain way, and fails unless all three agree to the
// byte. It returns the ids drawn from the layer.
func renderBoth(t *testing.T, e *Engine, l *Layout, data map[string]any, scale float64) []string {
	t.Helper()
	ctx := context.Background()
	d, err := e.Bind(l, data, RenderOptions{Scale: scale})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Fetch(ctx, d); err != nil {
		t.Fatal(err)
	}
	want := drawWhole(t, e, d)
	for _, pass := range []string{"cold", "warm"} {
		res, err := e.Draw(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(res.Image.Pix, want.Pix) {
			t.Errorf("%s, %s layer: pixels differ from drawing every element in order (layer: %v)", l.Name, pass, layerIDs(e, d))
		}
		if res.opaqueBase && !want.Opaque() {
			t.Errorf("%s: result claims an opaque canvas that is not", l.Name)
		}
		res.Release()
	}
	return layerIDs(e, d)
}

// Drawing the fixed elements of every sample layout once, into a layer,
// must not change one pixel of any render.
func TestLayerDrawsTheSamePixels(t *testing.T) {
	e := testEngine(t)
	for _, l := range sampleLayouts(t, e) {
		for _, scale := range []float64{1, 0.5} {
			ids := renderBoth(t, e, l, l.Sample, scale)
			t.Logf("%s at %g: layer holds %v", l.Name, scale, ids)
			if l.m.autoHeight && len(ids) > 0 {
				t.Errorf("%s grows with its content, yet has a layer %v", l.Name, ids)
			}
		}
	}
	// The campaign poster's fixed kicker, panel and hint are the layer's.
	l, err := e.LoadLayout(layouts.FS, "campaign.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := renderBoth(t, e, l, l.Sample, 1), []string{"kicker", "panel", "hint"}; !slices.Equal(got, want) {
		t.Errorf("campaign layer holds %v, want %v", got, want)
	}
	// A tagline long enough to run down into the panel keeps the panel
	// (drawn above it in the file) out of the layer, so it still covers
	// the text.
	data := maps.Clone(l.Sample)
	data["tagline"] = "一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十"
	long := maps.Clone(l.Sample)
	long["invite"] = "我已报名，邀你一起夜跑打卡！我已报名，邀你一起夜"
	for _, d := range []map[string]any{data, long} {
		renderBoth(t, e, l, d, 1)
	}
}

// Fixed elements placed against data-driven ones, conditional elements,
// templated colours and overlapping stacks in every order.
func TestLayerOrderAndOverlap(t *testing.T) {
	e := testEngine(t)
	src := `canvas: {width: 300, height: 400, background: "#203050"}
elements:
  - {id: name, type: text, text: "{{name}}", x: 20, y: 20, width: 260, size: 40, color: "#ffffff"}
  - {id: over, type: rect, x: 10, y: 30, width: 200, height: 40, fill: "rgba(255,0,0,0.5)", radius: 8}
  - {id: after, type: text, text: 固定文字, x: 20, y: {below: name, gap: 10}, size: 20, color: "#ffcc00"}
  - {id: apart, type: rect, x: 10, y: 300, width: 280, height: 80, fill: "rgba(255,255,255,0.8)", radius: 16, stroke: {width: 2, color: "#000"}}
  - {id: tinted, type: rect, x: 20, y: 310, width: 40, height: 40, fill: "{{tint | #00ff00}}"}
  - {id: maybe, type: text, text: 可选, x: 80, y: 310, size: 20, color: "#000", if: flag}
  - {id: rule, type: line, x: 20, y: 360, width: 260, height: 0, thickness: 3, color: "#333"}
  - {id: star, type: image, src: asset:badge-star.png, x: 200, y: 305, width: 60, height: 60}
  - {id: top, type: text, text: 顶部, x: 150, y: 200, size: 30, color: "#fff", opacity: 0.6}
`
	l, err := e.ParseLayout(fstest.MapFS{}, "t.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		data map[string]any
		want []string
	}{
		// "over" overlaps the name drawn before it; "after" moves with
		// the name; the rest are apart from the data-driven elements.
		{map[string]any{"name": "短"}, []string{"apart", "rule", "star", "top"}},
		{map[string]any{"name": "很长很长的名字会换行到第二行第三行", "tint": "#ff00ff", "flag": "1"}, []string{"apart", "rule", "star", "top"}},
		// A name tall enough to reach "top" pushes it out of the layer.
		{map[string]any{"name": "长长长长长长长长长长长长长长长长长长长长"}, []string{"apart", "rule", "star"}},
	} {
		if got := renderBoth(t, e, l, c.data, 1); !slices.Equal(got, c.want) {
			t.Errorf("name %q: layer holds %v, want %v", c.data["name"], got, c.want)
		}
	}
}
