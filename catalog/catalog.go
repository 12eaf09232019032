// Package catalog owns the layouts a process renders: it loads a layouts
// folder, keeps the last good version of each layout when its file turns
// invalid, watches the folder and swaps changed layouts in atomically, and
// keeps older versions on disk so a request pinned to one (a signed URL
// made months ago) renders the design it was made with. The service and
// the preview both read their layouts from a Catalog.
package catalog

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/haibao/haibao/poster"
)

// Config sets up a Catalog.
type Config struct {
	Engine *poster.Engine
	// Dir is a layouts folder on disk, watched by Run. FS is used instead
	// when Dir is empty (the embedded samples): it is loaded once.
	Dir string
	FS  fs.FS
	// ArchiveDir keeps every version loaded, for pinned requests; empty
	// keeps none, and a pinned request for an old version fails.
	ArchiveDir string
	// ArchiveBytes bounds the archive on disk.
	ArchiveBytes int64
	// Debounce groups the file events of one save.
	Debounce time.Duration
	Logger   *slog.Logger
}

// Defaults for the zero fields of Config.
const (
	DefaultArchiveBytes = 256 << 20
	DefaultDebounce     = 100 * time.Millisecond
)

// Validate checks the configuration; it fills nothing in.
func (c Config) Validate() error {
	if c.Engine == nil {
		return errors.New("catalog: Engine is required")
	}
	if c.Dir == "" && c.FS == nil {
		return errors.New("catalog: Dir or FS is required")
	}
	if c.Dir != "" {
		st, err := os.Stat(c.Dir)
		if err != nil {
			return fmt.Errorf("catalog: layouts folder: %w", err)
		}
		if !st.IsDir() {
			return fmt.Errorf("catalog: %s is not a folder", c.Dir)
		}
	}
	if c.ArchiveBytes < 0 || c.Debounce < 0 {
		return errors.New("catalog: ArchiveBytes and Debounce must not be negative")
	}
	return nil
}

// ErrUnknownLayout is returned for a name the catalog does not hold, and
// ErrVersionGone for a pinned version it no longer has.
var (
	ErrUnknownLayout = errors.New("no such layout")
	ErrVersionGone   = errors.New("layout version no longer kept")
)

// state is one generation of the catalog, replaced whole on reload.
type state struct {
	layouts  map[string]*poster.Layout // last good version of each layout
	problems []poster.Problem
	gen      int
}

// Catalog holds the current layouts. It is safe for concurrent use.
type Catalog struct {
	cfg     Config
	fsys    fs.FS
	cur     atomic.Pointer[state]
	archive *archive // nil without ArchiveDir

	reloadMu sync.Mutex
	subsMu   sync.Mutex
	subs     map[chan int]struct{}
	watching chan struct{} // closed once Run watches the folder
	watchOne sync.Once
}

