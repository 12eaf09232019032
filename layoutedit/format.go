package layoutedit

import (
	"encoding/json"
	"strings"

	"gopkg.in/yaml.v3"
)

// format writes v as one line of YAML in flow style. old, when given, is
// the value v replaces: a string keeps the quoting the file used for it.
func format(v *yaml.Node, old *yaml.Node, inFlow bool) string {
	switch v.Kind {
	case yaml.MappingNode:
		parts := make([]string, 0, len(v.Content)/2)
		for i := 0; i+1 < len(v.Content); i += 2 {
			parts = append(parts, formatString(v.Content[i].Value, nil, true)+": "+format(v.Content[i+1], nil, true))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case yaml.SequenceNode:
		parts := make([]string, 0, len(v.Content))
		for _, c := range v.Content {
			parts = append(parts, format(c, nil, true))
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	if v.Tag == "!!str" {
		return formatString(v.Value, old, inFlow)
	}
	if v.Tag == "!!null" {
		return "null"
	}
	return v.Value // numbers and booleans: JSON's spelling is YAML's
}

// formatString writes s plain when YAML reads it back as the same string,
// otherwise double-quoted; a value that was quoted stays quoted.
func formatString(s string, old *yaml.Node, inFlow bool) string {
	if old != nil && old.Kind == yaml.ScalarNode {
		switch old.Style {
		case yaml.DoubleQuotedStyle:
			return doubleQuote(s)
		case yaml.SingleQuotedStyle:
			if !strings.ContainsAny(s, "\n\r") {
				return "'" + strings.ReplaceAll(s, "'", "''") + "'"
			}
			return doubleQuote(s)
		}
	}
	if plainSafe(s, inFlow) {
		return s
	}
	return doubleQuote(s)
}

func plainSafe(s string, inFlow bool) bool {
	if s == "" || strings.TrimSpace(s) != s || strings.ContainsAny(s, "\n\r\t\"'") ||
		strings.Contains(s, ": ") || strings.Contains(s, " #") || strings.HasSuffix(s, ":") {
		return false
	}
	if inFlow && strings.ContainsAny(s, ",[]{}") {
		return false
	}
	if strings.ContainsRune("-?:,[]{}#&*!|>'\"%@`", rune(s[0])) {
		return false
	}
	var n yaml.Node
	if err := yaml.Unmarshal([]byte("k: "+s), &n); err != nil || len(n.Content) == 0 {
		return false
	}
	m := n.Content[0]
	return m.Kind == yaml.MappingNode && len(m.Content) == 2 && m.Content[1].Tag == "!!str" && m.Content[1].Value == s
}

// doubleQuote uses JSON's string syntax, which is YAML's double-quoted
// syntax too; characters outside ASCII stay as they are.
func doubleQuote(s string) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return strings.TrimSuffix(b.String(), "\n")
}
