// Package preview is the designers' live preview: a web page that lists the
// layouts of a folder, renders them with their sample data (or data typed
// into the page), outlines the element boxes, and re-renders the moment a
// layout, font or image in the folder is saved, showing file:line:col
// problems while keeping the last good poster. It only reads the folder.
package preview

import (
	"bytes"
	"context"
	"embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math"
	"net/http"
	"os"
	"runtime/debug"
	"strconv"
	"sync"
	"time"

	"github.com/haibao/haibao/catalog"
	"github.com/haibao/haibao/internal/admission"
	"github.com/haibao/haibao/internal/cache"
	"github.com/haibao/haibao/internal/jsonlimit"
	"github.com/haibao/haibao/poster"
)

//go:embed static
var static embed.FS

// Admission bounds the preview's work. `haibao serve --preview` passes the
// poster service, so preview renders take the same tickets, fetch and
// render slots and queue as /v1/posters and are refused with 429 the same
// way; `haibao preview` alone passes NewGates. Each method returns a
// release func to call with defer, or an error: admission.ErrOverloaded
// when the work is refused, or ctx's error.
type Admission interface {
	AdmitRequest(ctx context.Context) (release func(), err error) // before the body is read
	AdmitFetch(ctx context.Context) (release func(), err error)   // while remote images and codes load
	AdmitRender(ctx context.Context) (release func(), err error)  // while a poster is drawn and encoded
}

// Config sets up a Preview. Start from DefaultConfig: Validate checks
// every field and fills nothing in.
type Config struct {
	Dir       string         // the layouts folder, watched recursively
	Engine    *poster.Engine // renders the layouts
	Admission Admission      // bounds renders; see Admission
	Logger    *slog.Logger   // nil discards
	// Debounce groups the events of one save (editors write, rename and
	// chmod in quick succession).
	Debounce      time.Duration
	BodyLimit     int64            // bytes of data a render request may send
	BodyTimeout   time.Duration    // longest time to receive that body
	JSON          jsonlimit.Limits // nesting and keys of that data
	RenderTimeout time.Duration    // one render, from admission to the encoded image
	WriteTimeout  time.Duration    // sending a rendered poster, so a client that stops reading frees its connection
}

// DefaultConfig is the preview's configuration but for Dir, Engine and
// Admission, which the caller supplies.
func DefaultConfig() Config {
	return Config{
		Debounce:      100 * time.Millisecond,
		BodyLimit:     1 << 20,
		BodyTimeout:   10 * time.Second,
		JSON:          jsonlimit.Limits{MaxDepth: 32, MaxValues: 10_000},
		RenderTimeout: 20 * time.Second,
		WriteTimeout:  20 * time.Second,
	}
}

// Validate checks the configuration.
func (c Config) Validate() error {
	if c.Engine == nil {
		return errors.New("preview: Engine is required")
	}
	if c.Admission == nil {
		return errors.New("preview: Admission is required (the poster service, or NewGates)")
	}
	if c.Debounce <= 0 || c.BodyLimit <= 0 || c.BodyTimeout <= 0 || c.RenderTimeout <= 0 || c.WriteTimeout <= 0 {
		return errors.New("preview: Debounce, BodyLimit, BodyTimeout, RenderTimeout and WriteTimeout must be positive (start from DefaultConfig)")
	}
	if err := c.JSON.Validate(); err != nil {
		return fmt.Errorf("preview: %w", err)
	}
	st, err := os.Stat(c.Dir)
	if err != nil {
		return fmt.Errorf("preview: layouts folder: %w", err)
	}
	if !st.IsDir() {
		return fmt.Errorf("preview: %s is not a folder", c.Dir)
	}
	return nil
}

// Preview serves the preview page and keeps its layouts current.
type Preview struct {
	cfg Config

	// layouts are the folder's layouts, the last good version of each,
	// reloaded as files change.
	layouts  *catalog.Catalog
	stopped  chan struct{} // closed when Run ends, which ends the event streams
	stopOnce sync.Once
	watching <-chan struct{} // closed once Run watches the folder
}

