package poster

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// FieldType is the kind of value a data field takes.
type FieldType int

const (
	FieldText    FieldType = iota // a string, number or boolean shown as text
	FieldString                   // declared: a string
	FieldNumber                   // declared: a number
	FieldBoolean                  // declared: true or false
	FieldImage                    // an image source: http(s) URL, data: URL or asset:NAME
	FieldColor                    // a colour, as layouts write them
	FieldAny                      // only tested by if:, any value
)

var fieldTypeNames = [...]string{FieldText: "text", FieldString: "string", FieldNumber: "number",
	FieldBoolean: "boolean", FieldImage: "image", FieldColor: "color", FieldAny: "any"}

// declaredTypes are the types a layout's fields: may name.
var declaredTypes = []string{"string", "number", "boolean", "image", "color"}

func (t FieldType) String() string { return fieldTypeNames[t] }

func (t FieldType) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// UnmarshalText reads a field type back from its name.
func (t *FieldType) UnmarshalText(b []byte) error {
	for i, n := range fieldTypeNames {
		if n == string(b) {
			*t = FieldType(i)
			return nil
		}
	}
	return fmt.Errorf("poster: unknown field type %q", b)
}

// maxFieldChars bounds max_chars; it is also the longest text a field
// may hold when the layout says nothing.
const maxFieldChars = 2000

var fieldDeclKeys = []string{"type", "max_chars", "example", "required", "description"}

// fieldDecl is one entry of a layout's fields: mapping.
type fieldDecl struct {
	name        string
	typ         FieldType
	maxChars    int
	example     any
	required    *bool
	description string
	node        *yaml.Node
}

// declFields reads the fields: mapping.
func (d *decoder) declFields(n *yaml.Node, p *parsed) {
	if n.Kind != yaml.MappingNode {
		d.errAt(n, "fields must be a mapping of field name to its description, got %s", describe(n))
		return
	}
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		what := "field " + strconv.Quote(k.Value)
		if prev, dup := seen[k.Value]; dup {
			d.errAt(k, "%s is declared twice (first at line %d)", what, prev.Line)
			continue
		}
		seen[k.Value] = k
		if !validFieldPath(k.Value) {
			d.errAt(k, "%q is not a data field name (letters, digits, _ and dots, e.g. user.nickname)", k.Value)
			continue
		}
		f, ok := d.fields(v, what, fieldDeclKeys)
		if !ok {
			continue
		}
		decl := fieldDecl{name: k.Value, typ: FieldString, node: k}
		if t := f["type"]; t != nil {
			i, ok := d.enum(t, what+" type", declaredTypes)
			if ok {
				decl.typ = []FieldType{FieldString, FieldNumber, FieldBoolean, FieldImage, FieldColor}[i]
			}
		}
		if m := f["max_chars"]; m != nil {
			decl.maxChars, _ = d.integer(m, what+" max_chars", 1, maxFieldChars)
			if decl.typ != FieldString {
				d.errAt(m, "%s max_chars applies to strings, not to a %s", what, decl.typ)
			}
		}
		if r := f["required"]; r != nil {
			if b, ok := d.boolean(r, what+" required"); ok {
				decl.required = &b
			}
		}
		if s := f["description"]; s != nil {
			decl.description, _ = d.str(s, what+" description")
		}
		if ex := f["example"]; ex != nil {
			var v any
			if err := ex.Decode(&v); err != nil {
				d.errAt(ex, "%s example: %v", what, err)
			} else {
				decl.example = normalizeData(v)
				if msg := checkValue(decl.typ, decl.maxChars, decl.example); msg != "" {
					d.errAt(ex, "%s example %s", what, msg)
				}
			}
		}
		p.decls = append(p.decls, decl)
	}
}

// checkFieldDecls compares the declared fields with those the elements
// read: a declared field nobody reads is most likely a typo, and a field
// declared optional that an element cannot do without would fail every
// request that leaves it out.
func (d *decoder) checkFieldDecls(p *parsed, fields []Field) {
	byName := map[string]Field{}
	var names []string
	for _, f := range fields {
		byName[f.Name] = f
		names = append(names, f.Name)
	}
	for _, decl := range p.decls {
		f, ok := byName[decl.name]
		if !ok && len(p.m.elements) == 0 {
			// No elements were read (missing, or misspelled): saying that
			// none reads each field would only bury that problem.
			continue
		}
		if !ok {
			msg := "field " + strconv.Quote(decl.name) + " is declared but no element reads it"
			if s := suggest(decl.name, names); s != "" {
				msg += "; did you mean " + strconv.Quote(s) + "?"
			}
			d.errAt(decl.node, "%s", msg)
			continue
		}
		if decl.required != nil && !*decl.required && f.Required {
			d.errAt(decl.node, "field %q is declared optional, but element %q cannot do without it: give a default ({{%s | …}}) or show the element only if: %s",
				decl.name, f.Elements[0], decl.name, decl.name)
		}
		if f.Type == FieldImage && decl.typ != FieldImage || f.Type == FieldColor && decl.typ != FieldColor {
			d.errAt(decl.node, "field %q is used as %s %s, so its type must be %s", decl.name, article(f.Type), f.Type, f.Type)
		}
	}
}

func article(t FieldType) string {
	if t == FieldImage {
		return "an"
	}
	return "a"
}

