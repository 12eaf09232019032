package poster

import (
	"errors"
	"strings"
	"testing"
	"testing/fstest"
)

func testEngine(t testing.TB) *Engine {
	t.Helper()
	e, err := NewEngine(Config{})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// problems parses src as t.yaml and returns its problems as strings.
func problems(t *testing.T, e *Engine, src string, files fstest.MapFS) []string {
	t.Helper()
	if files == nil {
		files = fstest.MapFS{}
	}
	files["t.yaml"] = &fstest.MapFile{Data: []byte(src)}
	_, err := e.LoadLayout(files, "t.yaml")
	if err == nil {
		return nil
	}
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("error is %T (%v), want *ValidationError", err, err)
	}
	var out []string
	for _, p := range ve.Problems {
		out = append(out, p.String())
	}
	return out
}

const okHead = "canvas: {width: 750, height: 1000}\nelements:\n"

func TestValidationMessages(t *testing.T) {
	e := testEngine(t)
	tests := []struct {
		name string
		src  string
		want []string
	}{
		{"valid", okHead + "  - {type: rect, x: 0, y: 0, width: 10, height: 10, fill: \"#fff\"}\n", nil},
		{"unknown top key", "canvas: {width: 750, height: 10}\nelement: []\n",
			[]string{`t.yaml:1:1: the layout needs elements (a list of text, image, rect, line and code)`,
				`t.yaml:2:1: unknown key "element" in the layout; did you mean "elements"?`}},
		{"unknown key without suggestion", okHead + "  - {type: line, width: 5, zigzag: true}\n",
			[]string{`t.yaml:3:28: unknown key "zigzag" in a line element (known keys: color, dash, height, id, if, opacity, thickness, type, width, x, y)`}},
		{"yaml syntax", "canvas: {width: 750\nelements: [\n",
			[]string{`t.yaml:1:1: not valid YAML: did not find expected ',' or '}'`}},
		{"empty", "", []string{`t.yaml:1:1: the layout is empty`}},
		{"canvas width type", "canvas: {width: wide, height: 10}\nelements: []\n",
			[]string{`t.yaml:1:17: canvas width must be a number, got "wide"`}},
		{"canvas width range", "canvas: {width: 99999, height: 10}\nelements: []\n",
			[]string{`t.yaml:1:17: canvas width must be from 1 to 4000, got 99999`}},
		{"height word", "canvas: {width: 750, height: tall}\nelements: []\n",
			[]string{`t.yaml:1:30: canvas height must be a number or auto, got "tall"`}},
		{"typo in element key with suggestion", okHead + "  - type: text\n    text: hi\n    colour: \"#fff\"\n",
			[]string{`t.yaml:5:5: unknown key "colour" in a text element; did you mean "color"?`}},
		{"unknown type", okHead + "  - type: circle\n",
			[]string{`t.yaml:3:11: element type must be one of text, image, rect, line, code, got "circle"`}},
		{"type typo", okHead + "  - type: imgae\n",
			[]string{`t.yaml:3:11: element type must be one of text, image, rect, line, code, got "imgae"; did you mean "image"?`}},
		{"bad colour", okHead + "  - {type: text, text: hi, color: \"#12345\"}\n",
			[]string{`t.yaml:3:35: text "text-1" color: "#12345" is not a hex colour (use #RGB, #RGBA, #RRGGBB or #RRGGBBAA)`}},
		{"bad rgba", okHead + "  - {type: rect, width: 1, height: 1, fill: \"rgba(1,2,3,4)\"}\n",
			[]string{`t.yaml:3:45: rect "rect-1" fill: "rgba(1,2,3,4)": alpha must be a number from 0 to 1`}},
		{"unknown ref", okHead + "  - {id: a, type: text, text: hi}\n  - {id: b, type: text, text: yo, y: {below: aa}}\n",
			[]string{`t.yaml:4:46: no element has id "aa"; did you mean "a"?`}},
		{"cycle", okHead + "  - {id: a, type: text, text: hi, y: {below: b}}\n  - {id: b, type: text, text: yo, y: {below: a}}\n",
			[]string{`t.yaml:3:5: placement cycle: a → b → a (each is placed against the next)`}},
		{"self ref", okHead + "  - {id: a, type: text, text: hi, x: {right_of: a}}\n",
			[]string{`t.yaml:3:49: element "a" is placed against itself`}},
		{"duplicate id", okHead + "  - {id: a, type: text, text: hi}\n  - {id: a, type: text, text: yo}\n",
			[]string{`t.yaml:4:5: id "a" is already used by the element at line 3`}},
		{"unknown font", okHead + "  - {type: text, text: hi, font: Noto Sans}\n",
			[]string{`t.yaml:3:34: unknown font "Noto Sans"; did you mean "Noto Sans SC"?`}},
		{"unknown asset", okHead + "  - {type: image, src: \"asset:product.jpg\", width: 1, height: 1}\n",
			[]string{`t.yaml:3:24: unknown asset "product.jpg"; did you mean "asset:product-mug.jpg"?`}},
		{"missing file", okHead + "  - {type: image, src: pics/a.png, width: 1, height: 1}\n",
			[]string{`t.yaml:3:24: image file "pics/a.png" cannot be read: file does not exist`}},
		{"escaping file", okHead + "  - {type: image, src: ../secret.png, width: 1, height: 1}\n",
			[]string{`t.yaml:3:24: image "../secret.png" must be a path inside the layouts folder, asset:NAME, a data: URL or an http(s) URL`}},
		{"image needs size", okHead + "  - {type: image, src: \"asset:badge-star.png\"}\n",
			[]string{`t.yaml:3:5: image "image-1" needs a width and a height`}},
		{"unclosed template", okHead + "  - {type: text, text: \"Hi {{name\"}\n",
			[]string{`t.yaml:3:28: text "text-1" text: "{{" is not closed with "}}"`}},
		{"bad field name", okHead + "  - {type: text, text: \"{{a b}}\"}\n",
			[]string{`t.yaml:3:25: text "text-1" text: "a b" is not a data field name (letters, digits, _ and dots, e.g. {{user.nickname}})`}},
		{"max_lines without width", okHead + "  - {type: text, text: hi, max_lines: 2}\n",
			[]string{`t.yaml:3:5: text "text-1" has max_lines but no width to wrap at`}},
		{"min_size above size", okHead + "  - {type: text, text: hi, size: 20, min_size: 30}\n",
			[]string{`t.yaml:3:48: text "text-1" min_size (30) is larger than its size (20)`}},
		{"code page slash", okHead + "  - {type: code, page: /pages/a, scene: x}\n",
			[]string{`t.yaml:3:24: code "code-1" page must not start with "/" (write "pages/a")`}},
		{"code both", okHead + "  - {type: code, path: \"a?b=1\", scene: x}\n",
			[]string{`t.yaml:3:24: code "code-1" takes page and scene, or path, not both`}},
		{"code width suggests size", okHead + "  - {type: code, scene: x, width: 200}\n",
			[]string{`t.yaml:3:28: unknown key "width" in a code element; did you mean "size"?`}},
		{"opacity range", okHead + "  - {type: rect, width: 1, height: 1, fill: \"#fff\", opacity: 2}\n",
			[]string{`t.yaml:3:62: rect "rect-1" opacity must be from 0 to 1, got 2`}},
		{"weight name", okHead + "  - {type: text, text: hi, weight: heavy}\n",
			[]string{`t.yaml:3:36: text "text-1" weight must be a number from 100 to 900 or one of black, bold, light, medium, normal, regular, semibold, thin, got "heavy"`}},
		{"center on auto height", "canvas: {width: 750, height: auto}\nelements:\n  - {type: text, text: hi, y: center}\n",
			[]string{`t.yaml:3:31: text "text-1" y: center needs a canvas with a fixed height, not auto`}},
		{"duplicate key", okHead + "  - {type: text, text: hi, text: yo}\n",
			[]string{`t.yaml:3:28: key "text" appears twice in a text element (first at line 3)`}},
		{"template column after Chinese", okHead + "  - {type: text, text: \"你好你好{{bad name}}\"}\n",
			[]string{`t.yaml:3:29: text "text-1" text: "bad name" is not a data field name (letters, digits, _ and dots, e.g. {{user.nickname}})`}},
		{"span if", okHead + "  - {type: text, spans: [{text: a, if: \"a..b\"}]}\n",
			[]string{`t.yaml:3:40: text "text-1" span 1 if: "a..b" is not a data field name`}},
		{"min_size against largest span", okHead + "  - {type: text, min_size: 40, spans: [{text: a, size: 68}, {text: b, size: 20}]}\n", nil},
		{"nan alpha", okHead + "  - {type: rect, width: 1, height: 1, fill: \"rgba(1,2,3,nan)\"}\n",
			[]string{`t.yaml:3:45: rect "rect-1" fill: "rgba(1,2,3,nan)": alpha must be a number from 0 to 1`}},
		{"font registered twice", "fonts: {A: a.ttf, A: b.ttf}\n" + okHead + "  - {type: text, text: hi}\n",
			[]string{`t.yaml:1:12: font file "a.ttf" cannot be read: file does not exist`, `t.yaml:1:19: font family "A" is registered twice (first at line 1)`}},
		{"elements not list", "canvas: {width: 750, height: 10}\nelements: {a: 1}\n",
			[]string{`t.yaml:2:11: elements must be a list, got a mapping`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := problems(t, e, tt.src, nil)
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("problems:\n got: %q\nwant: %q", got, tt.want)
			}
		})
	}
}

