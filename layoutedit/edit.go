package layoutedit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Apply makes the edits in order and returns the new file. Nothing outside
// what each edit concerns changes, byte for byte.
func Apply(src []byte, ops ...Op) ([]byte, error) {
	for _, op := range ops {
		var err error
		if src, err = apply(src, op); err != nil {
			return nil, err
		}
	}
	return src, nil
}

// file is a parsed layout: its text and its node tree.
type file struct {
	t     *text
	root  *yaml.Node // the top mapping
	elKey *yaml.Node // "elements" key, nil when absent
	els   *yaml.Node // the elements sequence
}

func parse(src []byte) (*file, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, errorf("the file is not valid YAML: %v", err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, errorf("the file is not a YAML mapping")
	}
	f := &file{t: newText(src), root: doc.Content[0]}
	if k, v := lookup(f.root, "elements"); k != nil {
		if v.Kind != yaml.SequenceNode {
			return nil, errorf("elements is not a list")
		}
		f.elKey, f.els = k, v
	}
	return f, nil
}

func lookup(m *yaml.Node, key string) (k, v *yaml.Node) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i], m.Content[i+1]
		}
	}
	return nil, nil
}

func (f *file) element(op Op) (*yaml.Node, error) {
	if op.Index == RootIndex && (op.Kind == KindSet || op.Kind == KindUnset) {
		return f.root, nil
	}
	if f.els == nil || op.Index < 0 || op.Index >= len(f.els.Content) {
		return nil, errorf("there is no element %d", op.Index)
	}
	el := f.els.Content[op.Index]
	if el.Kind != yaml.MappingNode {
		return nil, errorf("element %d is not a mapping", op.Index)
	}
	if op.ID != "" {
		if _, id := lookup(el, "id"); id == nil || id.Value != op.ID {
			return nil, errorf("element %d is not %q any more; reload the layout", op.Index, op.ID)
		}
	}
	if el.Style&yaml.FlowStyle != 0 {
		return nil, errorf("element %d is written in flow style {…}; edit it in a text editor", op.Index)
	}
	return el, nil
}

// splice replaces src[start:end] with s.
func splice(src []byte, start, end int, s string) []byte {
	out := make([]byte, 0, len(src)-(end-start)+len(s))
	out = append(out, src[:start]...)
	out = append(out, s...)
	return append(out, src[end:]...)
}

func apply(src []byte, op Op) ([]byte, error) {
	f, err := parse(src)
	if err != nil {
		return nil, err
	}
	if op.Kind == KindMove {
		sets, err := f.moveOps(op)
		if err != nil {
			return nil, err
		}
		return Apply(src, sets...)
	}
	var val *yaml.Node
	if len(op.Value) > 0 {
		var doc yaml.Node
		if err := yaml.Unmarshal(op.Value, &doc); err != nil || len(doc.Content) != 1 {
			return nil, errorf("the value is not valid JSON")
		}
		val = doc.Content[0]
	}
	if op.Kind == KindSet && val != nil && f.unchanged(op, val) {
		return src, nil
	}
	if op.Kind == KindSet && val != nil && val.Kind == yaml.MappingNode {
		if sub, ok := f.mergeOps(op, val); ok {
			return Apply(src, sub...)
		}
	}
	var out []byte
	switch op.Kind {
	case KindSet, KindUnset:
		el, err := f.element(op)
		if err != nil {
			return nil, err
		}
		if len(op.Path) == 0 {
			return nil, errorf("the edit names no key")
		}
		if op.Kind == KindSet {
			if val == nil {
				return nil, errorf("set needs a value")
			}
			out, err = f.set(el, op.Path, val)
		} else {
			out, err = f.unset(el, op.Path)
		}
		if err != nil {
			return nil, err
		}
	case KindAdd:
		if val == nil || val.Kind != yaml.MappingNode {
			return nil, errorf("a new element must be a mapping")
		}
		out, err = f.insertElement(op.Index, f.elementText(val))
		if err != nil {
			return nil, err
		}
	case KindDuplicate:
		if op.NewID == "" {
			return nil, errorf("a copy needs a new id")
		}
		if _, err := f.element(op); err != nil {
			return nil, err
		}
		s, e := f.itemSpan(op.Index)
		out, err = f.insertElement(op.Index+1, string(f.t.src[s:e]))
		if err != nil {
			return nil, err
		}
		out, err = apply(out, Op{Kind: KindSet, Index: op.Index + 1, Path: []string{"id"}, Value: jsonOf(op.NewID)})
		if err != nil {
			return nil, err
		}
	case KindRemove, KindReorder:
		if _, err := f.element(op); err != nil {
			return nil, err
		}
		if op.Kind == KindReorder && (op.To < 0 || op.To >= len(f.els.Content)) {
			return nil, errorf("there is no position %d", op.To)
		}
		out = f.rearrange(op)
	default:
		return nil, errorf("unknown edit %q", op.Kind)
	}
	if err := verify(src, out, op, val); err != nil {
		return nil, err
	}
	return out, nil
}

