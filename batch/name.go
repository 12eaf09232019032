package batch

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/haibao/haibao/storage"
)

// Name builds an object key from a row: {{field}} and {{a.b}} are replaced
// by the row's values, with path separators and control characters in
// values replaced by "_" so a value cannot climb out of its folder.
type Name struct {
	parts  []string // literal, field, literal, field, …, literal
	fields []string
}

var placeholder = regexp.MustCompile(`\{\{\s*([^{}\s]+)\s*\}\}`)

// ParseName reads a name template. It must use at least one field, or
// every row would overwrite the same object.
func ParseName(s string) (*Name, error) {
	n := &Name{}
	last := 0
	for _, m := range placeholder.FindAllStringSubmatchIndex(s, -1) {
		n.parts = append(n.parts, s[last:m[0]])
		n.fields = append(n.fields, s[m[2]:m[3]])
		last = m[1]
	}
	n.parts = append(n.parts, s[last:])
	if len(n.fields) == 0 {
		return nil, fmt.Errorf("name %q uses no field: every row would get the same name (write e.g. {{uid}}.jpg)", s)
	}
	for _, lit := range n.parts {
		if strings.Contains(lit, "{{") || strings.Contains(lit, "}}") {
			return nil, fmt.Errorf("name %q has an unclosed {{ }}", s)
		}
	}
	return n, nil
}

// Key fills the template from data; ext is added when the name has none.
func (n *Name) Key(data map[string]any, ext string) (key string, field string, err error) {
	var b strings.Builder
	for i, lit := range n.parts {
		b.WriteString(lit)
		if i == len(n.fields) {
			break
		}
		v, ok := lookup(data, n.fields[i])
		s := text(v)
		if !ok || s == "" {
			return "", n.fields[i], fmt.Errorf("is empty, and the name needs it")
		}
		b.WriteString(safe(s))
	}
	key = b.String()
	if i := strings.LastIndexByte(key, '/'); !strings.Contains(key[i+1:], ".") {
		key += "." + ext
	}
	if err := storage.CheckKey(key); err != nil {
		return "", "", fmt.Errorf("name %q: %v", key, err)
	}
	return key, "", nil
}

func text(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	case bool, float64, int:
		return fmt.Sprint(v)
	}
	return ""
}

func safe(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r < 0x20 || r == 0x7f {
			return '_'
		}
		return r
	}, strings.TrimSpace(s))
}

// lookup finds a dotted field in nested data.
func lookup(data map[string]any, path string) (any, bool) {
	var cur any = data
	for _, seg := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[seg]; !ok || cur == nil {
			return nil, false
		}
	}
	return cur, true
}

// set replaces the value of an existing dotted field.
func set(data map[string]any, path string, v any) {
	segs := strings.Split(path, ".")
	m := data
	for _, seg := range segs[:len(segs)-1] {
		next, ok := m[seg].(map[string]any)
		if !ok {
			return
		}
		m = next
	}
	m[segs[len(segs)-1]] = v
}
