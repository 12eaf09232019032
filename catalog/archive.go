package catalog

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/haibao/haibao/internal/atomicfile"
	"github.com/haibao/haibao/internal/cache"
	"github.com/haibao/haibao/poster"
)

// archive keeps copies of layout versions on disk, one folder each
// (<dir>/<name>/<version>/ with the layout file and the files it
// references at their relative paths), bounded in bytes: the least
// recently used versions go first.
type archive struct {
	dir    string
	limit  int64
	engine *poster.Engine
	loaded *cache.Cache[string, *poster.Layout]

	mu      sync.Mutex
	entries map[string]*archived // by "<name>/<version>"
	size    int64
}

type archived struct {
	rel   string // <name>/<version>
	bytes int64
	used  time.Time
}

// pinnedCacheBytes bounds the archived versions kept parsed in memory.
const pinnedCacheBytes = 64 << 20

func openArchive(dir string, limit int64, e *poster.Engine) (*archive, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("catalog: archive: %w", err)
	}
	a := &archive{dir: dir, limit: limit, engine: e, entries: map[string]*archived{},
		loaded: cache.New[string, *poster.Layout](pinnedCacheBytes, layoutCost, cache.Options{})}
	names, _ := os.ReadDir(dir)
	for _, n := range names {
		if !n.IsDir() {
			continue
		}
		if strings.HasPrefix(n.Name(), ".tmp-") {
			// Left by a process killed while copying a version.
			_ = os.RemoveAll(filepath.Join(dir, n.Name()))
			continue
		}
		versions, _ := os.ReadDir(filepath.Join(dir, n.Name()))
		for _, v := range versions {
			if !v.IsDir() {
				continue
			}
			rel := n.Name() + "/" + v.Name()
			info, err := v.Info()
			if err != nil {
				continue
			}
			a.entries[rel] = &archived{rel: rel, bytes: dirBytes(filepath.Join(dir, rel)), used: info.ModTime()}
			a.size += a.entries[rel].bytes
		}
	}
	a.mu.Lock()
	a.evictLocked("")
	a.mu.Unlock()
	return a, nil
}

// layoutCost guesses the memory a parsed layout holds: mostly its decoded
// images, which its file sizes understate; four times is generous.
func layoutCost(l *poster.Layout) int64 { return 4*int64(len(l.Files())+1)<<20 + 1 }

func dirBytes(dir string) int64 {
	var n int64
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}

func validVersion(v string) bool {
	if len(v) == 0 || len(v) > 64 {
		return false
	}
	for _, r := range v {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f') {
			return false
		}
	}
	return true
}

func validName(n string) bool {
	return n != "" && !strings.ContainsAny(n, `/\`) && n != "." && n != ".."
}

// store copies l's files from fsys into the archive, unless that version
// is there already.
func (a *archive) store(fsys fs.FS, l *poster.Layout) error {
	if !validName(l.Name) || !validVersion(l.Version()) {
		return fmt.Errorf("catalog: cannot archive %q version %q", l.Name, l.Version())
	}
	rel := l.Name + "/" + l.Version()
	a.mu.Lock()
	if e, ok := a.entries[rel]; ok {
		e.used = time.Now()
		a.mu.Unlock()
		return nil
	}
	a.mu.Unlock()
	tmp, err := os.MkdirTemp(a.dir, ".tmp-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	var total int64
	for _, f := range append([]string{l.File}, l.Files()...) {
		if !cleanRel(f) {
			return fmt.Errorf("catalog: %q is not a path inside the layouts folder", f)
		}
		b, err := fs.ReadFile(fsys, f)
		if err != nil {
			return err
		}
		total += int64(len(b))
		dst := filepath.Join(tmp, filepath.FromSlash(f))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		if err := atomicfile.Write(dst, 0o644, func(w io.Writer) error { _, err := w.Write(b); return err }); err != nil {
			return err
		}
	}
	final := filepath.Join(a.dir, l.Name, l.Version())
	if err := os.MkdirAll(filepath.Dir(final), 0o755); err != nil {
		return err
	}
	if err := os.Rename(tmp, final); err != nil {
		if _, statErr := os.Stat(final); statErr == nil {
			return nil // another process archived it meanwhile
		}
		return err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.entries[rel] = &archived{rel: rel, bytes: total, used: time.Now()}
	a.size += total
	a.evictLocked(rel)
	return nil
}

// evictLocked removes the least recently used versions beyond the limit,
// never keep.
func (a *archive) evictLocked(keep string) {
	if a.size <= a.limit {
		return
	}
	all := make([]*archived, 0, len(a.entries))
	for _, e := range a.entries {
		all = append(all, e)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].used.Before(all[j].used) })
	for _, e := range all {
		if a.size <= a.limit {
			return
		}
		if e.rel == keep {
			continue
		}
		if err := os.RemoveAll(filepath.Join(a.dir, filepath.FromSlash(e.rel))); err == nil {
			delete(a.entries, e.rel)
			a.size -= e.bytes
			a.loaded.Remove(e.rel)
		}
	}
}

// load parses an archived version.
func (a *archive) load(name, version string) (*poster.Layout, error) {
	if !validName(name) || !validVersion(version) {
		return nil, fmt.Errorf("%w: %q %q", ErrVersionGone, name, version)
	}
	rel := name + "/" + version
	if l, ok := a.loaded.Get(rel); ok {
		a.touch(rel)
		return l, nil
	}
	a.mu.Lock()
	_, ok := a.entries[rel]
	a.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("%w: %s %s", ErrVersionGone, name, version)
	}
	dir := filepath.Join(a.dir, name, version)
	var file string
	for _, ext := range []string{".yaml", ".yml"} {
		if _, err := os.Stat(filepath.Join(dir, name+ext)); err == nil {
			file = name + ext
		}
	}
	if file == "" {
		return nil, fmt.Errorf("%w: %s %s", ErrVersionGone, name, version)
	}
	l, err := a.engine.LoadLayout(os.DirFS(dir), path.Clean(file))
	if err != nil {
		return nil, fmt.Errorf("catalog: archived %s %s: %w", name, version, err)
	}
	if l.Version() != version {
		// The copy changed on disk or the engine reads it differently now.
		return nil, fmt.Errorf("%w: %s %s (the archived copy no longer matches)", ErrVersionGone, name, version)
	}
	a.loaded.Add(rel, l)
	a.touch(rel)
	return l, nil
}

func (a *archive) touch(rel string) {
	now := time.Now()
	a.mu.Lock()
	if e, ok := a.entries[rel]; ok {
		e.used = now
	}
	a.mu.Unlock()
	_ = os.Chtimes(filepath.Join(a.dir, filepath.FromSlash(rel)), now, now)
}