func jsonOf(s string) []byte { return []byte(doubleQuote(s)) }

// ---- keys of an element ----

// valueSpan is where the value of key starts and ends in the text. Block
// collections and block scalars end past the newline of their last line.
func (f *file) valueSpan(key, val *yaml.Node, inFlow bool) (start, end int) {
	t := f.t
	if val.Kind == yaml.ScalarNode && val.Tag == "!!null" && val.Value == "" {
		c := f.colonAfter(key)
		return c, c
	}
	start = t.offset(val.Line, val.Column)
	if val.Style&yaml.FlowStyle != 0 && val.Kind != yaml.ScalarNode {
		return start, t.flowEnd(start)
	}
	if val.Kind != yaml.ScalarNode {
		return start, t.blockEnd(val.Line, val.Column-1)
	}
	switch val.Style {
	case yaml.LiteralStyle, yaml.FoldedStyle:
		return start, t.blockEnd(val.Line, key.Column)
	case yaml.DoubleQuotedStyle:
		return start, t.scalarEnd(start, '"', inFlow)
	case yaml.SingleQuotedStyle:
		return start, t.scalarEnd(start, '\'', inFlow)
	}
	end = t.scalarEnd(start, 0, inFlow)
	if !inFlow && t.blockEnd(val.Line, key.Column) > t.lineEnd(val.Line) {
		// A plain scalar folded over several lines.
		return start, t.blockEnd(val.Line, key.Column)
	}
	return start, end
}

// colonAfter is the offset just past the colon that follows key.
func (f *file) colonAfter(key *yaml.Node) int {
	s := f.t.offset(key.Line, key.Column)
	// A plain key's text is its value; a quoted one ends at its quote.
	i := s + len(key.Value)
	if key.Style == yaml.DoubleQuotedStyle {
		i = f.t.scalarEnd(s, '"', true)
	} else if key.Style == yaml.SingleQuotedStyle {
		i = f.t.scalarEnd(s, '\'', true)
	}
	for i < len(f.t.src) && f.t.src[i] != ':' {
		i++
	}
	return i + 1
}

func isBlock(n *yaml.Node) bool {
	if n.Kind == yaml.ScalarNode {
		return n.Style == yaml.LiteralStyle || n.Style == yaml.FoldedStyle
	}
	return n.Style&yaml.FlowStyle == 0
}

func (f *file) set(m *yaml.Node, path []string, val *yaml.Node) ([]byte, error) {
	for i, k := range path {
		inFlow := m.Style&yaml.FlowStyle != 0
		key, old := lookup(m, k)
		if key == nil {
			return f.insertKey(m, k, nest(path[i+1:], val)), nil
		}
		if i < len(path)-1 {
			if old.Kind != yaml.MappingNode {
				return nil, errorf("%s is not a mapping", strings.Join(path[:i+1], "."))
			}
			m = old
			continue
		}
		if old.Anchor != "" || old.Kind == yaml.AliasNode {
			return nil, errorf("%s uses a YAML anchor or alias; edit it in a text editor", strings.Join(path, "."))
		}
		s, e := f.valueSpan(key, old, inFlow)
		if lit, ok := literal(val, old, key.Column-1+2); ok {
			// Text written as a | block stays one.
			return splice(f.t.src, f.colonAfter(key), e, " "+lit), nil
		}
		if isBlock(old) || f.t.lineOf(s) != key.Line {
			// A block value starts on the next line: the new flow value
			// goes after the colon instead, and ends its line.
			c := f.colonAfter(key)
			rep := " " + format(val, old, inFlow)
			if e > 0 && f.t.src[e-1] == '\n' {
				rep += "\n"
			}
			return splice(f.t.src, c, e, rep), nil
		}
		return splice(f.t.src, s, e, format(val, old, inFlow)), nil
	}
	return nil, errorf("the edit names no key")
}

