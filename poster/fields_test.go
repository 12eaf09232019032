package poster

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

const fieldsLayout = `canvas: {width: 750, height: 1000}
fields:
  nickname: {type: string, max_chars: 5, example: 阿杰}
  price: {type: number}
  vip: {type: boolean, required: false}
  user.avatar: {type: image, required: false}
  brand: {type: color, required: false}
elements:
  - {id: name, type: text, width: 300, text: "{{nickname}} ¥{{price}}", color: "{{brand | #000}}"}
  - {id: badge, type: text, text: VIP, if: vip}
  - {id: avatar, type: image, src: "{{user.avatar | asset:avatar-default.png}}", width: 10, height: 10}
  - {id: code, type: code, scene: "{{scene}}"}
`

func TestFieldDeclarations(t *testing.T) {
	e := testEngine(t)
	l, err := e.ParseLayout(fstest.MapFS{}, "t.yaml", []byte(fieldsLayout))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Field{}
	for _, f := range l.Fields {
		got[f.Name] = f
	}
	check := func(name string, typ FieldType, required, declared bool) {
		t.Helper()
		f, ok := got[name]
		if !ok || f.Type != typ || f.Required != required || f.Declared != declared {
			t.Errorf("field %s = %+v, want type %s required %v declared %v", name, f, typ, required, declared)
		}
	}
	check("nickname", FieldString, true, true)
	check("price", FieldNumber, true, true)
	check("vip", FieldBoolean, false, true)
	check("user.avatar", FieldImage, false, true)
	check("brand", FieldColor, false, true)
	check("scene", FieldText, true, false)
	if got["nickname"].MaxChars != 5 || got["nickname"].Example != "阿杰" {
		t.Errorf("nickname = %+v", got["nickname"])
	}
}

func TestFieldDeclarationProblems(t *testing.T) {
	e := testEngine(t)
	const tail = "elements:\n  - {id: name, type: text, text: \"{{nickname}}\"}\n  - {id: pic, type: image, src: \"{{pic}}\", width: 1, height: 1}\n"
	tests := []struct {
		name, fields string
		want         []string
	}{
		{"typo", "  nickame: {type: string}\n", []string{`t.yaml:3:3: field "nickame" is declared but no element reads it; did you mean "nickname"?`}},
		{"optional but needed", "  nickname: {required: false}\n", []string{`t.yaml:3:3: field "nickname" is declared optional, but element "name" cannot do without it: give a default ({{nickname | …}}) or show the element only if: nickname`}},
		{"image as string", "  pic: {type: string}\n", []string{`t.yaml:3:3: field "pic" is used as an image, so its type must be image`}},
		{"max_chars on number", "  nickname: {type: number, max_chars: 3}\n", []string{`t.yaml:3:39: field "nickname" max_chars applies to strings, not to a number`}},
		{"example too long", "  nickname: {max_chars: 2, example: abc}\n", []string{`t.yaml:3:37: field "nickname" example is 3 characters, at most 2`}},
		{"example wrong type", "  nickname: {type: number, example: abc}\n", []string{`t.yaml:3:37: field "nickname" example must be a number`}},
		{"bad name", "  \"a..b\": {type: string}\n", []string{`t.yaml:3:3: "a..b" is not a data field name (letters, digits, _ and dots, e.g. user.nickname)`}},
		{"type typo", "  nickname: {type: strng}\n", []string{`t.yaml:3:20: field "nickname" type must be one of string, number, boolean, image, color, got "strng"; did you mean "string"?`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := "canvas: {width: 750, height: 1000}\nfields:\n" + tt.fields + tail
			_, err := e.ParseLayout(fstest.MapFS{}, "t.yaml", []byte(src))
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("err = %v, want problems", err)
			}
			var got []string
			for _, p := range ve.Problems {
				got = append(got, p.String())
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(tt.want, "\n  "))
			}
		})
	}
}

// TestCheckDataListsEveryField: one answer names every bad field, and the
// published schema agrees with the check on each case.
func TestCheckDataListsEveryField(t *testing.T) {
	e := testEngine(t)
	l, err := e.ParseLayout(fstest.MapFS{}, "t.yaml", []byte(fieldsLayout))
	if err != nil {
		t.Fatal(err)
	}
	schema := compileDataSchema(t, l)
	tests := []struct {
		name string
		data string
		want DataProblems
	}{
		{"good", `{"nickname": "阿杰", "price": 12.50, "scene": "a"}`, nil},
		{"good with optionals", `{"nickname": "阿杰", "price": 1, "scene": 7, "vip": true, "user": {"avatar": "https://x.example/a.png"}, "brand": "#fa0"}`, nil},
		{"three bad fields", `{"nickname": "一二三四五六", "price": "12", "vip": "yes", "scene": "a"}`, DataProblems{
			{"nickname", "is 6 characters, at most 5"}, {"price", "must be a number"}, {"vip", "must be true or false"}}},
		{"missing", `{"price": 1}`, DataProblems{{"nickname", "is required"}, {"scene", "is required"}}},
		{"image from a file", `{"nickname": "a", "price": 1, "scene": "a", "user": {"avatar": "secret.png"}}`, DataProblems{
			{"user.avatar", "must be an http(s) URL, a data: URL or asset:NAME"}}},
		{"bad colour", `{"nickname": "a", "price": 1, "scene": "a", "brand": "blue"}`, DataProblems{
			{"brand", "is not a colour (use #RGB, #RRGGBB, #RRGGBBAA or rgba(r, g, b, a))"}}},
		{"object as text", `{"nickname": "a", "price": 1, "scene": {}}`, DataProblems{{"scene", "must be a string, number or boolean"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dec := json.NewDecoder(strings.NewReader(tt.data))
			dec.UseNumber()
			var data map[string]any
			if err := dec.Decode(&data); err != nil {
				t.Fatal(err)
			}
			err := l.CheckData(data)
			var got DataProblems
			if err != nil && !errors.As(err, &got) {
				t.Fatalf("err = %v (%T)", err, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
			inst, err := jsonschema.UnmarshalJSON(strings.NewReader(tt.data))
			if err != nil {
				t.Fatal(err)
			}
			if err := schema.Validate(inst); (err == nil) != (tt.want == nil) {
				t.Errorf("schema says %v, CheckData says %v", err, tt.want)
			}
		})
	}
}

func compileDataSchema(t *testing.T, l *Layout) *jsonschema.Schema {
	t.Helper()
	b, err := json.Marshal(l.DataSchema())
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("data.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("data.json")
	if err != nil {
		t.Fatalf("data schema does not compile: %v\n%s", err, b)
	}
	return s
}
