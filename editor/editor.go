// Package editor is the designers' visual layout editor served by
// `haibao preview --edit`: a page that draws a layout with the production
// engine, lets the designer select, move, resize, add, remove and restyle
// elements, and saves each change into the layout file as a minimal YAML
// edit (package layoutedit). It writes only inside its layouts folder and,
// unless told otherwise, answers only loopback clients.
package editor

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"strings"

	"github.com/haibao/haibao/layoutedit"
	"github.com/haibao/haibao/layouts"
	"github.com/haibao/haibao/poster"
)

//go:embed static
var static embed.FS

// MaxBodyBytes bounds a request body: a whole layout file (an undo puts
// one back) plus its JSON quoting.
const MaxBodyBytes = 3 * layoutedit.MaxFileBytes

// MaxOps bounds the operations of one edit: each one parses the file again.
const MaxOps = 64

// Config sets up an Editor.
type Config struct {
	Dir    string         // the layouts folder; the only place written to
	Engine *poster.Engine // draws the layouts, as the service does
	Logger *slog.Logger
	// AllowRemote lets clients other than loopback ones edit. Off, the
	// handler refuses other peers and Host headers that are not loopback
	// names (a page of another site resolving its name to 127.0.0.1).
	AllowRemote bool
}

// Validate checks the configuration.
func (c *Config) Validate() error {
	if c.Engine == nil {
		return errors.New("editor: Engine is required")
	}
	if c.Dir == "" {
		return errors.New("editor: Dir is required")
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return nil
}

// Editor serves the editing page and its API.
type Editor struct {
	cfg    Config
	store  *layoutedit.Store
	schema []byte
}

// New opens the layouts folder.
func New(cfg Config) (*Editor, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	store, err := layoutedit.NewStore(cfg.Dir)
	if err != nil {
		return nil, err
	}
	schema, err := fs.ReadFile(layouts.FS, "layout.schema.json")
	if err != nil {
		return nil, fmt.Errorf("editor: layout schema: %w", err)
	}
	return &Editor{cfg: cfg, store: store, schema: schema}, nil
}

// Handler serves the page at / and the API under /api/. Mount it under a
// prefix with http.StripPrefix.
func (e *Editor) Handler() http.Handler {
	mux := http.NewServeMux()
	sub, _ := fs.Sub(static, "static")
	mux.Handle("GET /", http.FileServerFS(sub))
	mux.HandleFunc("GET /api/meta", e.meta)
	mux.HandleFunc("GET /api/layouts", e.list)
	mux.HandleFunc("GET /api/layouts/{name}", e.get)
	mux.HandleFunc("POST /api/layouts/{name}/render", e.render)
	mux.HandleFunc("POST /api/layouts/{name}/edit", e.edit)
	mux.HandleFunc("PUT /api/layouts/{name}/source", e.putSource)
	return e.guard(mux)
}

// guard keeps other machines and other sites out. Writes must carry the
// X-Haibao-Edit header, which a cross-site form or fetch cannot send
// without a CORS preflight this handler never grants.
func (e *Editor) guard(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !e.cfg.AllowRemote && (!loopbackAddr(r.RemoteAddr) || !loopbackHost(r.Host)) {
			http.Error(w, "editing is for this machine only (start with --allow-remote-edit to share it)", http.StatusForbidden)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead && r.Header.Get("X-Haibao-Edit") != "1" {
			http.Error(w, "missing X-Haibao-Edit header", http.StatusForbidden)
			return
		}
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("X-Frame-Options", "DENY")
		h.ServeHTTP(w, r)
	})
}

func loopbackAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func loopbackHost(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
