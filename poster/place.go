package poster

import (
	"strings"
)

// checkRefs reports placement references to unknown ids and reference
// cycles, and computes the order in which elements can be placed.
func (d *decoder) checkRefs(m *model) {
	index := make(map[string]int, len(m.elements))
	ids := make([]string, 0, len(m.elements))
	for i, e := range m.elements {
		if j, dup := index[e.id]; dup {
			d.probs = append(d.probs, Problem{File: d.file, Line: e.line, Col: e.col,
				Message: "id \"" + e.id + "\" is already used by the element at line " + itoa(m.elements[j].line)})
			continue
		}
		index[e.id] = i
		ids = append(ids, e.id)
	}
	ok := true
	for _, e := range m.elements {
		for _, c := range []*coord{&e.x, &e.y} {
			if c.ref == "" {
				continue
			}
			if c.ref == e.id {
				d.probs = append(d.probs, Problem{File: d.file, Line: c.line, Col: c.col, Message: "element \"" + e.id + "\" is placed against itself"})
				ok = false
				continue
			}
			if _, found := index[c.ref]; !found {
				msg := "no element has id \"" + c.ref + "\""
				if s := suggest(c.ref, ids); s != "" {
					msg += "; did you mean \"" + s + "\"?"
				}
				d.probs = append(d.probs, Problem{File: d.file, Line: c.line, Col: c.col, Message: msg})
				ok = false
			}
		}
	}
	if !ok {
		return
	}
	// Depth-first topological sort; a grey node met again closes a cycle.
	const (
		white = iota
		grey
		black
	)
	state := make([]int, len(m.elements))
	var stack []int
	var visit func(i int) bool
	visit = func(i int) bool {
		switch state[i] {
		case black:
			return true
		case grey:
			start := 0
			for k, v := range stack {
				if v == i {
					start = k
				}
			}
			names := []string{}
			for _, v := range stack[start:] {
				names = append(names, m.elements[v].id)
			}
			names = append(names, m.elements[i].id)
			e := m.elements[i]
			d.probs = append(d.probs, Problem{File: d.file, Line: e.line, Col: e.col,
				Message: "placement cycle: " + strings.Join(names, " → ") + " (each is placed against the next)"})
			return false
		}
		state[i] = grey
		stack = append(stack, i)
		e := m.elements[i]
		for _, c := range []coord{e.x, e.y} {
			if c.ref != "" && !visit(index[c.ref]) {
				return false
			}
		}
		stack = stack[:len(stack)-1]
		state[i] = black
		m.order = append(m.order, i)
		return true
	}
	for i := range m.elements {
		if !visit(i) {
			m.order = nil
			return
		}
	}
}
