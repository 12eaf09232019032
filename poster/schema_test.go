package poster

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"
)

// The JSON Schema in layouts/ is what editors use to check layouts as they
// are typed. These tests keep it in step with the decoder, which is the
// real authority.

const schemaFile = "../layouts/layout.schema.json"

// schemaDoc returns the schema as plain JSON values, for reading its
// structure.
func schemaDoc(t *testing.T) map[string]any {
	t.Helper()
	b, err := os.ReadFile(schemaFile)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("%s: %v", schemaFile, err)
	}
	return doc
}

func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	b, err := os.ReadFile(schemaFile)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s: %v", schemaFile, err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	const url = "https://haibao.invalid/layout.schema.json"
	if err := c.AddResource(url, doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(url)
	if err != nil {
		t.Fatalf("compile %s: %v", schemaFile, err)
	}
	return sch
}

// at follows a JSON pointer ("/$defs/canvas") into doc.
func at(t *testing.T, doc map[string]any, pointer string) map[string]any {
	t.Helper()
	cur := doc
	for _, seg := range strings.Split(strings.TrimPrefix(pointer, "/"), "/") {
		if seg == "" {
			continue
		}
		next, ok := cur[seg].(map[string]any)
		if !ok {
			t.Fatalf("schema has no object at %s (missing %q)", pointer, seg)
		}
		cur = next
	}
	return cur
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func sortedCopy(s []string) []string {
	out := slices.Clone(s)
	sort.Strings(out)
	return out
}

func enumOf(t *testing.T, node map[string]any, pointer string) []string {
	t.Helper()
	list, ok := node["enum"].([]any)
	if !ok {
		t.Fatalf("schema at %s has no enum", pointer)
	}
	var out []string
	for _, v := range list {
		s, ok := v.(string)
		if !ok {
			t.Fatalf("schema at %s: enum value %v is not a string", pointer, v)
		}
		out = append(out, s)
	}
	return out
}

func TestSchemaKeysMatchDecoder(t *testing.T) {
	doc := schemaDoc(t)
	type place struct {
		name, pointer string
		keys          []string
	}
	places := []place{
		{"layout", "", layoutKeys},
		{"canvas", "/$defs/canvas", canvasKeys},
		{"background", "/$defs/backgroundObject", backgroundKeys},
		{"gradient", "/$defs/gradient", gradientKeys},
		{"gradient stop", "/$defs/gradientStopObject", stopKeys},
		{"stroke", "/$defs/stroke", strokeKeys},
		{"span", "/$defs/spanObject", spanKeys},
		{"x", "/$defs/xRelative", xKeys},
		{"y", "/$defs/yRelative", yKeys},
	}
	for k, name := range kindNames {
		places = append(places, place{name + " element", "/$defs/" + name + "Element", kindKeys[Kind(k)]})
	}
	for _, p := range places {
		t.Run(p.name, func(t *testing.T) {
			node := at(t, doc, p.pointer)
			if ap, ok := node["additionalProperties"].(bool); !ok || ap {
				t.Errorf("schema at %q must say additionalProperties: false (the decoder rejects unknown keys)", p.pointer)
			}
			props, ok := node["properties"].(map[string]any)
			if !ok {
				t.Fatalf("schema at %q has no properties", p.pointer)
			}
			if got, want := sortedKeys(props), sortedCopy(p.keys); !slices.Equal(got, want) {
				t.Errorf("schema allows %v, decoder allows %v", got, want)
			}
			for k, v := range props {
				if d, _ := v.(map[string]any)["description"].(string); d == "" {
					if r, _ := v.(map[string]any)["$ref"].(string); r == "" || at(t, doc, strings.TrimPrefix(r, "#"))["description"] == nil {
						t.Errorf("property %q has no description", k)
					}
				}
			}
		})
	}
	t.Run("element types", func(t *testing.T) {
		if got := enumOf(t, at(t, doc, "/$defs/element/properties/type"), "element type"); !slices.Equal(got, kindNames) {
			t.Errorf("schema element types %v, decoder %v", got, kindNames)
		}
		for _, name := range kindNames {
			c := at(t, doc, "/$defs/"+name+"Element/properties/type")["const"]
			if c != name {
				t.Errorf("%sElement type const is %v", name, c)
			}
		}
	})
	t.Run("enums", func(t *testing.T) {
		if got := enumOf(t, at(t, doc, "/$defs/fit"), "fit"); !slices.Equal(got, fitNames) {
			t.Errorf("schema fit %v, decoder %v", got, fitNames)
		}
		p := "/$defs/codeElement/properties/env_version"
		if got := enumOf(t, at(t, doc, p), p); !slices.Equal(got, envVersions) {
			t.Errorf("schema env_version %v, decoder %v", got, envVersions)
		}
		anyOf, _ := at(t, doc, "/$defs/weight")["anyOf"].([]any)
		var names []string
		for _, alt := range anyOf {
			if m, ok := alt.(map[string]any); ok && m["enum"] != nil {
				names = sortedCopy(enumOf(t, m, "weight"))
			}
		}
		if want := sortedKeys(weightNames); !slices.Equal(names, want) {
			t.Errorf("schema weight names %v, decoder %v", names, want)
		}
	})
}

// jsonValue turns a YAML-decoded value into the shapes JSON decoding gives.
func jsonValue(v any) (any, error) {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			var err error
			if out[k], err = jsonValue(x); err != nil {
				return nil, err
			}
		}
		return out, nil
	case map[any]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			var err error
			if out[fmt.Sprint(k)], err = jsonValue(x); err != nil {
				return nil, err
			}
		}
		return out, nil
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			var err error
			if out[i], err = jsonValue(x); err != nil {
				return nil, err
			}
		}
		return out, nil
	case nil, string, bool, int, int64, uint64, float64:
		return v, nil
	}
	return nil, fmt.Errorf("YAML value %v (%T) has no JSON form", v, v)
}