// New loads the folder once.
func New(cfg Config) (*Preview, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	cat, err := catalog.New(catalog.Config{Engine: cfg.Engine, Dir: cfg.Dir, Debounce: cfg.Debounce, Logger: cfg.Logger})
	if err != nil {
		return nil, err
	}
	return &Preview{cfg: cfg, layouts: cat, stopped: make(chan struct{}), watching: cat.Watching()}, nil
}

// Run watches the folder until ctx ends. Layouts that become invalid keep
// their last good version, so the page can go on showing it beside the
// errors.
func (p *Preview) Run(ctx context.Context) error {
	defer p.stopOnce.Do(func() { close(p.stopped) })
	return p.layouts.Run(ctx)
}

// Version counts reloads.
func (p *Preview) Version() int { return p.layouts.Generation() }

// Handler serves the page and its API at paths relative to where it is
// mounted.
func (p *Preview) Handler() http.Handler {
	mux := http.NewServeMux()
	sub, _ := fs.Sub(static, "static")
	files := http.FileServerFS(sub)
	mux.Handle("GET /", files)
	mux.HandleFunc("GET /api/layouts", p.listLayouts)
	mux.HandleFunc("POST /api/render/{name}", p.render)
	mux.HandleFunc("GET /api/events", p.events)
	return mux
}

type problemJSON struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	Col     int    `json:"col"`
	Message string `json:"message"`
	Text    string `json:"text"`
}

