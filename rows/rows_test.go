package rows

import (
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// all reads every row; rows with errors are rendered as their message.
func all(t *testing.T, r *Reader, err error) []any {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	var out []any
	for {
		row, err := r.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		if row.Err != nil {
			out = append(out, row.Err.Error())
			continue
		}
		out = append(out, row.N, row.Data)
	}
}

func TestCSV(t *testing.T) {
	gbk, err := simplifiedchinese.GBK.NewEncoder().String("name,user.city\n李雷,北京\n")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		in   string
		enc  Encoding
		want []any
	}{
		{"plain", "uid,name\n1,Ann\n2,\n", Auto,
			[]any{2, map[string]any{"uid": "1", "name": "Ann"}, 3, map[string]any{"uid": "2"}}},
		{"BOM", "\xEF\xBB\xBFuid,name\n1,韩梅梅\n", Auto,
			[]any{2, map[string]any{"uid": "1", "name": "韩梅梅"}}},
		{"GBK detected", gbk, Auto,
			[]any{2, map[string]any{"name": "李雷", "user": map[string]any{"city": "北京"}}}},
		{"GBK named", gbk, GB18030,
			[]any{2, map[string]any{"name": "李雷", "user": map[string]any{"city": "北京"}}}},
		{"bad UTF-8 after the sniffed start", "uid,name\n" + strings.Repeat("1,Ann\n", 20000) + "2,\xff\xfeX\n3,Bob\n", UTF8,
			nil},
		{"blank rows skipped, numbers kept", "uid\n1\n,\n\n3\n", Auto,
			[]any{2, map[string]any{"uid": "1"}, 4, map[string]any{"uid": "3"}}},
		{"extra value beyond the header", "uid\n1,x\n2,\n", Auto,
			[]any{"row 2: has a value in column 2 beyond the header's 1 columns", 3, map[string]any{"uid": "2"}}},
		{"broken quote is that row's error", "uid,name\n1,\"a\"b\n2,ok\n", Auto,
			[]any{`row 2: is not valid CSV: extraneous or missing " in quoted-field`, 3, map[string]any{"uid": "2", "name": "ok"}}},
		{"duplicate rows are both read", "uid\n7\n7\n", Auto,
			[]any{2, map[string]any{"uid": "7"}, 3, map[string]any{"uid": "7"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := NewCSV(strings.NewReader(tt.in), Options{Encoding: tt.enc})
			got := all(t, r, err)
			if tt.want == nil { // the bad UTF-8 case: check the one error
				if len(got) != 20000*2+1+2 {
					t.Fatalf("got %d items", len(got))
				}
				if msg := got[40000]; msg != `row 20002: column "name": is not valid UTF-8 text (save the file as CSV UTF-8, or name its encoding with --encoding gbk)` {
					t.Fatalf("bad row = %v", msg)
				}
				return
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got  %#v\nwant %#v", got, tt.want)
			}
		})
	}
}

func TestCSVFileErrors(t *testing.T) {
	tests := []struct {
		name, in string
		lim      Limits
		want     string
	}{
		{"empty", "", Limits{}, "rows: file is empty: the first row must name the columns"},
		{"duplicate column", "a,b,a\n", Limits{}, `rows: header names column "a" twice (columns 1 and 3)`},
		{"value and parent", "user,user.name\n", Limits{}, `rows: header has both "user" and "user.name": a field cannot be a value and hold fields`},
		{"too many columns", "a,b,c\n", Limits{MaxColumns: 2}, "rows: header has 3 columns, at most 2"},
		{"UTF-16", "\xff\xfea\x00", Limits{}, `rows: file is UTF-16 (Excel's "Unicode text"); save it as "CSV UTF-8" instead`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewCSV(strings.NewReader(tt.in), Options{Limits: tt.lim})
			if err == nil || err.Error() != tt.want || !errors.Is(err, ErrFile) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

// TestCSVUnclosedQuote: a quote that never closes would make one record of
// the rest of the file; the byte budget stops it.
func TestCSVUnclosedQuote(t *testing.T) {
	in := "uid,name\n1,\"open\n" + strings.Repeat("filler line\n", 100000)
	r, err := NewCSV(strings.NewReader(in), Options{Limits: Limits{MaxRowBytes: 1000, MaxCellBytes: 100}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = r.Next()
	if err == nil || err.Error() != "rows: row 2 is longer than 1000 bytes; stopped reading (an unclosed quote?)" {
		t.Fatalf("err = %v", err)
	}
}

func TestCSVCellLimit(t *testing.T) {
	r, err := NewCSV(strings.NewReader("uid,name\n1,"+strings.Repeat("x", 101)+"\n"), Options{Limits: Limits{MaxCellBytes: 100}})
	got := all(t, r, err)
	want := []any{`row 2: column "name": value is 101 bytes, at most 100`}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %#v", got)
	}
}

func TestJSONL(t *testing.T) {
	in := "{\"uid\":1,\"user\":{\"name\":\"Ann\"}}\n\n[1]\n{bad\n" + `{"uid":"` + strings.Repeat("x", 200) + "\"}\n{\"uid\":2}"
	r, err := NewJSONL(strings.NewReader(in), Options{Limits: Limits{MaxRowBytes: 100}})
	got := all(t, r, err)
	want := []any{
		1, map[string]any{"uid": jsonNumber("1"), "user": map[string]any{"name": "Ann"}},
		"row 3: must be a JSON object of field values",
		"row 4: is not valid JSON: invalid character 'b' looking for beginning of object key string",
		"row 5: is longer than 100 bytes",
		6, map[string]any{"uid": jsonNumber("2")},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got  %#v\nwant %#v", got, want)
	}
}

func TestXLSX(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rows.xlsx")
	f := excelize.NewFile()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	for i, row := range [][]any{{"uid", "user.name", "score"}, {"1", "李雷", 98}, {nil, nil, nil}, {"3", "韩梅梅", nil}} {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := sw.SetRow(cell, row); err != nil {
			t.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	r, err := Open(path, XLSX, Options{})
	got := all(t, r, err)
	defer r.Close()
	want := []any{
		2, map[string]any{"uid": "1", "user": map[string]any{"name": "李雷"}, "score": "98"},
		4, map[string]any{"uid": "3", "user": map[string]any{"name": "韩梅梅"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got  %#v\nwant %#v", got, want)
	}
	if c := r.Columns(); !reflect.DeepEqual(c, []string{"uid", "user.name", "score"}) {
		t.Fatalf("columns = %q", c)
	}
	if n, err := Count(path, XLSX, Options{}); err != nil || n != 2 {
		t.Fatalf("Count = %d, %v", n, err)
	}
}

func TestOpenMissing(t *testing.T) {
	_, err := Open(filepath.Join(t.TempDir(), "nope.csv"), CSV, Options{})
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("err = %v", err)
	}
}

func jsonNumber(s string) any { return json.Number(s) }
