package rows

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"
)

// Encoding is a CSV file's character encoding.
type Encoding int

const (
	Auto    Encoding = iota // a BOM means UTF-8; else UTF-8 when the start decodes as UTF-8, else GB18030
	UTF8                    // UTF-8, with or without a BOM
	GB18030                 // GB18030 and its subset GBK, as Excel saves "CSV" on Chinese Windows
)

func (e Encoding) String() string {
	switch e {
	case UTF8:
		return "utf-8"
	case GB18030:
		return "gb18030"
	}
	return "auto"
}

// ParseEncoding reads an encoding name.
func ParseEncoding(s string) (Encoding, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "auto":
		return Auto, nil
	case "utf-8", "utf8":
		return UTF8, nil
	case "gbk", "gb2312", "gb18030", "cp936":
		return GB18030, nil
	}
	return 0, fmt.Errorf("unknown encoding %q (want auto, utf-8 or gbk)", s)
}

// sniffBytes is how much of the file Auto looks at.
const sniffBytes = 64 << 10

var bomUTF8 = []byte{0xEF, 0xBB, 0xBF}

// detect decides the encoding from the start of the file, which it leaves
// unread in br (minus a UTF-8 BOM).
func detect(br *bufio.Reader, want Encoding) (Encoding, error) {
	head, _ := br.Peek(sniffBytes)
	switch {
	case bytes.HasPrefix(head, bomUTF8):
		br.Discard(len(bomUTF8))
		if want == GB18030 {
			return UTF8, fileError("file starts with a UTF-8 byte-order mark but --encoding gbk was given")
		}
		return UTF8, nil
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}), bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		return 0, fileError("file is UTF-16 (Excel's \"Unicode text\"); save it as \"CSV UTF-8\" instead")
	}
	if want != Auto {
		return want, nil
	}
	if validPrefix(head) {
		return UTF8, nil
	}
	return GB18030, nil
}

// validPrefix reports whether b is UTF-8, allowing a rune cut off at the end.
func validPrefix(b []byte) bool {
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size <= 1 {
			return len(b) < utf8.UTFMax && !utf8.FullRune(b)
		}
		b = b[size:]
	}
	return true
}

// NewCSV reads a CSV file whose first record is the header.
func NewCSV(r io.Reader, opt Options) (*Reader, error) {
	lim := opt.Limits.withDefaults()
	br := bufio.NewReaderSize(r, sniffBytes)
	enc, err := detect(br, opt.Encoding)
	if err != nil {
		return nil, err
	}
	var src io.Reader = br
	if enc == GB18030 {
		src = transform.NewReader(br, simplifiedchinese.GB18030.NewDecoder())
	}
	b := &budget{r: src, limit: int64(lim.MaxRowBytes)}
	cr := csv.NewReader(b)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	rec, err := cr.Read()
	b.base = cr.InputOffset()
	if err == io.EOF {
		return nil, fileError("file is empty: the first row must name the columns")
	}
	if err != nil {
		return nil, csvFileError(err, b)
	}
	h, err := newHeader(rec, lim)
	if err != nil {
		return nil, err
	}
	n := 1
	next := func() (Row, error) {
		for {
			start := b.base
			rec, err := cr.Read()
			b.base = cr.InputOffset()
			if err == io.EOF {
				return Row{}, io.EOF
			}
			n++
			if b.over {
				return Row{}, fileError("row %d is longer than %d bytes; stopped reading (an unclosed quote?)", n, lim.MaxRowBytes)
			}
			if err != nil {
				var pe *csv.ParseError
				if errors.As(err, &pe) {
					return Row{N: n, Err: &Error{Row: n, Message: "is not valid CSV: " + pe.Err.Error()}}, nil
				}
				return Row{}, fmt.Errorf("%w: row %d: %w", ErrFile, n, err)
			}
			if size := cr.InputOffset() - start; size > int64(lim.MaxRowBytes) {
				return Row{N: n, Err: &Error{Row: n, Message: fmt.Sprintf("is %d bytes, at most %d", size, lim.MaxRowBytes)}}, nil
			}
			if len(rec) > lim.MaxColumns {
				return Row{N: n, Err: &Error{Row: n, Message: fmt.Sprintf("has %d columns, at most %d", len(rec), lim.MaxColumns)}}, nil
			}
			if blank(rec) {
				// Spreadsheets leave empty rows at the end, or between
				// groups; they are not posters.
				continue
			}
			return h.row(n, rec, lim), nil
		}
	}
	return &Reader{next: next, columns: h.columns()}, nil
}

func blank(rec []string) bool {
	for _, c := range rec {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

func csvFileError(err error, b *budget) error {
	if b.over {
		return fileError("header row is longer than %d bytes", b.limit)
	}
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fileError("header row is not valid CSV: %v", pe.Err)
	}
	return fmt.Errorf("%w: %w", ErrFile, err)
}

// budget stops the CSV reader from reading more than one row's worth past
// the end of the last record it returned: encoding/csv would otherwise
// grow a record without bound when a quote is never closed.
type budget struct {
	r     io.Reader
	base  int64 // input offset of the end of the last record returned
	read  int64
	limit int64
	over  bool
}

// slack covers encoding/csv's own read-ahead buffer.
const slack = 64 << 10

func (b *budget) Read(p []byte) (int, error) {
	allowed := b.base + b.limit + slack - b.read
	if allowed <= 0 {
		b.over = true
		return 0, errors.New("row too long")
	}
	if int64(len(p)) > allowed {
		p = p[:allowed]
	}
	n, err := b.r.Read(p)
	b.read += int64(n)
	return n, err
}
