package layoutedit

import (
	"bytes"
	"unicode/utf8"
)

// text is the source with the start offset of every line, so yaml.v3's
// line/column marks (1-based, columns counted in characters) map to bytes.
type text struct {
	src   []byte
	lines []int // byte offset where each line starts
}

func newText(src []byte) *text {
	t := &text{src: src, lines: []int{0}}
	for i, b := range src {
		if b == '\n' {
			t.lines = append(t.lines, i+1)
		}
	}
	return t
}

// offset turns a yaml.v3 mark into a byte offset.
func (t *text) offset(line, col int) int {
	if line < 1 || line > len(t.lines) {
		return len(t.src)
	}
	off := t.lines[line-1]
	for c := 1; c < col && off < len(t.src); c++ {
		_, n := utf8.DecodeRune(t.src[off:])
		off += n
	}
	return off
}

// lineOf returns the 1-based line holding byte offset off.
func (t *text) lineOf(off int) int {
	lo, hi := 0, len(t.lines)-1
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if t.lines[mid] <= off {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return lo + 1
}

// lineStart and lineEnd bound line n (1-based); lineEnd is past its newline.
func (t *text) lineStart(n int) int { return t.lines[n-1] }

func (t *text) lineEnd(n int) int {
	if n < len(t.lines) {
		return t.lines[n]
	}
	return len(t.src)
}

// lineBody is line n without its newline.
func (t *text) lineBody(n int) []byte {
	return bytes.TrimRight(t.src[t.lineStart(n):t.lineEnd(n)], "\r\n")
}

// indent counts the leading spaces of line n; blank reports a line with
// nothing but spaces, comment one whose first character is #.
func (t *text) indent(n int) (ind int, blank, comment bool) {
	b := t.lineBody(n)
	for ind < len(b) && b[ind] == ' ' {
		ind++
	}
	if ind == len(b) {
		return ind, true, false
	}
	return ind, false, b[ind] == '#'
}

// blockEnd is the end (past the newline) of the block that starts on line
// first and goes on over the lines indented by at least minIndent. Blank
// lines belong to it only when content follows; comment lines only when
// indented like content.
func (t *text) blockEnd(first, minIndent int) int {
	last := first
	for n := first + 1; n <= len(t.lines); n++ {
		if n == len(t.lines) && t.lineStart(n) == len(t.src) {
			break
		}
		ind, blank, _ := t.indent(n)
		if blank {
			continue
		}
		if ind < minIndent {
			break
		}
		last = n
	}
	return t.lineEnd(last)
}

// scalarEnd finds where a one-line scalar that starts at off ends.
func (t *text) scalarEnd(off int, quote byte, inFlow bool) int {
	s := t.src
	switch quote {
	case '"':
		for i := off + 1; i < len(s); i++ {
			if s[i] == '\\' {
				i++
			} else if s[i] == '"' {
				return i + 1
			}
		}
		return len(s)
	case '\'':
		for i := off + 1; i < len(s); i++ {
			if s[i] == '\'' {
				if i+1 < len(s) && s[i+1] == '\'' {
					i++
					continue
				}
				return i + 1
			}
		}
		return len(s)
	}
	end := off
	for i := off; i < len(s); i++ {
		c := s[i]
		if c == '\n' || c == '\r' {
			break
		}
		if c == '#' && i > off && (s[i-1] == ' ' || s[i-1] == '\t') {
			break
		}
		if inFlow && (c == ',' || c == '}' || c == ']') {
			break
		}
		if c != ' ' && c != '\t' {
			end = i + 1
		}
	}
	return end
}

// flowEnd finds the end of a flow collection that starts at off ({ or [).
func (t *text) flowEnd(off int) int {
	s := t.src
	depth := 0
	for i := off; i < len(s); i++ {
		switch s[i] {
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				return i + 1
			}
		case '"', '\'':
			i = t.scalarEnd(i, s[i], true) - 1
		case '#':
			if i > 0 && (s[i-1] == ' ' || s[i-1] == '\t') {
				for i < len(s) && s[i] != '\n' {
					i++
				}
			}
		}
	}
	return len(s)
}
