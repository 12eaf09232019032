package poster

import (
	"image/color"
	"testing"
	"testing/fstest"
)

func TestOutputKey(t *testing.T) {
	e := testEngine(t)
	l, err := e.ParseLayout(fstest.MapFS{}, "t.yaml", []byte(okHead+`  - {id: n, type: text, width: 600, text: "{{name}}"}
`))
	if err != nil {
		t.Fatal(err)
	}
	bind := func(name string) *Doc {
		d, err := e.Bind(l, map[string]any{"name": name}, RenderOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	a, b := bind("a"), bind("b")
	effort, effort6 := DefaultEffort, 6
	same := [][2]EncodeOptions{
		{{Format: JPEG}, {Format: JPEG, Quality: DefaultQuality}},
		{{Format: PNG, Quality: 10}, {Format: PNG, Quality: 90, Subsampling: Subsampling444}},
		{{Format: WebP}, {Format: WebP, Effort: &effort}},
		{{Format: WebP, Lossless: true, Quality: 10}, {Format: WebP, Lossless: true, Quality: 80}},
	}
	for _, p := range same {
		if OutputKey(a, p[0]) != OutputKey(a, p[1]) {
			t.Errorf("%+v and %+v make the same file but get different keys", p[0], p[1])
		}
	}
	differ := [][2]EncodeOptions{
		{{Format: JPEG}, {Format: PNG}},
		{{Format: JPEG, Quality: 80}, {Format: JPEG, Quality: 81}},
		{{Format: JPEG}, {Format: JPEG, Subsampling: Subsampling444}},
		{{Format: JPEG}, {Format: JPEG, Optimize: true}},
		{{Format: JPEG}, {Format: JPEG, Background: color.White}},
		{{Format: JPEG, Background: color.Black}, {Format: JPEG, Background: color.White}},
		{{Format: WebP}, {Format: WebP, Effort: &effort6}},
		{{Format: WebP}, {Format: WebP, Lossless: true}},
	}
	for _, p := range differ {
		if OutputKey(a, p[0]) == OutputKey(a, p[1]) {
			t.Errorf("%+v and %+v make different files but share a key", p[0], p[1])
		}
	}
	if OutputKey(a, EncodeOptions{Format: PNG}) == OutputKey(b, EncodeOptions{Format: PNG}) {
		t.Error("different data, same key")
	}
	if k := OutputKey(a, EncodeOptions{Format: PNG}); len(k) != 64 {
		t.Errorf("key %q is not 64 hex digits", k)
	}
}
