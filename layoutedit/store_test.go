package layoutedit

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestStoreWrite(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "a.yaml")
	if err := os.WriteFile(p, []byte("name: a\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	s, err := NewStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	b, d, err := s.Read("a")
	if err != nil || string(b) != "name: a\n" || d != Digest(b) {
		t.Fatalf("Read = %q, %s, %v", b, d, err)
	}
	d2, err := s.Write("a", d, []byte("name: b\n"), nil)
	if err != nil || d2 != Digest([]byte("name: b\n")) {
		t.Fatalf("Write = %s, %v", d2, err)
	}
	if st, _ := os.Stat(p); st.Mode().Perm() != 0o640 {
		t.Errorf("mode = %v, want the file's own 0640", st.Mode().Perm())
	}

	// The page still holds d, but the file moved on: a conflict, no write.
	_, err = s.Write("a", d, []byte("name: c\n"), nil)
	var ce *ConflictError
	if !errors.As(err, &ce) || string(ce.Current) != "name: b\n" || ce.Digest != d2 {
		t.Fatalf("stale write: err = %v", err)
	}
	if b, _ := os.ReadFile(p); string(b) != "name: b\n" {
		t.Fatalf("file = %q after a refused write", b)
	}

	// A check that fails keeps the file too.
	boom := errors.New("invalid layout")
	if _, err := s.Write("a", d2, []byte("x"), func([]byte) error { return boom }); !errors.Is(err, boom) {
		t.Fatalf("check error = %v", err)
	}
	if b, _ := os.ReadFile(p); string(b) != "name: b\n" {
		t.Fatalf("file = %q after a failed check", b)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Fatalf("folder holds %d entries, want only a.yaml (no temporary files)", len(ents))
	}
}

func TestStoreStaysInside(t *testing.T) {
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "secret.yaml"), []byte("x: 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.Symlink(filepath.Join(outside, "secret.yaml"), filepath.Join(dir, "link.yaml")); err != nil {
		t.Fatal(err)
	}
	s, err := NewStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, want string }{
		{"../secret", `"../secret" is not a layout name`},
		{"a/b", `"a/b" is not a layout name`},
		{"", `"" is not a layout name`},
		{"link", `layout "link" lives outside the layouts folder`},
	} {
		_, _, err := s.Read(tc.name)
		var e *Error
		if !errors.As(err, &e) || e.Msg != tc.want {
			t.Errorf("Read(%q) = %v, want %q", tc.name, err, tc.want)
		}
	}
	if _, _, err := s.Read("missing"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Read(missing) = %v, want ErrNotFound", err)
	}
}