// applyDecls merges the declarations into the fields the layout reads.
func applyDecls(fields []Field, decls []fieldDecl) []Field {
	for _, decl := range decls {
		for i := range fields {
			f := &fields[i]
			if f.Name != decl.name {
				continue
			}
			f.Declared = true
			f.Type = decl.typ
			f.MaxChars = decl.maxChars
			f.Example = decl.example
			f.Description = decl.description
			if decl.required != nil {
				f.Required = *decl.required
			}
		}
	}
	return fields
}

// checkValue says what is wrong with v as a value of type t, or "".
func checkValue(t FieldType, maxChars int, v any) string {
	if maxChars == 0 {
		maxChars = maxFieldChars
	}
	switch t {
	case FieldAny:
		return ""
	case FieldNumber:
		switch v.(type) {
		case float64, json.Number:
			return ""
		}
		return "must be a number"
	case FieldBoolean:
		if _, ok := v.(bool); ok {
			return ""
		}
		return "must be true or false"
	case FieldText:
		s, ok := scalarText(v)
		if !ok {
			return "must be a string, number or boolean"
		}
		return checkLen(s, maxChars)
	}
	s, ok := v.(string)
	if !ok {
		return "must be a string"
	}
	switch t {
	case FieldImage:
		// Images are bounded by their decoding limits, not by length:
		// a data: URL is long.
		if _, err := resolveImageRef(OriginData, s); err != nil {
			return err.Error()
		}
		return ""
	case FieldColor:
		if _, err := ParseColor(s); err != nil {
			return "is not a colour (use #RGB, #RRGGBB, #RRGGBBAA or rgba(r, g, b, a))"
		}
	}
	return checkLen(s, maxChars)
}

func checkLen(s string, maxChars int) string {
	if n := utf8.RuneCountInString(s); n > maxChars {
		return fmt.Sprintf("is %d characters, at most %d", n, maxChars)
	}
	return ""
}

// FieldProblem is one thing wrong with one field of the request data.
type FieldProblem struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// DataProblems lists every problem of data against the layout's fields at
// once: missing required fields and values of the wrong kind or length.
type DataProblems []FieldProblem

func (p DataProblems) Error() string {
	parts := make([]string, len(p))
	for i, f := range p {
		parts[i] = f.Field + ": " + f.Message
	}
	return "data: " + strings.Join(parts, "; ")
}

// CheckData checks data against the layout's fields before anything is
// bound: the service answers every bad field at once rather than the first
// one a render trips over. It returns nil or DataProblems.
func (l *Layout) CheckData(data map[string]any) error {
	var probs DataProblems
	for _, f := range l.Fields {
		v, ok := lookup(data, f.Name)
		if !ok {
			if f.Required {
				probs = append(probs, FieldProblem{f.Name, "is required"})
			}
			continue
		}
		if msg := checkValue(f.Type, f.MaxChars, v); msg != "" {
			probs = append(probs, FieldProblem{f.Name, msg})
		}
	}
	if len(probs) == 0 {
		return nil
	}
	sort.SliceStable(probs, func(i, j int) bool { return probs[i].Field < probs[j].Field })
	return probs
}

// DataSchema is a JSON Schema (2020-12) of the data the layout takes,
// derived from its fields: declarations, or from its templates when it has
// none. Apps can generate types from it; CheckData enforces the same rules.
func (l *Layout) DataSchema() map[string]any {
	root := objectSchema()
	root["$schema"] = "https://json-schema.org/draft/2020-12/schema"
	root["title"] = "data of layout " + l.Name
	if l.Title != "" {
		root["description"] = l.Title
	}
	for _, f := range l.Fields {
		obj := root
		segs := strings.Split(f.Name, ".")
		for _, seg := range segs[:len(segs)-1] {
			props := obj["properties"].(map[string]any)
			next, ok := props[seg].(map[string]any)
			if !ok || next["type"] != "object" {
				next = objectSchema()
				props[seg] = next
			}
			if f.Required {
				addRequired(obj, seg)
			}
			obj = next
		}
		last := segs[len(segs)-1]
		obj["properties"].(map[string]any)[last] = fieldSchema(f)
		if f.Required {
			addRequired(obj, last)
		}
	}
	return root
}

func objectSchema() map[string]any {
	return map[string]any{"type": "object", "properties": map[string]any{}}
}

func addRequired(obj map[string]any, name string) {
	req, _ := obj["required"].([]string)
	for _, r := range req {
		if r == name {
			return
		}
	}
	obj["required"] = append(req, name)
}

// colorPattern matches the colour forms ParseColor reads, loosely: the
// check that counts is CheckData's.
const colorPattern = `^\s*(#([0-9a-fA-F]{3,4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})|transparent|[rR][gG][bB][aA]?\(.*\))\s*$`

func fieldSchema(f Field) map[string]any {
	s := map[string]any{}
	max := f.MaxChars
	if max == 0 {
		max = maxFieldChars
	}
	switch f.Type {
	case FieldText:
		s["type"] = []string{"string", "number", "boolean"}
		s["maxLength"] = max
	case FieldString:
		s["type"] = "string"
		s["maxLength"] = max
	case FieldNumber:
		s["type"] = "number"
	case FieldBoolean:
		s["type"] = "boolean"
	case FieldImage:
		s["type"] = "string"
		s["pattern"] = `^(https?://|data:|asset:)`
	case FieldColor:
		s["type"] = "string"
		s["pattern"] = colorPattern
	}
	desc := f.Description
	if desc == "" {
		desc = "used by " + strings.Join(f.Elements, ", ")
	}
	s["description"] = desc
	if f.Default != "" {
		s["default"] = f.Default
	}
	if f.Example != nil {
		s["examples"] = []any{f.Example}
	}
	return s
}