type layoutJSON struct {
	Name   string         `json:"name"`
	Title  string         `json:"title,omitempty"`
	Width  float64        `json:"width"`
	Height float64        `json:"height"`
	Scale  float64        `json:"scale"`
	Sample map[string]any `json:"sample"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (p *Preview) listLayouts(w http.ResponseWriter, r *http.Request) {
	out := struct {
		Version  int           `json:"version"`
		Layouts  []layoutJSON  `json:"layouts"`
		Problems []problemJSON `json:"problems"`
	}{Version: p.layouts.Generation(), Layouts: []layoutJSON{}, Problems: []problemJSON{}}
	for _, l := range p.layouts.Layouts() { // sorted by name
		out.Layouts = append(out.Layouts, layoutJSON{Name: l.Name, Title: l.Title, Width: l.Width, Height: l.Height, Scale: l.Scale, Sample: l.Sample})
	}
	for _, pr := range p.layouts.Problems() {
		out.Problems = append(out.Problems, problemJSON{File: pr.File, Line: pr.Line, Col: pr.Col, Message: pr.Message, Text: pr.String()})
	}
	writeJSON(w, http.StatusOK, out)
}

// renderJSON is the answer of a render; Image, a data: URL, is streamed
// ahead of the rest (see writeRender).
type renderJSON struct {
	Image  string       `json:"image,omitempty"`
	Format string       `json:"format"`
	Width  int          `json:"width"`
	Height int          `json:"height"`
	Scale  float64      `json:"scale"`
	Boxes  []poster.Box `json:"boxes"`
	// Findings are what lint says of this render (codes that will not
	// scan, text that does not fit, characters shown as boxes), drawn by
	// the page next to their elements.
	Findings []poster.Finding `json:"findings"`
	MS       float64          `json:"ms"`
	Bytes    int              `json:"bytes"`
}

func writeError(w http.ResponseWriter, status int, msg string) {
	if status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "5")
	}
	writeJSON(w, status, map[string]string{"error": msg})
}

// render draws one layout with its sample or the posted data, admitted
// like a /v1/posters request: a ticket before the body is read, a fetch
// slot while images load, a render slot while it draws and encodes.
func (p *Preview) render(w http.ResponseWriter, r *http.Request) {
	l, _ := p.layouts.Layout(r.PathValue("name"))
	if l == nil {
		writeError(w, http.StatusNotFound, "no valid layout named "+strconv.Quote(r.PathValue("name")))
		return
	}
	q := r.URL.Query()
	f := poster.PNG
	if v := q.Get("format"); v != "" {
		var err error
		if f, err = poster.ParseFormat(v); err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
	}
	scale := 0.0
	if v := q.Get("scale"); v != "" {
		s, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsNaN(s) || math.IsInf(s, 0) || s <= 0 || s > poster.MaxScale {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("scale must be a number greater than 0 and at most %g", poster.MaxScale))
			return
		}
		if math.Round(l.Width*s) < 1 || (l.Height > 0 && math.Round(l.Height*s) < 1) {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("scale %g is too small: the poster would be less than 1 pixel", s))
			return
		}
		scale = s
	}
	done, err := p.cfg.Admission.AdmitRequest(r.Context())
	if err != nil {
		p.refused(w, r, err)
		return
	}
	defer done()
	data, status, err := p.readData(w, r)
	if err != nil {
		if status != 0 {
			writeError(w, status, err.Error())
		}
		return
	}
	if data == nil {
		data = l.Sample
	}
	ctx, cancel := context.WithTimeout(r.Context(), p.cfg.RenderTimeout)
	defer cancel()
	start := time.Now()
	b, meta, err := p.make(ctx, l, data, scale, f)
	if err != nil {
		p.refused(w, r, err)
		return
	}
	meta.MS = float64(time.Since(start).Microseconds()) / 1000
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(p.cfg.WriteTimeout))
	writeRender(w, f, b, meta)
}

// readData reads the posted data within the body limits. A nil map and no
// error mean no data was posted. A zero status means the client is gone.
func (p *Preview) readData(w http.ResponseWriter, r *http.Request) (map[string]any, int, error) {
	if r.ContentLength > p.cfg.BodyLimit {
		w.Header().Set("Connection", "close")
		return nil, http.StatusRequestEntityTooLarge, fmt.Errorf("data is over %d bytes", p.cfg.BodyLimit)
	}
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Now().Add(p.cfg.BodyTimeout)) // not on test recorders
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, p.cfg.BodyLimit))
	if err == nil {
		// A deadline left behind would cancel the request's context when
		// the server reads on after the body. After a failed read it
		// stays, so the server does not wait for the rest of the body.
		_ = rc.SetReadDeadline(time.Time{})
	}
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return nil, http.StatusRequestEntityTooLarge, fmt.Errorf("data is over %d bytes", p.cfg.BodyLimit)
	case errors.Is(err, os.ErrDeadlineExceeded):
		w.Header().Set("Connection", "close")
		return nil, http.StatusRequestTimeout, fmt.Errorf("the data did not arrive within %s", p.cfg.BodyTimeout)
	case err != nil:
		return nil, 0, err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, 0, nil
	}
	v, err := jsonlimit.Decode(body, p.cfg.JSON)
	if err != nil {
		return nil, http.StatusBadRequest, fmt.Errorf("data must be a JSON object: %w", err)
	}
	given, ok := v.(map[string]any) // fresh: the layout's sample stays as it is
	if !ok {
		return nil, http.StatusBadRequest, errors.New("data must be a JSON object")
	}
	return given, 0, nil
}

// refused answers an error of admission or rendering.
func (p *Preview) refused(w http.ResponseWriter, r *http.Request, err error) {
	var pe *cache.PanicError
	var ppe *poster.PanicError
	switch {
	case r.Context().Err() != nil:
		// The client went away: no one to answer; the status is for the
		// access log of a service the preview is mounted in.
		w.WriteHeader(499)
	case errors.Is(err, admission.ErrOverloaded):
		writeError(w, http.StatusTooManyRequests, "too many renders in progress; retry shortly")
	case errors.Is(err, context.DeadlineExceeded):
		writeError(w, http.StatusGatewayTimeout, "the poster could not be made in time")
	case errors.As(err, &ppe):
		p.cfg.Logger.Error("preview render panicked", "err", err.Error(), "stack", string(ppe.Stack))
		writeError(w, http.StatusInternalServerError, "internal error")
	case errors.As(err, &pe):
		p.cfg.Logger.Error("preview render panicked", "err", err.Error(), "stack", string(pe.Stack))
		writeError(w, http.StatusInternalServerError, "internal error")
	case errors.Is(err, poster.ErrInvalidScale):
		writeError(w, http.StatusBadRequest, err.Error())
	default:
		writeError(w, http.StatusUnprocessableEntity, err.Error())
	}
}

// make fetches outside a render slot, then draws and encodes inside one;
// every slot is released with defer. A panic comes back as a
// *cache.PanicError so it cannot take the process down.
func (p *Preview) make(ctx context.Context, l *poster.Layout, data map[string]any, scale float64, f poster.Format) (b []byte, meta renderJSON, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &cache.PanicError{Value: v, Stack: debug.Stack()}
		}
	}()
	doc, err := p.cfg.Engine.Bind(l, data, poster.RenderOptions{Scale: scale})
	if err != nil {
		return nil, meta, err
	}
	if doc.NeedsFetch() {
		if err := p.fetch(ctx, doc); err != nil {
			return nil, meta, err
		}
	}
	release, err := p.cfg.Admission.AdmitRender(ctx)
	if err != nil {
		return nil, meta, err
	}
	defer release()
	res, err := p.cfg.Engine.Draw(ctx, doc)
	if err != nil {
		return nil, meta, err
	}
	defer res.Release()
	var buf bytes.Buffer
	if err := res.Encode(&buf, poster.EncodeOptions{Format: f}); err != nil {
		return nil, meta, err
	}
	meta = renderJSON{Format: f.String(), Width: res.Image.Bounds().Dx(), Height: res.Image.Bounds().Dy(), Scale: res.Scale,
		Boxes: res.Boxes, Bytes: buf.Len(), Findings: p.cfg.Engine.Lint(doc, res, poster.LintOptions{Format: f})}
	if meta.Findings == nil {
		meta.Findings = []poster.Finding{}
	}
	return buf.Bytes(), meta, nil
}

func (p *Preview) fetch(ctx context.Context, doc *poster.Doc) error {
	release, err := p.cfg.Admission.AdmitFetch(ctx)
	if err != nil {
		return err
	}
	defer release()
	return p.cfg.Engine.Fetch(ctx, doc)
}

// writeRender writes renderJSON with the image streamed as base64 into it,
// so a poster of several megabytes is not copied three more times (base64
// string, JSON encoding, response buffer) per request.
func writeRender(w http.ResponseWriter, f poster.Format, img []byte, meta renderJSON) {
	rest, _ := json.Marshal(meta) // without image: omitempty
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	io.WriteString(w, `{"image":"data:`+f.ContentType()+`;base64,`)
	enc := base64.NewEncoder(base64.StdEncoding, w)
	enc.Write(img)
	enc.Close()
	io.WriteString(w, `",`)
	w.Write(rest[1:])
}

// events streams a "change" event with the new version after each reload.
func (p *Preview) events(w http.ResponseWriter, r *http.Request) {
	fl, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	ch, unsubscribe := p.layouts.Subscribe()
	defer unsubscribe()
	v := p.layouts.Generation()
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	fmt.Fprintf(w, "event: hello\ndata: %d\n\n", v)
	fl.Flush()
	tick := time.NewTicker(15 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-p.stopped:
			return
		case v := <-ch:
			fmt.Fprintf(w, "event: change\ndata: %d\n\n", v)
			fl.Flush()
		case <-tick.C:
			fmt.Fprint(w, ": keep-alive\n\n")
			fl.Flush()
		}
	}
}