func yamlToJSON(t *testing.T, src []byte) any {
	t.Helper()
	var v any
	if err := yaml.Unmarshal(src, &v); err != nil {
		t.Fatalf("YAML: %v", err)
	}
	j, err := jsonValue(v)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

func TestSchemaAcceptsSampleLayouts(t *testing.T) {
	sch := compileSchema(t)
	files, err := filepath.Glob("../layouts/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no layouts found in ../layouts")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if first, _, _ := strings.Cut(string(src), "\n"); first != "# yaml-language-server: $schema=layout.schema.json" {
				t.Errorf("first line is %q; editors need the $schema comment", first)
			}
			if err := sch.Validate(yamlToJSON(t, src)); err != nil {
				t.Errorf("schema rejects a layout the decoder accepts:\n%#v", err)
			}
		})
	}
}

// TestSchemaAgreesWithDecoder checks layouts through both the schema and the
// decoder: each must accept or reject them alike.
func TestSchemaAgreesWithDecoder(t *testing.T) {
	sch := compileSchema(t)
	e := testEngine(t)
	const head = "canvas: {width: 750, height: 1000}\nelements:\n"
	const a = "  - {id: a, type: rect, width: 10, height: 10, fill: \"#fff\"}\n"
	tests := []struct {
		name  string
		src   string
		valid bool
	}{
		// Accepted.
		{"minimal rect", head + a, true},
		{"every top-level key", "name: x\ndescription: d\ncanvas: {width: 10, height: auto, padding: 8, scale: 2, background: \"#FFF\"}\nfonts: {}\nsample: {a: 1, b: {c: [1, 2]}}\nelements:\n" + a, true},
		{"background object", "canvas: {width: 10, height: 10, background: {color: transparent, gradient: {angle: -90, stops: [\"#000\", {color: \"rgba(1, 2, 3, .5)\", at: 1}]}, image: asset:bg-dusk.jpg, fit: contain}}\nelements: []\n", true},
		{"colour forms", head + "  - {type: rect, width: 1, height: 1, fill: \" RGB(0,10,255) \", stroke: {color: \"#abcd\"}}\n  - {type: line, width: 1, color: \"rgba(255, 255, 255, 0)\"}\n  - {type: line, width: 1, color: \"#11223344\"}\n", true},
		{"templated colour", head + "  - {type: rect, width: 1, height: 1, fill: \"{{brand | #f00}}\"}\n", true},
		{"text as number", head + "  - {type: text, text: 99, weight: 450}\n", true},
		{"spans", head + "  - {type: text, width: 300, max_lines: 2, min_size: 10, size: 20, weight: bold, spans: [plain, 12, {text: \"{{x}}\", if: x, weight: semibold, strike: true, letter_spacing: -2, font: sans}]}\n", true},
		{"relative coordinates", head + a + "  - {type: text, text: b, x: {right_of: a, gap: 4}, y: {align: a, offset: -3}}\n  - {type: text, text: c, x: center, y: {above: a}}\n", true},
		{"image", head + "  - {id: img-1, type: image, src: asset:badge-star.png, width: 10, height: 20, fit: fill, radius: 3, circle: false, border: {color: \"#000\"}, opacity: 0.5, if: user.vip}\n", true},
		{"templated image", head + "  - {type: image, src: \"{{avatar | asset:avatar-default.png}}\", width: 10, height: 10}\n", true},
		{"vertical dashed line", head + "  - {type: line, height: 40, thickness: 0.5, dash: [4, 2]}\n", true},
		{"code path", head + "  - {type: code, path: \"pages/a?id=1\", size: 50, env_version: trial, line_color: \"#123\", transparent: true}\n", true},
		{"code scene", head + "  - {type: code, scene: 1024, page: pages/a, background: \"#fff\"}\n", true},
		{"fields", "canvas: {width: 10, height: 10}\nstrict_codes: true\nfields: {nick: {type: string, max_chars: 20, example: 阿杰 Jay, description: d}, user.avatar: {type: image, required: false}, price: {type: number}}\nelements:\n  - {type: text, text: \"{{nick}} {{price}}\"}\n  - {type: image, src: \"{{user.avatar | asset:avatar-default.png}}\", width: 1, height: 1}\n", true},
		{"field type unknown", "canvas: {width: 10, height: 10}\nfields: {nick: {type: str}}\nelements:\n  - {type: text, text: \"{{nick}}\"}\n", false},
		{"field max_chars zero", "canvas: {width: 10, height: 10}\nfields: {nick: {max_chars: 0}}\nelements:\n  - {type: text, text: \"{{nick}}\"}\n", false},
		{"field unknown key", "canvas: {width: 10, height: 10}\nfields: {nick: {maxchars: 3}}\nelements:\n  - {type: text, text: \"{{nick}}\"}\n", false},
		{"strict_codes as text", "canvas: {width: 10, height: 10}\nstrict_codes: yes please\nelements: []\n", false},
		{"app", "app: shop-2\n" + head + a, true},
		{"app with capitals", "app: Shop\n" + head + a, false},
		{"app as number", "app: 12\n" + head + a, false},
		{"app too long", "app: " + strings.Repeat("a", 33) + "\n" + head + a, false},

		// Rejected.
		{"no canvas", "elements: []\n", false},
		{"no elements", "canvas: {width: 10, height: 10}\n", false},
		{"unknown top key", head + a + "title: x\n", false},
		{"unknown canvas key", "canvas: {width: 10, height: 10, colour: \"#fff\"}\nelements: []\n", false},
		{"canvas width as text", "canvas: {width: \"750\", height: 10}\nelements: []\n", false},
		{"canvas width too big", "canvas: {width: 4001, height: 10}\nelements: []\n", false},
		{"canvas height word", "canvas: {width: 10, height: tall}\nelements: []\n", false},
		{"canvas scale", "canvas: {width: 10, height: 10, scale: 5}\nelements: []\n", false},
		{"background fit without image", "canvas: {width: 10, height: 10, background: {color: \"#fff\", fit: cover}}\nelements: []\n", false},
		{"unknown background key", "canvas: {width: 10, height: 10, background: {colour: \"#fff\"}}\nelements: []\n", false},
		{"elements not a list", "canvas: {width: 10, height: 10}\nelements: {a: 1}\n", false},
		{"no type", head + "  - {text: hi}\n", false},
		{"unknown type", head + "  - {type: circle}\n", false},
		{"unknown element key", head + "  - {type: text, text: hi, colour: \"#fff\"}\n", false},
		{"key of another type", head + "  - {type: text, text: hi, fill: \"#fff\"}\n", false},
		{"colour name", head + "  - {type: text, text: hi, color: red}\n", false},
		{"short hex", head + "  - {type: text, text: hi, color: \"#12345\"}\n", false},
		{"rgba alpha", head + "  - {type: rect, width: 1, height: 1, fill: \"rgba(1,2,3,4)\"}\n", false},
		{"rgb 256", head + "  - {type: rect, width: 1, height: 1, fill: \"rgb(1,2,256)\"}\n", false},
		{"rgb with alpha", head + "  - {type: rect, width: 1, height: 1, fill: \"rgb(1,2,3,0.5)\"}\n", false},
		{"weight too heavy", head + "  - {type: text, text: hi, weight: 950}\n", false},
		{"weight word", head + "  - {type: text, text: hi, weight: heavy}\n", false},
		{"weight as quoted number", head + "  - {type: text, text: hi, weight: \"700\"}\n", false},
		{"size zero", head + "  - {type: text, text: hi, size: 0}\n", false},
		{"text and spans", head + "  - {type: text, text: hi, spans: [yo]}\n", false},
		{"no text", head + "  - {type: text, size: 10}\n", false},
		{"empty spans", head + "  - {type: text, spans: []}\n", false},
		{"span without text", head + "  - {type: text, spans: [{size: 3}]}\n", false},
		{"unknown span key", head + "  - {type: text, spans: [{text: a, align: left}]}\n", false},
		{"max_lines without width", head + "  - {type: text, text: hi, max_lines: 2}\n", false},
		{"max_lines zero", head + "  - {type: text, text: hi, width: 9, max_lines: 0}\n", false},
		{"max_lines fraction", head + "  - {type: text, text: hi, width: 9, max_lines: 1.5}\n", false},
		{"align", head + "  - {type: text, text: hi, align: justify}\n", false},
		{"strike as word", head + "  - {type: text, text: hi, strike: \"yes\"}\n", false},
		{"line_height", head + "  - {type: text, text: hi, line_height: 6}\n", false},
		{"image without src", head + "  - {type: image, width: 10, height: 10}\n", false},
		{"image without height", head + "  - {type: image, src: asset:badge-star.png, width: 10}\n", false},
		{"image fit", head + "  - {type: image, src: asset:badge-star.png, width: 10, height: 10, fit: stretch}\n", false},
		{"border without colour", head + "  - {type: image, src: asset:badge-star.png, width: 10, height: 10, border: {width: 2}}\n", false},
		{"rect fill and gradient", head + "  - {type: rect, width: 1, height: 1, fill: \"#fff\", gradient: {stops: [\"#000\", \"#fff\"]}}\n", false},
		{"rect with nothing", head + "  - {type: rect, width: 1, height: 1}\n", false},
		{"rect zero width", head + "  - {type: rect, width: 0, height: 1, fill: \"#fff\"}\n", false},
		{"gradient one stop", head + "  - {type: rect, width: 1, height: 1, gradient: {stops: [\"#000\"]}}\n", false},
		{"gradient stop position", head + "  - {type: rect, width: 1, height: 1, gradient: {stops: [\"#000\", {color: \"#fff\", at: 1.5}]}}\n", false},
		{"gradient angle", head + "  - {type: rect, width: 1, height: 1, gradient: {angle: 400, stops: [\"#000\", \"#fff\"]}}\n", false},
		{"line without extent", head + "  - {type: line, color: \"#000\"}\n", false},
		{"line with zero extent", head + "  - {type: line, width: 0}\n", false},
		{"dash of three", head + "  - {type: line, width: 10, dash: [1, 2, 3]}\n", false},
		{"code path and scene", head + "  - {type: code, path: pages/a, scene: x}\n", false},
		{"code page only", head + "  - {type: code, page: pages/a}\n", false},
		{"code page slash", head + "  - {type: code, page: /pages/a, scene: x}\n", false},
		{"code width", head + "  - {type: code, scene: x, width: 100}\n", false},
		{"code size", head + "  - {type: code, scene: x, size: 20}\n", false},
		{"code env_version", head + "  - {type: code, scene: x, env_version: beta}\n", false},
		{"opacity", head + "  - {type: text, text: hi, opacity: 2}\n", false},
		{"id with a dot", head + "  - {id: a.b, type: text, text: hi}\n", false},
		{"if not a field", head + "  - {type: text, text: hi, if: \"a b\"}\n", false},
		{"x word", head + "  - {type: text, text: hi, x: left}\n", false},
		{"x two anchors", head + a + "  - {type: text, text: hi, x: {right_of: a, left_of: a}}\n", false},
		{"x no anchor", head + "  - {type: text, text: hi, x: {gap: 3}}\n", false},
		{"y gap and offset", head + a + "  - {type: text, text: hi, y: {below: a, gap: 1, offset: 2}}\n", false},
		{"y with x anchor", head + a + "  - {type: text, text: hi, y: {right_of: a}}\n", false},
		{"x out of range", head + "  - {type: text, text: hi, x: -5000}\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := "# yaml-language-server: $schema=layout.schema.json\n" + tt.src
			_, decErr := e.ParseLayout(fstest.MapFS{}, "t.yaml", []byte(src))
			var ve *ValidationError
			if decErr != nil && !errors.As(decErr, &ve) {
				t.Fatalf("decoder: %v", decErr)
			}
			schErr := sch.Validate(yamlToJSON(t, []byte(src)))
			if (decErr == nil) != tt.valid {
				t.Errorf("decoder: valid = %v, want %v (%v)", decErr == nil, tt.valid, decErr)
			}
			if (schErr == nil) != tt.valid {
				t.Errorf("schema: valid = %v, want %v (%#v)", schErr == nil, tt.valid, schErr)
			}
		})
	}
}

