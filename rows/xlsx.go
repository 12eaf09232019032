package rows

import (
	"fmt"
	"io"

	"github.com/xuri/excelize/v2"
)

// openXLSX streams the rows of one sheet: excelize's row iterator reads
// the sheet's XML as it goes (spilling a large sheet to a temporary file
// rather than to memory), so a big workbook costs little memory.
func openXLSX(path string, opt Options) (*Reader, error) {
	lim := opt.Limits.withDefaults()
	f, err := excelize.OpenFile(path, excelize.Options{UnzipSizeLimit: lim.MaxXLSXBytes, UnzipXMLSizeLimit: 16 << 20})
	if err != nil {
		return nil, fmt.Errorf("%w: open workbook: %w", ErrFile, err)
	}
	sheet := opt.Sheet
	if sheet == "" {
		list := f.GetSheetList()
		if len(list) == 0 {
			f.Close()
			return nil, fileError("workbook has no sheets")
		}
		sheet = list[0]
	}
	it, err := f.Rows(sheet)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%w: sheet %q: %w", ErrFile, sheet, err)
	}
	closeAll := func() error {
		err := it.Close()
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		return err
	}
	fail := func(err error) (*Reader, error) {
		closeAll()
		return nil, err
	}
	if !it.Next() {
		if err := it.Error(); err != nil {
			return fail(fmt.Errorf("%w: sheet %q: %w", ErrFile, sheet, err))
		}
		return fail(fileError("sheet %q is empty: the first row must name the columns", sheet))
	}
	cols, err := it.Columns()
	if err != nil {
		return fail(fmt.Errorf("%w: sheet %q header: %w", ErrFile, sheet, err))
	}
	h, err := newHeader(cols, lim)
	if err != nil {
		return fail(err)
	}
	n := 1
	next := func() (Row, error) {
		for it.Next() {
			n++
			cells, err := it.Columns()
			if err != nil {
				return Row{N: n, Err: &Error{Row: n, Message: "cannot be read: " + err.Error()}}, nil
			}
			if len(cells) > lim.MaxColumns {
				return Row{N: n, Err: &Error{Row: n, Message: fmt.Sprintf("has %d columns, at most %d", len(cells), lim.MaxColumns)}}, nil
			}
			if blank(cells) {
				continue
			}
			size := 0
			for _, c := range cells {
				size += len(c)
			}
			if size > lim.MaxRowBytes {
				return Row{N: n, Err: &Error{Row: n, Message: fmt.Sprintf("is %d bytes, at most %d", size, lim.MaxRowBytes)}}, nil
			}
			return h.row(n, cells, lim), nil
		}
		if err := it.Error(); err != nil {
			return Row{}, fmt.Errorf("%w: sheet %q: %w", ErrFile, sheet, err)
		}
		return Row{}, io.EOF
	}
	return &Reader{next: next, close: closeAll, columns: h.columns()}, nil
}
