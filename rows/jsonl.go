package rows

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"unicode/utf8"
)

// NewJSONL reads one JSON object a line. Blank lines are skipped; numbers
// are kept as written (json.Number).
func NewJSONL(r io.Reader, opt Options) (*Reader, error) {
	lim := opt.Limits.withDefaults()
	br := bufio.NewReaderSize(r, 64<<10)
	if head, _ := br.Peek(3); bytes.Equal(head, bomUTF8) {
		br.Discard(3)
	}
	n := 0
	var line []byte
	next := func() (Row, error) {
		for {
			var long bool
			var err error
			line, long, err = readLine(br, line[:0], lim.MaxRowBytes)
			if err == io.EOF && len(line) == 0 && !long {
				return Row{}, io.EOF
			}
			if err != nil && err != io.EOF {
				return Row{}, fmt.Errorf("%w: line %d: %w", ErrFile, n+1, err)
			}
			n++
			if long {
				return Row{N: n, Err: &Error{Row: n, Message: fmt.Sprintf("is longer than %d bytes", lim.MaxRowBytes)}}, nil
			}
			line = bytes.TrimSpace(line)
			if len(line) == 0 {
				continue
			}
			return jsonRow(n, line, lim), nil
		}
	}
	return &Reader{next: next}, nil
}

// readLine appends one line to buf without its newline. A line longer than
// max is read to its end but not kept, and long is true.
func readLine(br *bufio.Reader, buf []byte, max int) (line []byte, long bool, err error) {
	for {
		chunk, err := br.ReadSlice('\n')
		if !long {
			if len(buf)+len(chunk) > max+1 { // +1: the newline itself
				long, buf = true, buf[:0]
			} else {
				buf = append(buf, chunk...)
			}
		}
		switch err {
		case bufio.ErrBufferFull:
			continue
		case nil:
			return bytes.TrimSuffix(buf, []byte("\n")), long, nil
		default:
			return buf, long, err
		}
	}
}

func jsonRow(n int, line []byte, lim Limits) Row {
	bad := func(msg string) Row { return Row{N: n, Err: &Error{Row: n, Message: msg}} }
	if !utf8.Valid(line) {
		return bad("is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return bad("is not valid JSON: " + err.Error())
	}
	if dec.More() {
		return bad("has more than one JSON value")
	}
	m, ok := v.(map[string]any)
	if !ok {
		return bad("must be a JSON object of field values")
	}
	if len(m) > lim.MaxColumns {
		return bad(fmt.Sprintf("has %d fields, at most %d", len(m), lim.MaxColumns))
	}
	if field, size := longestString(m, ""); size > lim.MaxCellBytes {
		return Row{N: n, Err: &Error{Row: n, Column: field, Message: fmt.Sprintf("value is %d bytes, at most %d", size, lim.MaxCellBytes)}}
	}
	return Row{N: n, Data: m}
}

// longestString finds the longest string value, and its dotted path.
func longestString(v any, path string) (string, int) {
	best, size := "", 0
	switch v := v.(type) {
	case string:
		return path, len(v)
	case map[string]any:
		for k, x := range v {
			p := k
			if path != "" {
				p = path + "." + k
			}
			if f, s := longestString(x, p); s > size {
				best, size = f, s
			}
		}
	case []any:
		for i, x := range v {
			if f, s := longestString(x, fmt.Sprintf("%s[%d]", path, i)); s > size {
				best, size = f, s
			}
		}
	}
	return best, size
}
