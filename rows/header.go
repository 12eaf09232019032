package rows

import (
	"strings"
	"unicode/utf8"
)

// header maps columns to field paths.
type header struct {
	names []string   // as written, for messages
	paths [][]string // nil for a column without a name, which is ignored
}

// newHeader checks the column names: each non-empty, once, and no name
// both a field and the parent of another ("user" and "user.name").
func newHeader(cols []string, lim Limits) (*header, error) {
	if len(cols) > lim.MaxColumns {
		return nil, fileError("header has %d columns, at most %d", len(cols), lim.MaxColumns)
	}
	h := &header{names: make([]string, len(cols)), paths: make([][]string, len(cols))}
	seen := map[string]int{}
	named := false
	for i, c := range cols {
		c = strings.TrimSpace(c)
		h.names[i] = c
		if c == "" {
			continue
		}
		if !utf8.ValidString(c) {
			return nil, fileError("header column %d is not valid text (wrong --encoding?)", i+1)
		}
		if j, dup := seen[c]; dup {
			return nil, fileError("header names column %q twice (columns %d and %d)", c, j+1, i+1)
		}
		seen[c] = i
		segs := strings.Split(c, ".")
		for _, s := range segs {
			if s == "" {
				return nil, fileError("header column %q is not a field name (empty part between dots)", c)
			}
		}
		h.paths[i] = segs
		named = true
	}
	if !named {
		return nil, fileError("header row has no column names")
	}
	for name := range seen {
		for p := name; ; {
			i := strings.LastIndexByte(p, '.')
			if i < 0 {
				break
			}
			p = p[:i]
			if _, clash := seen[p]; clash {
				return nil, fileError("header has both %q and %q: a field cannot be a value and hold fields", p, name)
			}
		}
	}
	return h, nil
}

// Columns are the column names as written in the header.
func (h *header) columns() []string { return append([]string(nil), h.names...) }

// row builds the data of one record. Empty cells are left out, so a
// layout's defaults apply to them as to a missing field.
func (h *header) row(n int, cells []string, lim Limits) Row {
	if len(cells) > len(h.names) {
		for i := len(h.names); i < len(cells); i++ {
			if strings.TrimSpace(cells[i]) != "" {
				return Row{N: n, Err: &Error{Row: n, Message: "has a value in column " +
					itoa(i+1) + " beyond the header's " + itoa(len(h.names)) + " columns"}}
			}
		}
		cells = cells[:len(h.names)]
	}
	data := make(map[string]any, len(cells))
	for i, v := range cells {
		path := h.paths[i]
		if path == nil || v == "" {
			continue
		}
		if len(v) > lim.MaxCellBytes {
			return Row{N: n, Err: &Error{Row: n, Column: h.names[i], Message: "value is " + itoa(len(v)) +
				" bytes, at most " + itoa(lim.MaxCellBytes)}}
		}
		if !utf8.ValidString(v) {
			return Row{N: n, Err: &Error{Row: n, Column: h.names[i],
				Message: "is not valid UTF-8 text (save the file as CSV UTF-8, or name its encoding with --encoding gbk)"}}
		}
		set(data, path, v)
	}
	return Row{N: n, Data: data}
}

func set(m map[string]any, path []string, v any) {
	for _, seg := range path[:len(path)-1] {
		next, ok := m[seg].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[seg] = next
		}
		m = next
	}
	m[path[len(path)-1]] = v
}
