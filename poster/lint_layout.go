package poster

import (
	"context"
	"fmt"
	"sort"
	"strings"
)

// StressCase is data made to push a layout: each declared text field at
// its max_chars in wide glyphs, in emoji or in mixed scripts, and every
// optional field left out.
type StressCase struct {
	Name string
	Data map[string]any
}

// Stress strings: the widest common CJK glyph, emoji, and a mix of scripts
// with both full and half widths, each cut to the field's max_chars.
const (
	stressWide  = "鑫"
	stressEmoji = "😀"
	stressMixed = "阿Jay杰W😀龘M"
	stressScene = "Zq9~Xw8&"
)

// readOnlyByCodes reports whether only code elements read f.
func (l *Layout) readOnlyByCodes(f Field) bool {
	for _, id := range f.Elements {
		found := false
		for _, el := range l.m.elements {
			if el.id == id {
				found = true
				if el.kind != KindCode {
					return false
				}
			}
		}
		if !found {
			return false // the background
		}
	}
	return true
}

// StressData derives stress cases from the declared fields. A layout
// without declared fields has none: lint cannot guess how long its values
// get.
func (l *Layout) StressData() []StressCase {
	var text, codes, optional []Field
	for _, f := range l.Fields {
		if !f.Declared {
			continue
		}
		if f.Type == FieldString && f.MaxChars > 0 {
			// A code's page and scene take only a few ASCII characters
			// (WeChat's rule); their stress is the longest such value,
			// which makes the densest code.
			if l.readOnlyByCodes(f) {
				codes = append(codes, f)
			} else {
				text = append(text, f)
			}
		}
		if !f.Required {
			optional = append(optional, f)
		}
	}
	if len(text) == 0 && len(codes) == 0 && len(optional) == 0 {
		return nil
	}
	base := func() map[string]any { return cloneData(l.Sample) }
	var out []StressCase
	for _, v := range []struct{ name, unit string }{{"wide", stressWide}, {"emoji", stressEmoji}, {"mixed", stressMixed}} {
		if len(text) == 0 {
			break
		}
		d := base()
		for _, f := range text {
			setPath(d, f.Name, fill(v.unit, f.MaxChars))
		}
		out = append(out, StressCase{Name: "every text field at max_chars in " + v.name + " characters", Data: d})
	}
	if len(codes) > 0 {
		d := base()
		for _, f := range codes {
			setPath(d, f.Name, fill(stressScene, f.MaxChars))
		}
		out = append(out, StressCase{Name: "every code field at max_chars", Data: d})
	}
	if len(optional) > 0 {
		d := base()
		var names []string
		for _, f := range optional {
			deletePath(d, f.Name)
			names = append(names, f.Name)
		}
		out = append(out, StressCase{Name: "without the optional " + strings.Join(names, ", "), Data: d})
	}
	return out
}

// fill repeats unit's characters up to n characters.
func fill(unit string, n int) string {
	r := []rune(unit)
	out := make([]rune, n)
	for i := range out {
		out[i] = r[i%len(r)]
	}
	return string(out)
}

func cloneData(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		if sub, ok := v.(map[string]any); ok {
			v = cloneData(sub)
		}
		out[k] = v
	}
	return out
}

func setPath(m map[string]any, path string, v any) {
	segs := strings.Split(path, ".")
	for _, s := range segs[:len(segs)-1] {
		next, ok := m[s].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[s] = next
		}
		m = next
	}
	m[segs[len(segs)-1]] = v
}

func deletePath(m map[string]any, path string) {
	segs := strings.Split(path, ".")
	for _, s := range segs[:len(segs)-1] {
		next, ok := m[s].(map[string]any)
		if !ok {
			return
		}
		m = next
	}
	delete(m, segs[len(segs)-1])
}

// LayoutFinding is a finding with the data case that showed it.
type LayoutFinding struct {
	Finding
	Case string `json:"case"` // "sample", or a stress case's name
}

// LintLayout renders l with its sample data and with each stress case at
// the layout's own scale, lints every render (decoding codes back), and adds the findings that
// need no render (fields read but not declared). Findings repeated across
// cases are reported once, for the first case that shows them.
func (e *Engine) LintLayout(ctx context.Context, l *Layout, opt LintOptions) ([]LayoutFinding, error) {
	opt.Decode = true
	cases := append([]StressCase{{Name: "sample", Data: l.Sample}}, l.StressData()...)
	seen := map[string]bool{}
	var out []LayoutFinding
	for _, c := range cases {
		fs, err := e.lintOnce(ctx, l, c.Data, opt)
		if err != nil {
			return out, fmt.Errorf("%s data: %w", c.Name, err)
		}
		for _, f := range fs {
			k := f.Rule + "\x00" + f.Element
			if seen[k] {
				continue
			}
			seen[k] = true
			out = append(out, LayoutFinding{Finding: f, Case: c.Name})
		}
	}
	if declaresFields(l) {
		for _, f := range l.Fields {
			if !f.Declared {
				line, col := l.Position(f.Elements[0])
				out = append(out, LayoutFinding{Case: "fields", Finding: Finding{Rule: RuleUndeclared, Severity: SeverityHint,
					Element: f.Elements[0], Line: line, Col: col,
					Message: fmt.Sprintf("field %q is read but not declared; add it under fields: so apps and lint know its type and length", f.Name)}})
			}
		}
	} else if len(l.Fields) > 0 {
		out = append(out, LayoutFinding{Case: "fields", Finding: Finding{Rule: RuleUndeclared, Severity: SeverityHint, Line: 1, Col: 1,
			Message: "the layout declares no fields: add a fields: entry for each of " + fieldNames(l) + " so lint can try long values"}})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Severity > out[j].Severity })
	return out, nil
}

func declaresFields(l *Layout) bool {
	for _, f := range l.Fields {
		if f.Declared {
			return true
		}
	}
	return false
}

func fieldNames(l *Layout) string {
	names := make([]string, len(l.Fields))
	for i, f := range l.Fields {
		names[i] = f.Name
	}
	return strings.Join(names, ", ")
}

func (e *Engine) lintOnce(ctx context.Context, l *Layout, data map[string]any, opt LintOptions) ([]Finding, error) {
	d, err := e.Bind(l, data, RenderOptions{})
	if err != nil {
		return nil, err
	}
	if err := e.Fetch(ctx, d); err != nil {
		return nil, err
	}
	res, err := e.Draw(ctx, d)
	if err != nil {
		return nil, err
	}
	defer res.Release()
	return e.Lint(d, res, opt), nil
}
