// Package jsonlimit decodes untrusted JSON within bounds: how deep it nests
// and how many keys and array elements it holds, so a body within the
// size limit cannot still become a deep or huge tree. Numbers stay as
// written (json.Number): 12345678901234567 and 12.50 keep every digit.
package jsonlimit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// Limits bound one document.
type Limits struct {
	MaxDepth  int // objects and arrays inside each other; the outermost is depth 1
	MaxValues int // object keys plus array elements, counted over the whole document
}

// Validate checks l; it fills nothing in.
func (l Limits) Validate() error {
	if l.MaxDepth < 1 || l.MaxValues < 1 {
		return fmt.Errorf("jsonlimit: MaxDepth and MaxValues must be at least 1, got %d and %d", l.MaxDepth, l.MaxValues)
	}
	return nil
}

// ErrEmpty is returned for a body with no JSON value in it.
var ErrEmpty = errors.New("the body is empty")

// LimitError says which bound the document broke.
type LimitError struct {
	Reason string
}

func (e *LimitError) Error() string { return e.Reason }

// SyntaxError is malformed JSON, with the byte offset it was found at.
type SyntaxError struct {
	Offset int64
	Reason string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("syntax error at byte %d: %s", e.Offset, e.Reason)
}

// Decode parses exactly one JSON value from b. Objects become
// map[string]any, arrays []any, numbers json.Number. A later duplicate key
// replaces an earlier one, as encoding/json does.
func Decode(b []byte, lim Limits) (any, error) {
	if err := lim.Validate(); err != nil {
		return nil, err
	}
	d := &decoder{dec: json.NewDecoder(bytes.NewReader(b)), lim: lim}
	d.dec.UseNumber()
	tok, err := d.token()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, ErrEmpty
		}
		return nil, err
	}
	v, err := d.value(tok, 0)
	if err != nil {
		return nil, err
	}
	if _, err := d.dec.Token(); !errors.Is(err, io.EOF) {
		return nil, &SyntaxError{Offset: d.dec.InputOffset(), Reason: "more than one JSON value"}
	}
	return v, nil
}

type decoder struct {
	dec    *json.Decoder
	lim    Limits
	values int
}

func (d *decoder) token() (json.Token, error) {
	tok, err := d.dec.Token()
	if err == nil || errors.Is(err, io.EOF) {
		return tok, err
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return nil, &SyntaxError{Offset: se.Offset, Reason: se.Error()}
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, &SyntaxError{Offset: d.dec.InputOffset(), Reason: "unexpected end of JSON input"}
	}
	return nil, &SyntaxError{Offset: d.dec.InputOffset(), Reason: err.Error()}
}

// next reads the token that must follow; the end of input there is a
// syntax error, not an empty document.
func (d *decoder) next() (json.Token, error) {
	tok, err := d.token()
	if errors.Is(err, io.EOF) {
		return nil, &SyntaxError{Offset: d.dec.InputOffset(), Reason: "unexpected end of JSON input"}
	}
	return tok, err
}

func (d *decoder) count() error {
	d.values++
	if d.values > d.lim.MaxValues {
		return &LimitError{Reason: fmt.Sprintf("more than %d keys and array elements", d.lim.MaxValues)}
	}
	return nil
}

func (d *decoder) value(tok json.Token, depth int) (any, error) {
	delim, ok := tok.(json.Delim)
	if !ok {
		return tok, nil // string, json.Number, bool or nil
	}
	if depth+1 > d.lim.MaxDepth {
		return nil, &LimitError{Reason: fmt.Sprintf("nested deeper than %d levels", d.lim.MaxDepth)}
	}
	switch delim {
	case '{':
		m := map[string]any{}
		for d.dec.More() {
			kt, err := d.next()
			if err != nil {
				return nil, err
			}
			if err := d.count(); err != nil {
				return nil, err
			}
			vt, err := d.next()
			if err != nil {
				return nil, err
			}
			v, err := d.value(vt, depth+1)
			if err != nil {
				return nil, err
			}
			m[kt.(string)] = v
		}
		if _, err := d.next(); err != nil { // the closing brace
			return nil, err
		}
		return m, nil
	case '[':
		s := []any{}
		for d.dec.More() {
			if err := d.count(); err != nil {
				return nil, err
			}
			vt, err := d.next()
			if err != nil {
				return nil, err
			}
			v, err := d.value(vt, depth+1)
			if err != nil {
				return nil, err
			}
			s = append(s, v)
		}
		if _, err := d.next(); err != nil {
			return nil, err
		}
		return s, nil
	}
	return nil, &SyntaxError{Offset: d.dec.InputOffset(), Reason: fmt.Sprintf("unexpected %q", delim)}
}
