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
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/haibao/haibao/poster"
)

//go:embed static
var static embed.FS

// Config sets up a Preview.
type Config struct {
	Dir    string         // the layouts folder, watched recursively
	Engine *poster.Engine // renders the layouts
	Logger *slog.Logger
	// Debounce groups the events of one save (editors write, rename and
	// chmod in quick succession); default 100 ms.
	Debounce time.Duration
}

// Validate checks the configuration.
func (c *Config) Validate() error {
	if c.Engine == nil {
		return errors.New("preview: Engine is required")
	}
	st, err := os.Stat(c.Dir)
	if err != nil {
		return fmt.Errorf("preview: layouts folder: %w", err)
	}
	if !st.IsDir() {
		return fmt.Errorf("preview: %s is not a folder", c.Dir)
	}
	if c.Debounce == 0 {
		c.Debounce = 100 * time.Millisecond
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return nil
}

// Preview serves the preview page and keeps its layouts current.
type Preview struct {
	cfg Config

	mu       sync.Mutex
	layouts  map[string]*poster.Layout // last good version of each layout
	problems []poster.Problem
	version  int
	subs     map[chan int]struct{}
	stopped  chan struct{} // closed when Run ends, which ends the event streams
	stopOnce sync.Once
}

// New loads the folder once.
func New(cfg Config) (*Preview, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	p := &Preview{cfg: cfg, layouts: map[string]*poster.Layout{}, subs: map[chan int]struct{}{}, stopped: make(chan struct{})}
	p.reload()
	return p, nil
}

// reload parses the folder again. Layouts that became invalid keep their
// last good version, so the page can go on showing it beside the errors.
func (p *Preview) reload() {
	ls, err := p.cfg.Engine.LoadDir(os.DirFS(p.cfg.Dir))
	var problems []poster.Problem
	var ve *poster.ValidationError
	if errors.As(err, &ve) {
		problems = ve.Problems
	} else if err != nil {
		problems = []poster.Problem{{File: p.cfg.Dir, Message: err.Error()}}
	}
	present := map[string]bool{}
	if ents, err := os.ReadDir(p.cfg.Dir); err == nil {
		for _, e := range ents {
			n := e.Name()
			if ext := filepath.Ext(n); !e.IsDir() && (ext == ".yaml" || ext == ".yml") {
				present[n[:len(n)-len(ext)]] = true
			}
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for name := range p.layouts {
		if !present[name] {
			delete(p.layouts, name)
		}
	}
	for _, l := range ls {
		p.layouts[l.Name] = l
	}
	p.problems = problems
	p.version++
	for ch := range p.subs {
		select {
		case ch <- p.version:
		default:
		}
	}
}

// Run watches the folder until ctx ends.
func (p *Preview) Run(ctx context.Context) error {
	defer p.stopOnce.Do(func() { close(p.stopped) })
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("preview: watch: %w", err)
	}
	defer w.Close()
	addTree := func(root string) {
		_ = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err == nil && d.IsDir() {
				if err := w.Add(path); err != nil {
					p.cfg.Logger.Warn("cannot watch folder", "dir", path, "err", err)
				}
			}
			return nil
		})
	}
	addTree(p.cfg.Dir)
	var timer *time.Timer
	fire := make(chan struct{}, 1)
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-w.Events:
			if !ok {
				return nil
			}
			// A new folder (or one put back by a rename) needs its own watch.
			if ev.Has(fsnotify.Create) {
				if st, err := os.Stat(ev.Name); err == nil && st.IsDir() {
					addTree(ev.Name)
				}
			}
			if timer == nil {
				timer = time.AfterFunc(p.cfg.Debounce, func() {
					select {
					case fire <- struct{}{}:
					default:
					}
				})
			} else {
				timer.Reset(p.cfg.Debounce)
			}
		case err, ok := <-w.Errors:
			if !ok {
				return nil
			}
			p.cfg.Logger.Warn("watch error", "err", err)
		case <-fire:
			p.reload()
			p.cfg.Logger.Info("layouts reloaded", "version", p.Version())
		}
	}
}

// Version counts reloads.
func (p *Preview) Version() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.version
}

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
	p.mu.Lock()
	out := struct {
		Version  int           `json:"version"`
		Layouts  []layoutJSON  `json:"layouts"`
		Problems []problemJSON `json:"problems"`
	}{Version: p.version, Layouts: []layoutJSON{}, Problems: []problemJSON{}}
	for _, l := range p.layouts {
		out.Layouts = append(out.Layouts, layoutJSON{Name: l.Name, Title: l.Title, Width: l.Width, Height: l.Height, Scale: l.Scale, Sample: l.Sample})
	}
	for _, pr := range p.problems {
		out.Problems = append(out.Problems, problemJSON{File: pr.File, Line: pr.Line, Col: pr.Col, Message: pr.Message, Text: pr.String()})
	}
	p.mu.Unlock()
	sort.Slice(out.Layouts, func(i, j int) bool { return out.Layouts[i].Name < out.Layouts[j].Name })
	writeJSON(w, http.StatusOK, out)
}

type renderJSON struct {
	Image  string       `json:"image"` // data: URL
	Format string       `json:"format"`
	Width  int          `json:"width"`
	Height int          `json:"height"`
	Scale  float64      `json:"scale"`
	Boxes  []poster.Box `json:"boxes"`
	MS     float64      `json:"ms"`
	Bytes  int          `json:"bytes"`
}

func (p *Preview) render(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	l := p.layouts[r.PathValue("name")]
	p.mu.Unlock()
	if l == nil {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no valid layout named " + strconv.Quote(r.PathValue("name"))})
		return
	}
	q := r.URL.Query()
	f := poster.PNG
	if v := q.Get("format"); v != "" {
		var err error
		if f, err = poster.ParseFormat(v); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
			return
		}
	}
	scale := 0.0
	if v := q.Get("scale"); v != "" {
		s, err := strconv.ParseFloat(v, 64)
		if err != nil || s <= 0 || s > 4 {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "scale must be a number from 0 to 4"})
			return
		}
		scale = s
	}
	data := l.Sample
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err == nil && len(bytes.TrimSpace(body)) > 0 {
		var given map[string]any // fresh: the layout's sample must stay as it is
		if err := json.Unmarshal(body, &given); err != nil || given == nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "data must be a JSON object"})
			return
		}
		data = given
	}
	ctx, cancel := context.WithTimeout(r.Context(), 20*time.Second)
	defer cancel()
	start := time.Now()
	res, err := p.cfg.Engine.Render(ctx, l, data, poster.RenderOptions{Scale: scale})
	if err != nil {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]string{"error": err.Error()})
		return
	}
	defer res.Release()
	var buf bytes.Buffer
	if err := res.Encode(&buf, poster.EncodeOptions{Format: f}); err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, renderJSON{
		Image:  "data:" + f.ContentType() + ";base64," + base64.StdEncoding.EncodeToString(buf.Bytes()),
		Format: f.String(), Width: res.Image.Bounds().Dx(), Height: res.Image.Bounds().Dy(), Scale: res.Scale,
		Boxes: res.Boxes, MS: float64(time.Since(start).Microseconds()) / 1000, Bytes: buf.Len(),
	})
}

// events streams a "change" event with the new version after each reload.
func (p *Preview) events(w http.ResponseWriter, r *http.Request) {
	fl, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	ch := make(chan int, 1)
	p.mu.Lock()
	p.subs[ch] = struct{}{}
	v := p.version
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		delete(p.subs, ch)
		p.mu.Unlock()
	}()
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
