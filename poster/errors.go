package poster

import (
	"fmt"
	"strings"
)

// Problem is one thing wrong in a layout file, at a position a designer's
// editor can jump to. Line and Col are 1-based; 0 means unknown.
type Problem struct {
	File    string
	Line    int
	Col     int
	Message string
}

func (p Problem) String() string {
	return fmt.Sprintf("%s:%d:%d: %s", p.File, p.Line, p.Col, p.Message)
}

// ValidationError lists every problem found in one or more layout files.
type ValidationError struct {
	Problems []Problem
}

func (e *ValidationError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// DataError says the request data cannot be used by the layout: a missing
// field, a value of the wrong kind, an image that cannot be read. Callers
// (the HTTP service) report it as the client's fault.
type DataError struct {
	Element string // id of the element that needed the data
	Field   string // data field, when one is to blame
	Reason  string
	Err     error
}

func (e *DataError) Error() string {
	var b strings.Builder
	if e.Element != "" {
		fmt.Fprintf(&b, "element %q: ", e.Element)
	}
	if e.Field != "" {
		fmt.Fprintf(&b, "field %q: ", e.Field)
	}
	b.WriteString(e.Reason)
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *DataError) Unwrap() error { return e.Err }

// CodeError wraps a failure of the CodeSource for a code element, so callers
// can tell it apart from other render failures and still reach the cause
// with errors.Is / errors.As.
type CodeError struct {
	Element string
	Err     error
}

func (e *CodeError) Error() string {
	return fmt.Sprintf("element %q: mini-program code: %v", e.Element, e.Err)
}

func (e *CodeError) Unwrap() error { return e.Err }
