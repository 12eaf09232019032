package poster

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// tmpl is a string field of a layout that may pull values from the request
// data: "Hi {{nickname}}" or "{{nickname | 微信用户}}" (text after | is the
// default used when the field is missing).
type tmpl struct {
	raw   string
	parts []tmplPart
}

type tmplPart struct {
	lit   string
	field string // dotted path into the data; "" for a literal part
	def   string
	hasDf bool
}

func (t tmpl) isStatic() bool {
	for _, p := range t.parts {
		if p.field != "" {
			return false
		}
	}
	return true
}

// fields lists the data fields the template reads.
func (t tmpl) fields() []tmplPart {
	var out []tmplPart
	for _, p := range t.parts {
		if p.field != "" {
			out = append(out, p)
		}
	}
	return out
}

// parseTmpl splits s into literal and field parts. The returned offset is
// the byte position of a problem inside s, for error columns.
func parseTmpl(s string) (tmpl, int, error) {
	t := tmpl{raw: s}
	rest, off := s, 0
	for {
		i := strings.Index(rest, "{{")
		if i < 0 {
			if j := strings.Index(rest, "}}"); j >= 0 {
				return t, off + j, fmt.Errorf("\"}}\" without an opening \"{{\"")
			}
			if rest != "" {
				t.parts = append(t.parts, tmplPart{lit: rest})
			}
			return t, 0, nil
		}
		if i > 0 {
			t.parts = append(t.parts, tmplPart{lit: rest[:i]})
		}
		j := strings.Index(rest[i:], "}}")
		if j < 0 {
			return t, off + i, fmt.Errorf("\"{{\" is not closed with \"}}\"")
		}
		inner := rest[i+2 : i+j]
		p := tmplPart{}
		name := inner
		if k := strings.Index(inner, "|"); k >= 0 {
			name = inner[:k]
			p.def = strings.TrimSpace(inner[k+1:])
			p.def = strings.Trim(p.def, `"`)
			p.hasDf = true
		}
		name = strings.TrimSpace(name)
		if !validFieldPath(name) {
			return t, off + i, fmt.Errorf("%q is not a data field name (letters, digits, _ and dots, e.g. {{user.nickname}})", name)
		}
		p.field = name
		t.parts = append(t.parts, p)
		off += i + j + 2
		rest = rest[i+j+2:]
	}
}

func validFieldPath(s string) bool {
	if s == "" {
		return false
	}
	for _, seg := range strings.Split(s, ".") {
		if seg == "" {
			return false
		}
		for _, r := range seg {
			if r != '_' && r != '-' && !unicode.IsLetter(r) && !unicode.IsDigit(r) {
				return false
			}
		}
	}
	return true
}

// lookup finds a dotted path in the data. Present means the field exists and
// is not null.
func lookup(data map[string]any, path string) (any, bool) {
	var cur any = data
	for _, seg := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		cur, ok = m[seg]
		if !ok || cur == nil {
			return nil, false
		}
	}
	return cur, true
}

// present reports whether a condition field is set to something worth
// showing: not missing, not null, not "", not false.
func present(data map[string]any, path string) bool {
	v, ok := lookup(data, path)
	if !ok {
		return false
	}
	switch v := v.(type) {
	case string:
		return v != ""
	case bool:
		return v
	}
	return true
}

func scalarText(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		return v, true
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), true
	case int:
		return strconv.Itoa(v), true
	case int64:
		return strconv.FormatInt(v, 10), true
	case json.Number:
		return v.String(), true
	case bool:
		return strconv.FormatBool(v), true
	}
	return "", false
}

// expand fills the template from data; element names the element for errors.
func (t tmpl) expand(data map[string]any, element string) (string, error) {
	return t.expandWith(data, element, nil)
}

// expandWith is expand with each value from the data passed through clean
// (when not nil) before it is inserted; literals and defaults are the
// layout's own words and are kept as written.
func (t tmpl) expandWith(data map[string]any, element string, clean func(string) string) (string, error) {
	if len(t.parts) == 1 && t.parts[0].field == "" {
		return t.parts[0].lit, nil
	}
	var b strings.Builder
	for _, p := range t.parts {
		if p.field == "" {
			b.WriteString(p.lit)
			continue
		}
		v, ok := lookup(data, p.field)
		if !ok {
			if p.hasDf {
				b.WriteString(p.def)
				continue
			}
			return "", &DataError{Element: element, Field: p.field, Reason: "missing from the data (give it, or a default as {{" + p.field + " | default}})"}
		}
		s, ok := scalarText(v)
		if !ok {
			return "", &DataError{Element: element, Field: p.field, Reason: "must be a string, number or boolean"}
		}
		if clean != nil {
			s = clean(s)
		}
		b.WriteString(s)
	}
	return b.String(), nil
}

// trimValue removes white space at both ends of a value from the data.
func trimValue(s string) string { return strings.TrimSpace(s) }

// foldValue trims a value and folds every run of white space inside it
// that holds a line break or more than one character into one space, for
// texts of one line. A single space of any kind (an ideographic space
// between a family and a given name) is kept as it is.
func foldValue(s string) string {
	s = strings.TrimSpace(s)
	var b strings.Builder
	runStart := -1
	flush := func(end int) {
		run := s[runStart:end]
		if r, n := utf8.DecodeRuneInString(run); n == len(run) && r != '\n' && r != '\r' && r != '\t' {
			b.WriteString(run)
		} else {
			b.WriteByte(' ')
		}
		runStart = -1
	}
	for i, r := range s {
		if unicode.IsSpace(r) {
			if runStart < 0 {
				runStart = i
			}
			continue
		}
		if runStart >= 0 {
			flush(i)
		}
		b.WriteRune(r)
	}
	return b.String()
}
