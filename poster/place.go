package poster

import (
	"math"
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

// place finds every element's position in document-independent placement
// order and returns the canvas height.
func place(m *model, items []item) float64 {
	for _, i := range m.order {
		it := &items[i]
		if it.hidden {
			it.w, it.h = 0, 0
		}
		it.x = resolveCoord(it.el.x, it.w, m.width, items, m, it.hidden, false)
		it.y = resolveCoord(it.el.y, it.h, m.height, items, m, it.hidden, true)
	}
	if !m.autoHeight {
		return m.height
	}
	bottom := 0.0
	for i := range items {
		if !items[i].hidden {
			bottom = max(bottom, items[i].y+items[i].h)
		}
	}
	return math.Ceil(bottom + m.padding)
}

func resolveCoord(c coord, size, canvas float64, items []item, m *model, hidden, vertical bool) float64 {
	gap := c.value
	if hidden {
		// A hidden element takes no room, so whatever is placed against it
		// lands where it would have started, without a doubled gap.
		gap = 0
	}
	var ref *item
	if c.ref != "" {
		for i := range m.elements {
			if m.elements[i].id == c.ref {
				ref = &items[i]
				break
			}
		}
	}
	start := func(r *item) float64 {
		if vertical {
			return r.y
		}
		return r.x
	}
	extent := func(r *item) float64 {
		if vertical {
			return r.h
		}
		return r.w
	}
	switch c.how {
	case anchorCenter:
		return (canvas - size) / 2
	case anchorAfter:
		return start(ref) + extent(ref) + gap
	case anchorBefore:
		return start(ref) - gap - size
	case anchorAlign:
		return start(ref) + c.value
	}
	return c.value
}
