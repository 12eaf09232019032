package rows

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
)

// Row is one record. N is where a person finds it: the spreadsheet row
// number for CSV and XLSX (the header is row 1) or the line number for
// JSON Lines. Exactly one of Data and Err is set.
type Row struct {
	N    int
	Data map[string]any
	Err  *Error
}

// Error is what is wrong with one row. Column is empty when the problem is
// the row as a whole.
type Error struct {
	Row     int
	Column  string
	Message string
}

func (e *Error) Error() string {
	if e.Column != "" {
		return fmt.Sprintf("row %d: column %q: %s", e.Row, e.Column, e.Message)
	}
	return fmt.Sprintf("row %d: %s", e.Row, e.Message)
}

// ErrFile is wrapped by errors that stop reading altogether: a header that
// cannot be used, an unreadable file, a row too long to find where the next
// one starts.
var ErrFile = errors.New("rows")

func fileError(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrFile, fmt.Sprintf(format, args...))
}

// Format is a kind of data file.
type Format int

const (
	CSV Format = iota
	JSONL
	XLSX
)

func (f Format) String() string {
	switch f {
	case JSONL:
		return "jsonl"
	case XLSX:
		return "xlsx"
	}
	return "csv"
}

// FormatFromPath tells the format from a file name's extension.
func FormatFromPath(path string) (Format, bool) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".csv", ".txt":
		return CSV, true
	case ".jsonl", ".ndjson":
		return JSONL, true
	case ".xlsx":
		return XLSX, true
	}
	return 0, false
}
