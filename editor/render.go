package editor

import (
	"bytes"
	"encoding/base64"
	"errors"
	"net/http"

	"github.com/haibao/haibao/poster"
)

// renderResult is one poster as the page shows it: the image the service
// would return for the same layout and data, the element boxes and the
// lint findings of this render.
type renderResult struct {
	Digest   string           `json:"digest"` // of the file this render drew
	Image    string           `json:"image"`  // data: URL of the PNG
	Width    float64          `json:"width"`  // canvas in layout units
	Height   float64          `json:"height"`
	Scale    float64          `json:"scale"`
	Boxes    []poster.Box     `json:"boxes"`
	Findings []poster.Finding `json:"findings"`
	Data     map[string]any   `json:"data"`
	Error    string           `json:"error,omitempty"`
}

func (e *Editor) render(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Case string `json:"case"` // sample (default) or a stress case's name
	}
	if err := decodeBody(w, r, &req); err != nil {
		e.fail(w, r, err)
		return
	}
	name := r.PathValue("name")
	src, digest, err := e.store.Read(name)
	if err != nil {
		e.fail(w, r, err)
		return
	}
	l, err := e.parse(name, src)
	if err != nil {
		e.fail(w, r, err)
		return
	}
	data := l.Sample
	if req.Case != "" && req.Case != "sample" {
		found := false
		for _, c := range l.StressData() {
			if c.Name == req.Case {
				data, found = c.Data, true
			}
		}
		if !found {
			writeJSON(w, http.StatusNotFound, apiError{Error: "no data case " + req.Case})
			return
		}
	}
	out := renderResult{Digest: digest, Data: data, Boxes: []poster.Box{}, Findings: []poster.Finding{}}
	ctx := r.Context()
	d, err := e.cfg.Engine.Bind(l, data, poster.RenderOptions{})
	if err == nil {
		err = e.cfg.Engine.Fetch(ctx, d)
	}
	var res *poster.Result
	if err == nil {
		res, err = e.cfg.Engine.Draw(ctx, d)
	}
	if err != nil {
		var ve *poster.ValidationError
		if errors.As(err, &ve) {
			e.fail(w, r, err)
			return
		}
		// Data problems and failed images are the designer's to see.
		out.Error = err.Error()
		writeJSON(w, http.StatusOK, out)
		return
	}
	defer res.Release()
	out.Findings = append(out.Findings, e.cfg.Engine.Lint(d, res, poster.LintOptions{})...)
	var buf bytes.Buffer
	if err := res.Encode(&buf, poster.EncodeOptions{Format: poster.PNG}); err != nil {
		e.fail(w, r, err)
		return
	}
	out.Image = "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())
	out.Width, out.Height, out.Scale = res.Width, res.Height, res.Scale
	out.Boxes = append(out.Boxes, res.Boxes...)
	writeJSON(w, http.StatusOK, out)
}