// TestSchemaColourPattern compares the schema's colour pattern with
// ParseColor on the forms designers write and the mistakes they make.
func TestSchemaColourPattern(t *testing.T) {
	pattern, _ := at(t, schemaDoc(t), "/$defs/color")["pattern"].(string)
	re, err := regexp.Compile(pattern)
	if err != nil {
		t.Fatalf("colour pattern: %v", err)
	}
	for _, s := range []string{
		"#fff", "#FFF", "#ffff", "#a1b2c3", "#A1B2C3D4", " #fff ", "transparent",
		"rgb(0,0,0)", "rgb(255, 255, 255)", "RGB(1,2,3)", "rgba(1, 2, 3, 0)", "rgba(1,2,3,1)",
		"rgba(1,2,3,0.25)", "rgba(1,2,3,.5)", "rgba(1,2,3,1.0)", "rgb( 007 , 8 , 9 )",
		"", "#", "#ff", "#fffff", "#1234567", "#ggg", "fff", "red", "Transparent",
		"rgb(1,2)", "rgb(1,2,3,4)", "rgba(1,2,3)", "rgb(256,0,0)", "rgb(-1,0,0)", "rgb(1.5,0,0)",
		"rgba(1,2,3,1.01)", "rgba(1,2,3,2)", "rgb (1,2,3)", "rgb(1,2,3", "hsl(0, 0%, 0%)",
	} {
		_, perr := ParseColor(s)
		if got, want := re.MatchString(s), perr == nil; got != want {
			t.Errorf("%q: schema pattern matches = %v, ParseColor accepts = %v (%v)", s, got, want, perr)
		}
	}
	for _, s := range []string{"{{brand}}", "#{{hex | fff}}"} {
		if !re.MatchString(s) {
			t.Errorf("%q: a templated colour must match the pattern", s)
		}
	}
}
