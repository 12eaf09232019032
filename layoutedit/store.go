package layoutedit

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"

	"github.com/haibao/haibao/internal/atomicfile"
)

// MaxFileBytes bounds a layout file the editor reads or writes.
const MaxFileBytes = 1 << 20

// Digest names the content of a layout file; a write must name the digest
// of the bytes it was based on.
func Digest(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// ConflictError reports a write based on bytes that are no longer on
// disk: someone else (a text editor, another page) saved in between.
type ConflictError struct {
	Current []byte // the file as it is now
	Digest  string
}

func (e *ConflictError) Error() string {
	return "the layout changed on disk since it was loaded; reload it"
}

// ErrNotFound is a layout name with no file.
var ErrNotFound = errors.New("no such layout")

var nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$`)

// Store reads and writes the layout files of one folder, and nothing
// outside it.
type Store struct {
	dir string
	mu  sync.Mutex // one read-compare-write at a time
}

// NewStore opens the layouts folder dir.
func NewStore(dir string) (*Store, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if abs, err = filepath.EvalSymlinks(abs); err != nil {
		return nil, fmt.Errorf("layoutedit: layouts folder: %w", err)
	}
	st, err := os.Stat(abs)
	if err != nil {
		return nil, fmt.Errorf("layoutedit: layouts folder: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("layoutedit: %s is not a folder", dir)
	}
	return &Store{dir: abs}, nil
}

// Dir is the folder, absolute.
func (s *Store) Dir() string { return s.dir }

// File returns the file name of layout name (name.yaml or name.yml) inside
// the folder. Names with separators or dots that could leave the folder
// are refused, and so is a file whose real path is elsewhere.
func (s *Store) File(name string) (string, error) {
	if !nameRE.MatchString(name) || strings.Contains(name, "..") {
		return "", &Error{Msg: fmt.Sprintf("%q is not a layout name", name)}
	}
	for _, ext := range []string{".yaml", ".yml"} {
		p := filepath.Join(s.dir, name+ext)
		real, err := filepath.EvalSymlinks(p)
		if err != nil {
			continue
		}
		if filepath.Dir(real) != s.dir {
			return "", &Error{Msg: fmt.Sprintf("layout %q lives outside the layouts folder", name)}
		}
		return name + ext, nil
	}
	return "", ErrNotFound
}

// Read returns the file of layout name and its digest.
func (s *Store) Read(name string) ([]byte, string, error) {
	file, err := s.File(name)
	if err != nil {
		return nil, "", err
	}
	b, err := readBounded(filepath.Join(s.dir, file))
	if err != nil {
		return nil, "", err
	}
	return b, Digest(b), nil
}

func readBounded(p string) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, MaxFileBytes+1))
	if err != nil {
		return nil, err
	}
	if len(b) > MaxFileBytes {
		return nil, &Error{Msg: fmt.Sprintf("the layout file is over %d bytes", MaxFileBytes)}
	}
	return b, nil
}

// Write replaces layout name with b, atomically, if the file on disk
// still has digest base; otherwise it returns a *ConflictError and leaves
// the file alone. check, when not nil, vets b first (the engine parses it).
func (s *Store) Write(name, base string, b []byte, check func([]byte) error) (string, error) {
	if len(b) > MaxFileBytes {
		return "", &Error{Msg: fmt.Sprintf("the layout file would be over %d bytes", MaxFileBytes)}
	}
	file, err := s.File(name)
	if err != nil {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p := filepath.Join(s.dir, file)
	cur, err := readBounded(p)
	if err != nil {
		return "", err
	}
	if d := Digest(cur); d != base {
		return "", &ConflictError{Current: cur, Digest: d}
	}
	if check != nil {
		if err := check(b); err != nil {
			return "", err
		}
	}
	perm := os.FileMode(0o644)
	if st, err := os.Stat(p); err == nil {
		perm = st.Mode().Perm()
	}
	if err := atomicfile.Write(p, perm, func(w io.Writer) error { _, err := w.Write(b); return err }); err != nil {
		return "", err
	}
	return Digest(b), nil
}