// literal writes a multi-line string as a | block when the value it
// replaces was one, indented by indent spaces; it ends with a newline.
func literal(val, old *yaml.Node, indent int) (string, bool) {
	if old.Kind != yaml.ScalarNode || old.Style != yaml.LiteralStyle || val.Kind != yaml.ScalarNode || val.Tag != "!!str" ||
		!strings.Contains(val.Value, "\n") || strings.HasPrefix(val.Value, " ") || strings.ContainsAny(val.Value, "\r\t") {
		return "", false
	}
	v, head := val.Value, "|-"
	switch {
	case strings.HasSuffix(v, "\n\n"):
		return "", false // keep (|+) chomping is rare; quote it instead
	case strings.HasSuffix(v, "\n"):
		v, head = strings.TrimSuffix(v, "\n"), "|"
	}
	var b strings.Builder
	b.WriteString(head + "\n")
	pad := strings.Repeat(" ", indent)
	for _, l := range strings.Split(v, "\n") {
		if l != "" {
			b.WriteString(pad + l)
		}
		b.WriteString("\n")
	}
	return b.String(), true
}

// nest wraps val in mappings for the keys of path: [a b], v → {a: {b: v}}.
func nest(path []string, val *yaml.Node) *yaml.Node {
	for i := len(path) - 1; i >= 0; i-- {
		val = &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{{Kind: yaml.ScalarNode, Tag: "!!str", Value: path[i]}, val}}
	}
	return val
}

func (f *file) insertKey(m *yaml.Node, k string, val *yaml.Node) []byte {
	t := f.t
	if m.Style&yaml.FlowStyle != 0 {
		s := t.offset(m.Line, m.Column)
		e := t.flowEnd(s) - 1 // the closing brace
		entry := formatString(k, nil, true) + ": " + format(val, nil, true)
		if len(m.Content) == 0 {
			return splice(t.src, s+1, e, entry)
		}
		last := e
		for last > s && (t.src[last-1] == ' ' || t.src[last-1] == '\n' || t.src[last-1] == '\r') {
			last--
		}
		return splice(t.src, last, last, ", "+entry)
	}
	lk, lv := m.Content[len(m.Content)-2], m.Content[len(m.Content)-1]
	_, e := f.valueSpan(lk, lv, false)
	at := t.lineEnd(t.lineOf(max(e-1, 0)))
	line := strings.Repeat(" ", m.Content[0].Column-1) + formatString(k, nil, false) + ": " + format(val, nil, false) + "\n"
	if at == len(t.src) && at > 0 && t.src[at-1] != '\n' {
		line = "\n" + line
	}
	return splice(t.src, at, at, line)
}

func (f *file) unset(m *yaml.Node, path []string) ([]byte, error) {
	t := f.t
	for i, k := range path {
		key, val := lookup(m, k)
		if key == nil {
			return nil, errorf("%s is not set", strings.Join(path[:i+1], "."))
		}
		if i < len(path)-1 {
			if val.Kind != yaml.MappingNode {
				return nil, errorf("%s is not a mapping", strings.Join(path[:i+1], "."))
			}
			m = val
			continue
		}
		inFlow := m.Style&yaml.FlowStyle != 0
		_, e := f.valueSpan(key, val, inFlow)
		if !inFlow {
			if len(m.Content) == 2 {
				return nil, errorf("%s is the only key left; remove %s instead", strings.Join(path, "."), strings.Join(path[:i], "."))
			}
			return splice(t.src, t.lineStart(key.Line), t.lineEnd(t.lineOf(max(e-1, 0))), ""), nil
		}
		s := t.offset(key.Line, key.Column)
		j := e
		for j < len(t.src) && t.src[j] == ' ' {
			j++
		}
		if j < len(t.src) && t.src[j] == ',' {
			j++
			for j < len(t.src) && t.src[j] == ' ' {
				j++
			}
			return splice(t.src, s, j, ""), nil
		}
		b := s
		for b > 0 && t.src[b-1] == ' ' {
			b--
		}
		if b > 0 && t.src[b-1] == ',' {
			return splice(t.src, b-1, e, ""), nil
		}
		return splice(t.src, s, e, ""), nil
	}
	return nil, errorf("the edit names no key")
}

