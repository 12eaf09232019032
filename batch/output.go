package batch

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"strconv"
)

// manifestLine is one line of the manifest.
type manifestLine struct {
	Row    int    `json:"row"`
	Key    string `json:"key"`
	URL    string `json:"url"`
	Bytes  int64  `json:"bytes"`
	ETag   string `json:"etag"`
	Status Status `json:"status"`
}

type writers struct {
	mbuf *bufio.Writer
	enc  *json.Encoder
	ebuf *bufio.Writer
	csv  *csv.Writer
	head bool
}

func newWriters(out Outputs) *writers {
	w := &writers{}
	if out.Manifest != nil {
		w.mbuf = bufio.NewWriter(out.Manifest)
		w.enc = json.NewEncoder(w.mbuf)
		w.enc.SetEscapeHTML(false)
	}
	if out.Errors != nil {
		w.ebuf = bufio.NewWriter(out.Errors)
		w.csv = csv.NewWriter(w.ebuf)
	}
	return w
}

// write records one result: its manifest line, or its error lines. The
// errors file starts with a UTF-8 byte-order mark so Excel opens Chinese
// messages and field names correctly.
func (w *writers) write(res Result) error {
	if res.Status == Failed {
		if w.csv == nil {
			return nil
		}
		if !w.head {
			w.head = true
			w.ebuf.WriteString("\uFEFF")
			w.csv.Write([]string{"row", "field", "message"})
		}
		for _, p := range res.Problems {
			w.csv.Write([]string{strconv.Itoa(res.Row), p.Field, p.Message})
		}
		// Flush per failed row, so the file can be watched during a run.
		w.csv.Flush()
		if err := w.csv.Error(); err != nil {
			return err
		}
		return w.ebuf.Flush()
	}
	if w.enc == nil {
		return nil
	}
	o := res.Object
	return w.enc.Encode(manifestLine{Row: res.Row, Key: o.Key, URL: o.URL, Bytes: o.Bytes, ETag: o.ETag, Status: res.Status})
}

func (w *writers) flush() error {
	if w.mbuf != nil {
		if err := w.mbuf.Flush(); err != nil {
			return err
		}
	}
	if w.csv != nil {
		w.csv.Flush()
		if err := w.csv.Error(); err != nil {
			return err
		}
		return w.ebuf.Flush()
	}
	return nil
}
