package rows

import (
	"io"
	"os"
	"strconv"
)

// Options say how to read a data file.
type Options struct {
	Encoding Encoding // CSV only; Auto detects UTF-8 or GB18030
	Sheet    string   // XLSX only; default the first sheet
	Limits   Limits
}

// Validate checks the options.
func (o Options) Validate() error { return o.Limits.Validate() }

// Reader yields the rows of one file in order.
type Reader struct {
	next    func() (Row, error)
	close   func() error
	columns []string
}

// Next returns the next row, a row carrying its own Err when only that row
// is bad, or io.EOF after the last one. Any other error stops the reading.
func (r *Reader) Next() (Row, error) { return r.next() }

// Columns are the header's column names (nil for JSON Lines).
func (r *Reader) Columns() []string { return r.columns }

// Close releases the file.
func (r *Reader) Close() error {
	if r.close == nil {
		return nil
	}
	return r.close()
}

// Open opens a data file of the given format.
func Open(path string, f Format, opt Options) (*Reader, error) {
	if err := opt.Validate(); err != nil {
		return nil, err
	}
	if f == XLSX {
		return openXLSX(path, opt)
	}
	file, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	var r *Reader
	switch f {
	case JSONL:
		r, err = NewJSONL(file, opt)
	default:
		r, err = NewCSV(file, opt)
	}
	if err != nil {
		file.Close()
		return nil, err
	}
	r.close = file.Close
	return r, nil
}

// Count reads the file once to count its rows (bad rows included) for a
// progress bar; it stops at the first error that ends reading.
func Count(path string, f Format, opt Options) (int, error) {
	r, err := Open(path, f, opt)
	if err != nil {
		return 0, err
	}
	defer r.Close()
	n := 0
	for {
		if _, err := r.Next(); err == io.EOF {
			return n, nil
		} else if err != nil {
			return n, err
		}
		n++
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