// mergeOps turns setting a mapping onto an existing mapping into a set of
// each key and an unset of each key it lacks, so the file keeps its order
// and style and only changed values change.
func (f *file) mergeOps(op Op, val *yaml.Node) ([]Op, bool) {
	el, err := f.element(op)
	if err != nil {
		return nil, false
	}
	m := el
	for _, k := range op.Path {
		if _, m = lookup(m, k); m == nil || m.Kind != yaml.MappingNode {
			return nil, false
		}
	}
	var ops []Op
	for i := 0; i+1 < len(val.Content); i += 2 {
		var v any
		if err := val.Content[i+1].Decode(&v); err != nil {
			return nil, false
		}
		b, err := json.Marshal(v)
		if err != nil {
			return nil, false
		}
		if val.Content[i+1].Kind == yaml.MappingNode {
			// Keep the key order of the new value for nested mappings too.
			b = []byte(jsonOfNode(val.Content[i+1]))
		}
		ops = append(ops, Op{Kind: KindSet, Index: op.Index, Path: append(append([]string(nil), op.Path...), val.Content[i].Value), Value: b})
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if k, _ := lookup(val, m.Content[i].Value); k == nil {
			ops = append(ops, Op{Kind: KindUnset, Index: op.Index, Path: append(append([]string(nil), op.Path...), m.Content[i].Value)})
		}
	}
	if len(ops) == 0 {
		return nil, false
	}
	return ops, true
}

// unchanged reports a set to the value the key already has: it writes
// nothing, whatever the spelling of the value.
func (f *file) unchanged(op Op, val *yaml.Node) bool {
	el, err := f.element(op)
	if err != nil {
		return false
	}
	m := el
	for _, k := range op.Path {
		if m == nil || m.Kind != yaml.MappingNode {
			return false
		}
		_, m = lookup(m, k)
	}
	if m == nil {
		return false
	}
	var a, b any
	if m.Decode(&a) != nil || val.Decode(&b) != nil {
		return false
	}
	return reflect.DeepEqual(normalize(a), normalize(b))
}

// jsonOfNode writes a node as JSON in its own key order.
func jsonOfNode(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		parts := make([]string, 0, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			parts = append(parts, doubleQuote(n.Content[i].Value)+":"+jsonOfNode(n.Content[i+1]))
		}
		return "{" + strings.Join(parts, ",") + "}"
	case yaml.SequenceNode:
		parts := make([]string, 0, len(n.Content))
		for _, c := range n.Content {
			parts = append(parts, jsonOfNode(c))
		}
		return "[" + strings.Join(parts, ",") + "]"
	}
	var v any
	_ = n.Decode(&v)
	b, _ := json.Marshal(v)
	return string(b)
}

// ---- moving ----

// moveOps turns a move into the sets it needs: an absolute coordinate
// changes by the distance; one placed against another element keeps its
// relation and its gap or offset changes instead.
func (f *file) moveOps(op Op) ([]Op, error) {
	el, err := f.element(op)
	if err != nil {
		return nil, err
	}
	var ops []Op
	for _, ax := range []struct {
		key      string
		d        float64
		abs      *float64
		fwd, bwd string
	}{{"x", op.DX, op.X, "right_of", "left_of"}, {"y", op.DY, op.Y, "below", "above"}} {
		if ax.d == 0 {
			continue
		}
		base := Op{Kind: KindSet, Index: op.Index, Path: []string{ax.key}}
		_, v := lookup(el, ax.key)
		switch {
		case v == nil:
			base.Value = num(ax.d)
		case v.Kind == yaml.ScalarNode && v.Value == "center":
			if ax.abs == nil {
				return nil, errorf("%s is center: the move needs the new position", ax.key)
			}
			base.Value = num(*ax.abs)
		case v.Kind == yaml.ScalarNode:
			old, err := strconv.ParseFloat(v.Value, 64)
			if err != nil {
				return nil, errorf("%s is %q, not a number", ax.key, v.Value)
			}
			base.Value = num(old + ax.d)
		case v.Kind == yaml.MappingNode:
			sign, field := 1.0, "gap"
			switch {
			case has(v, ax.fwd):
			case has(v, ax.bwd):
				sign = -1
			default:
				field = "offset"
			}
			if has(v, "offset") {
				field = "offset"
			} else if has(v, "gap") {
				field = "gap"
			}
			old := 0.0
			if _, g := lookup(v, field); g != nil {
				if old, err = strconv.ParseFloat(g.Value, 64); err != nil {
					return nil, errorf("%s.%s is %q, not a number", ax.key, field, g.Value)
				}
			}
			base.Path = []string{ax.key, field}
			base.Value = num(old + sign*ax.d)
		default:
			return nil, errorf("%s cannot be moved", ax.key)
		}
		ops = append(ops, base)
	}
	return ops, nil
}

