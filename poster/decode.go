package poster

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// decoder walks the YAML node tree of one layout file, so every problem can
// be reported at the line and column of the value that causes it.
type decoder struct {
	file  string
	probs []Problem
}

func (d *decoder) errAt(n *yaml.Node, format string, args ...any) {
	line, col := 0, 0
	if n != nil {
		line, col = n.Line, n.Column
	}
	d.probs = append(d.probs, Problem{File: d.file, Line: line, Col: col, Message: fmt.Sprintf(format, args...)})
}

// describe names what a node holds, for "must be a number, got …" messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	}
	switch n.Tag {
	case "!!null":
		return "nothing"
	case "!!bool":
		return n.Value
	case "!!int", "!!float":
		return "the number " + n.Value
	}
	return strconv.Quote(n.Value)
}

// fields checks that n is a mapping whose keys are all in allowed and returns
// the values by key. Unknown and repeated keys are reported.
func (d *decoder) fields(n *yaml.Node, what string, allowed []string) (map[string]*yaml.Node, bool) {
	if n.Kind != yaml.MappingNode {
		d.errAt(n, "%s must be a mapping of keys, got %s", what, describe(n))
		return nil, false
	}
	out := make(map[string]*yaml.Node, len(n.Content)/2)
	keyAt := make(map[string]*yaml.Node, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if prev, dup := keyAt[k.Value]; dup {
			d.errAt(k, "key %q appears twice in %s (first at line %d)", k.Value, what, prev.Line)
			continue
		}
		keyAt[k.Value] = k
		if !contains(allowed, k.Value) {
			s := suggest(k.Value, allowed)
			if a, ok := keyAliases[k.Value]; ok && contains(allowed, a) {
				s = a
			}
			if s != "" {
				d.errAt(k, "unknown key %q in %s; did you mean %q?", k.Value, what, s)
			} else {
				sorted := append([]string(nil), allowed...)
				sort.Strings(sorted)
				d.errAt(k, "unknown key %q in %s (known keys: %s)", k.Value, what, strings.Join(sorted, ", "))
			}
			continue
		}
		out[k.Value] = v
	}
	return out, true
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func (d *decoder) number(n *yaml.Node, what string, lo, hi float64) (float64, bool) {
	if n.Kind != yaml.ScalarNode || (n.Tag != "!!int" && n.Tag != "!!float") {
		d.errAt(n, "%s must be a number, got %s", what, describe(n))
		return 0, false
	}
	v, err := strconv.ParseFloat(strings.ReplaceAll(n.Value, "_", ""), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		d.errAt(n, "%s must be a number, got %s", what, describe(n))
		return 0, false
	}
	if v < lo || v > hi {
		d.errAt(n, "%s must be from %s to %s, got %s", what, fmtNum(lo), fmtNum(hi), n.Value)
		return 0, false
	}
	return v, true
}

func fmtNum(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

func (d *decoder) integer(n *yaml.Node, what string, lo, hi int) (int, bool) {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!int" {
		d.errAt(n, "%s must be a whole number, got %s", what, describe(n))
		return 0, false
	}
	v, err := strconv.Atoi(n.Value)
	if err != nil || v < lo || v > hi {
		d.errAt(n, "%s must be a whole number from %d to %d, got %s", what, lo, hi, n.Value)
		return 0, false
	}
	return v, true
}

func (d *decoder) str(n *yaml.Node, what string) (string, bool) {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		d.errAt(n, "%s must be text, got %s", what, describe(n))
		return "", false
	}
	// Numbers and booleans written bare are accepted as their text, so a
	// designer may write `text: 99` for a price.
	return n.Value, true
}

func (d *decoder) boolean(n *yaml.Node, what string) (bool, bool) {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
		d.errAt(n, "%s must be true or false, got %s", what, describe(n))
		return false, false
	}
	return n.Value == "true" || n.Value == "True" || n.Value == "TRUE", true
}

func (d *decoder) enum(n *yaml.Node, what string, options []string) (int, bool) {
	s, ok := d.str(n, what)
	if !ok {
		return 0, false
	}
	for i, o := range options {
		if s == o {
			return i, true
		}
	}
	if sg := suggest(s, options); sg != "" {
		d.errAt(n, "%s must be one of %s, got %q; did you mean %q?", what, strings.Join(options, ", "), s, sg)
	} else {
		d.errAt(n, "%s must be one of %s, got %q", what, strings.Join(options, ", "), s)
	}
	return 0, false
}

// template parses a string field that may hold {{field}} references.
func (d *decoder) template(n *yaml.Node, what string) (tmpl, bool) {
	s, ok := d.str(n, what)
	if !ok {
		return tmpl{}, false
	}
	t, off, err := parseTmpl(s)
	if err != nil {
		// YAML columns count characters; the offset is in bytes.
		line, col := n.Line, n.Column
		chars := utf8.RuneCountInString(s[:off])
		if n.Style == 0 || n.Style == yaml.TaggedStyle {
			col += chars
		} else if n.Style == yaml.DoubleQuotedStyle || n.Style == yaml.SingleQuotedStyle {
			col += chars + 1
		}
		d.probs = append(d.probs, Problem{File: d.file, Line: line, Col: col, Message: fmt.Sprintf("%s: %v", what, err)})
		return tmpl{}, false
	}
	return t, true
}

func (d *decoder) color(n *yaml.Node, what string) (colorVal, bool) {
	t, ok := d.template(n, what)
	if !ok {
		return colorVal{}, false
	}
	if !t.isStatic() {
		return colorVal{set: true, t: &t}, true
	}
	c, err := ParseColor(t.raw)
	if err != nil {
		d.errAt(n, "%s: %v", what, err)
		return colorVal{}, false
	}
	return colorVal{set: true, c: c}, true
}

var weightNames = map[string]int{"thin": 100, "light": 300, "regular": 400, "normal": 400, "medium": 500, "semibold": 600, "bold": 700, "black": 900}

func (d *decoder) weight(n *yaml.Node, what string) (int, bool) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!int" {
		v, ok := d.integer(n, what, 100, 900)
		return v, ok
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!str" {
		if w, ok := weightNames[n.Value]; ok {
			return w, true
		}
	}
	names := make([]string, 0, len(weightNames))
	for k := range weightNames {
		names = append(names, k)
	}
	sort.Strings(names)
	d.errAt(n, "%s must be a number from 100 to 900 or one of %s, got %s", what, strings.Join(names, ", "), describe(n))
	return 0, false
}