// New loads the layouts once. Files with problems are reported by
// Problems; the valid ones serve.
func New(cfg Config) (*Catalog, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.ArchiveBytes == 0 {
		cfg.ArchiveBytes = DefaultArchiveBytes
	}
	if cfg.Debounce == 0 {
		cfg.Debounce = DefaultDebounce
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	c := &Catalog{cfg: cfg, fsys: cfg.FS, subs: map[chan int]struct{}{}, watching: make(chan struct{})}
	if cfg.Dir != "" {
		c.fsys = os.DirFS(cfg.Dir)
	}
	if cfg.ArchiveDir != "" {
		a, err := openArchive(cfg.ArchiveDir, cfg.ArchiveBytes, cfg.Engine)
		if err != nil {
			return nil, err
		}
		c.archive = a
	}
	c.cur.Store(&state{layouts: map[string]*poster.Layout{}})
	c.Reload()
	return c, nil
}

// Layout returns the current version of the layout called name.
func (c *Catalog) Layout(name string) (*poster.Layout, bool) {
	l, ok := c.cur.Load().layouts[name]
	return l, ok
}

// Layouts lists the current layouts by name.
func (c *Catalog) Layouts() []*poster.Layout {
	st := c.cur.Load()
	out := make([]*poster.Layout, 0, len(st.layouts))
	for _, l := range st.layouts {
		out = append(out, l)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Problems lists what is wrong with the files as they are now; a layout
// with problems keeps serving its last good version.
func (c *Catalog) Problems() []poster.Problem { return c.cur.Load().problems }

// Generation counts reloads.
func (c *Catalog) Generation() int { return c.cur.Load().gen }

// Version returns the layout called name at version: the current one when
// it matches, else the archived copy.
func (c *Catalog) Version(name, version string) (*poster.Layout, error) {
	l, ok := c.Layout(name)
	if ok && l.Version() == version {
		return l, nil
	}
	if c.archive == nil {
		if !ok {
			return nil, fmt.Errorf("%w: %q", ErrUnknownLayout, name)
		}
		return nil, fmt.Errorf("%w: %s %s", ErrVersionGone, name, version)
	}
	return c.archive.load(name, version)
}

// Subscribe reports each new generation on the returned channel until
// cancel is called. A slow reader misses intermediate generations, never
// the latest.
func (c *Catalog) Subscribe() (<-chan int, func()) {
	ch := make(chan int, 1)
	c.subsMu.Lock()
	c.subs[ch] = struct{}{}
	c.subsMu.Unlock()
	return ch, func() {
		c.subsMu.Lock()
		delete(c.subs, ch)
		c.subsMu.Unlock()
	}
}

// Reload parses the folder again and swaps the new generation in.
func (c *Catalog) Reload() {
	c.reloadMu.Lock()
	defer c.reloadMu.Unlock()
	ls, err := c.cfg.Engine.LoadDir(c.fsys)
	var problems []poster.Problem
	var ve *poster.ValidationError
	if errors.As(err, &ve) {
		problems = ve.Problems
	} else if err != nil {
		problems = []poster.Problem{{File: ".", Line: 1, Col: 1, Message: err.Error()}}
	}
	old := c.cur.Load()
	next := &state{layouts: map[string]*poster.Layout{}, problems: problems, gen: old.gen + 1}
	// A file that is still there but no longer valid keeps its last good
	// version; one that is gone is dropped.
	for name, l := range old.layouts {
		if _, err := fs.Stat(c.fsys, l.File); err == nil {
			next.layouts[name] = l
		}
	}
	for _, l := range ls {
		if prev, ok := old.layouts[l.Name]; ok && prev.Version() == l.Version() {
			continue // unchanged: keep the loaded one and its caches
		}
		next.layouts[l.Name] = l
		if c.archive != nil {
			if err := c.archive.store(c.fsys, l); err != nil {
				c.cfg.Logger.Warn("cannot archive layout version", "layout", l.Name, "version", l.Version(), "err", err)
			}
		}
	}
	c.cur.Store(next)
	if next.gen > 1 {
		for _, p := range problems {
			c.cfg.Logger.Warn("layout problem; its last good version keeps serving", "problem", p.String())
		}
	}
	c.subsMu.Lock()
	for ch := range c.subs {
		select {
		case ch <- next.gen:
		default:
			select { // replace a stale generation with the newest
			case <-ch:
			default:
			}
			ch <- next.gen
		}
	}
	c.subsMu.Unlock()
}

// problemFiles is for logs: the files that have problems.
func problemFiles(ps []poster.Problem) string {
	seen := map[string]bool{}
	var out []string
	for _, p := range ps {
		if !seen[p.File] {
			seen[p.File] = true
			out = append(out, p.File)
		}
	}
	return strings.Join(out, ", ")
}

// Watching is closed once Run watches the folder: changes made after it
// are seen.
func (c *Catalog) Watching() <-chan struct{} { return c.watching }

// Run watches the folder and reloads on changes until ctx ends. Without a
// folder (embedded layouts) it just waits.
func (c *Catalog) Run(ctx context.Context) error {
	started := func() { c.watchOne.Do(func() { close(c.watching) }) }
	if c.cfg.Dir == "" {
		started()
		<-ctx.Done()
		return nil
	}
	return watch(ctx, c.cfg.Dir, c.cfg.Debounce, c.cfg.Logger, started, func() {
		c.Reload()
		c.cfg.Logger.Info("layouts reloaded", "generation", c.Generation(), "layouts", len(c.cur.Load().layouts), "problems", problemFiles(c.Problems()))
	})
}

// cleanRel reports whether p is a plain relative path inside a folder.
func cleanRel(p string) bool { return fs.ValidPath(p) && p == path.Clean(p) && p != "." }