func TestRegisteredFont(t *testing.T) {
	e := testEngine(t)
	files := fstest.MapFS{"fonts/broken.ttf": &fstest.MapFile{Data: []byte("not a font")}}
	got := problems(t, e, "fonts:\n  Brand: fonts/broken.ttf\n  Other: fonts/none.ttf\n"+okHead+"  - {type: text, text: hi, font: Brand}\n", files)
	if len(got) != 2 || !strings.HasPrefix(got[0], `t.yaml:2:10: font file "fonts/broken.ttf" is not a usable font`) ||
		got[1] != `t.yaml:3:10: font file "fonts/none.ttf" cannot be read: file does not exist` {
		t.Errorf("problems = %q", got)
	}
}

func TestFieldsListed(t *testing.T) {
	e := testEngine(t)
	src := okHead + `  - {id: a, type: text, text: "{{nickname | 朋友}} {{user.city}}"}
  - {id: b, type: text, text: "{{price}}", if: price}
  - {id: c, type: code, page: "{{page}}", scene: "{{scene}}"}
`
	l, err := e.ParseLayout(fstest.MapFS{}, "t.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range l.Fields {
		got = append(got, f.Name+map[bool]string{true: "!", false: ""}[f.Required]+f.Default)
	}
	want := "nickname朋友 page! price scene! user.city!"
	if strings.Join(got, " ") != want {
		t.Errorf("fields = %q, want %q", strings.Join(got, " "), want)
	}
}