func has(m *yaml.Node, k string) bool { kn, _ := lookup(m, k); return kn != nil }

// num spells v the way a person would: no exponent, no float noise.
func num(v float64) []byte {
	v = math.Round(v*1e4) / 1e4
	if v == 0 {
		v = 0 // no "-0"
	}
	return []byte(strconv.FormatFloat(v, 'f', -1, 64))
}

// ---- elements ----

// itemSpan bounds element i: from its dash line (and the comment lines
// right above it) to the end of its last line.
func (f *file) itemSpan(i int) (start, end int) {
	t := f.t
	it := f.els.Content[i]
	first := it.Line
	dash, _, _ := t.indent(first)
	for n := first - 1; n >= 1; n-- {
		ind, blank, comment := t.indent(n)
		if blank || !comment || ind != dash {
			break
		}
		first = n
	}
	if it.Kind == yaml.MappingNode && it.Style&yaml.FlowStyle == 0 {
		return t.lineStart(first), t.blockEnd(it.Line, it.Column-1)
	}
	return t.lineStart(first), t.lineEnd(it.Line)
}

func (f *file) checkBlockList() error {
	if f.els == nil || f.els.Style&yaml.FlowStyle != 0 && len(f.els.Content) > 0 {
		return errorf("elements is not a block list; edit it in a text editor")
	}
	for i, it := range f.els.Content {
		if it.Kind != yaml.MappingNode || it.Style&yaml.FlowStyle != 0 {
			return errorf("element %d is written in flow style {…}; edit it in a text editor", i)
		}
		if ind, _, _ := f.t.indent(it.Line); !bytes.HasPrefix(f.t.lineBody(it.Line)[ind:], []byte("-")) {
			return errorf("element %d does not start on its dash line; edit it in a text editor", i)
		}
	}
	return nil
}

// pieces cuts the element list into bodies and the separators between
// them, so bodies can move while separators stay where they are.
func (f *file) pieces() (prefix int, bodies, seps []string, suffix int) {
	n := len(f.els.Content)
	starts, ends := make([]int, n), make([]int, n)
	for i := range n {
		starts[i], ends[i] = f.itemSpan(i)
	}
	for i := range n {
		bodies = append(bodies, string(f.t.src[starts[i]:ends[i]]))
		if i+1 < n {
			seps = append(seps, string(f.t.src[ends[i]:starts[i+1]]))
		}
	}
	return starts[0], bodies, seps, ends[n-1]
}

func (f *file) join(prefix int, bodies, seps []string, suffix int) []byte {
	var b strings.Builder
	for i, body := range bodies {
		if i > 0 {
			b.WriteString(seps[min(i-1, len(seps)-1)])
		}
		b.WriteString(body)
	}
	return splice(f.t.src, prefix, suffix, b.String())
}

func (f *file) insertElement(at int, body string) ([]byte, error) {
	if f.els == nil {
		return nil, errorf("the layout has no elements list")
	}
	if err := f.checkBlockList(); err != nil {
		return nil, err
	}
	if at < 0 || at > len(f.els.Content) {
		return nil, errorf("there is no position %d", at)
	}
	if len(f.els.Content) == 0 {
		_, e := f.valueSpan(f.elKey, f.els, false)
		return splice(f.t.src, f.colonAfter(f.elKey), e, "\n"+strings.TrimSuffix(body, "\n")), nil
	}
	prefix, bodies, seps, suffix := f.pieces()
	if len(seps) == 0 {
		seps = []string{""}
	} else {
		// The new separator copies a neighbouring one.
		i := min(at, len(seps))
		seps = append(seps[:i:i], append([]string{seps[min(at, len(seps)-1)]}, seps[i:]...)...)
	}
	bodies = append(bodies[:at], append([]string{body}, bodies[at:]...)...)
	return f.join(prefix, bodies, seps, suffix), nil
}

func (f *file) rearrange(op Op) []byte {
	prefix, bodies, seps, suffix := f.pieces()
	body := bodies[op.Index]
	bodies = append(bodies[:op.Index:op.Index], bodies[op.Index+1:]...)
	if op.Kind == KindReorder {
		bodies = append(bodies[:op.To], append([]string{body}, bodies[op.To:]...)...)
	} else if len(seps) > 0 {
		drop := min(op.Index, len(seps)-1)
		seps = append(seps[:drop:drop], seps[drop+1:]...)
	}
	if len(bodies) == 0 {
		// The last element goes: leave an empty list behind.
		_, e := f.valueSpan(f.elKey, f.els, false)
		c := f.colonAfter(f.elKey)
		return splice(f.t.src, c, e, " []\n")
	}
	return f.join(prefix, bodies, seps, suffix)
}

// elementText writes a new element as a block mapping indented like the
// elements already in the list.
func (f *file) elementText(val *yaml.Node) string {
	dash, content := 2, 4
	if f.els != nil && len(f.els.Content) > 0 {
		it := f.els.Content[0]
		dash, _, _ = f.t.indent(it.Line)
		content = it.Column - 1
	}
	var b strings.Builder
	for i := 0; i+1 < len(val.Content); i += 2 {
		if i == 0 {
			b.WriteString(strings.Repeat(" ", dash) + "-" + strings.Repeat(" ", max(content-dash-1, 1)))
		} else {
			b.WriteString(strings.Repeat(" ", content))
		}
		fmt.Fprintf(&b, "%s: %s\n", formatString(val.Content[i].Value, nil, false), format(val.Content[i+1], nil, false))
	}
	return b.String()
}

// ---- checking ----

// verify parses the result and compares it with what the edit meant; any
// other difference means a splice went wrong.
func verify(before, after []byte, op Op, val *yaml.Node) error {
	var a, b any
	if err := yaml.Unmarshal(before, &a); err != nil {
		return err
	}
	if err := yaml.Unmarshal(after, &b); err != nil {
		return fmt.Errorf("%w: %v", ErrUnchecked, err)
	}
	var v any
	if val != nil {
		if err := val.Decode(&v); err != nil {
			return err
		}
	}
	want, ok := expect(a, op, v)
	if !ok || !reflect.DeepEqual(normalize(want), normalize(b)) {
		return ErrUnchecked
	}
	return nil
}

func expect(doc any, op Op, v any) (any, bool) {
	root, ok := doc.(map[string]any)
	if !ok {
		return nil, false
	}
	els, _ := root["elements"].([]any)
	switch op.Kind {
	case KindSet, KindUnset:
		el := root
		if op.Index != RootIndex {
			var ok bool
			if el, ok = els[op.Index].(map[string]any); !ok {
				return nil, false
			}
		}
		m := el
		for _, k := range op.Path[:len(op.Path)-1] {
			next, ok := m[k].(map[string]any)
			if !ok {
				if op.Kind == KindUnset {
					return nil, false
				}
				next = map[string]any{}
				m[k] = next
			}
			m = next
		}
		last := op.Path[len(op.Path)-1]
		if op.Kind == KindSet {
			m[last] = v
		} else {
			delete(m, last)
		}
	case KindAdd:
		els = append(els[:op.Index:op.Index], append([]any{v}, els[op.Index:]...)...)
	case KindDuplicate:
		cp := map[string]any{}
		for k, x := range els[op.Index].(map[string]any) {
			cp[k] = x
		}
		cp["id"] = op.NewID
		els = append(els[:op.Index+1:op.Index+1], append([]any{cp}, els[op.Index+1:]...)...)
	case KindRemove:
		els = append(els[:op.Index:op.Index], els[op.Index+1:]...)
	case KindReorder:
		el := els[op.Index]
		els = append(els[:op.Index:op.Index], els[op.Index+1:]...)
		els = append(els[:op.To:op.To], append([]any{el}, els[op.To:]...)...)
	}
	if op.Kind != KindSet && op.Kind != KindUnset {
		root["elements"] = els
	}
	return root, true
}

// normalize makes numbers comparable: YAML reads 24 as int and 24.5 as
// float64, JSON-born values may differ in that.
func normalize(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = normalize(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normalize(e)
		}
		return out
	case int:
		return float64(x)
	case int64:
		return float64(x)
	case uint64:
		return float64(x)
	}
	return v
}
