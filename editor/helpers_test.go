package editor

import (
	"io/fs"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/haibao/haibao/layouts"
	"github.com/haibao/haibao/poster"
)

// snapLayout has two rectangles placed for the snapping test: b's right
// edge and centre are far from every other edge and centre.
const snapLayout = `# two boxes
canvas: {width: 400, height: 400, background: "#ffffff"}
elements:
  - id: a
    type: rect
    x: 40
    y: 40
    width: 100
    height: 100
    fill: "#4a90d9"

  - id: b
    type: rect
    x: 250
    y: 250
    width: 50
    height: 60
    fill: "#e94e77"
`

func copyLayouts(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	ents, _ := fs.ReadDir(layouts.FS, ".")
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".yaml") {
			b, _ := fs.ReadFile(layouts.FS, e.Name())
			if err := os.WriteFile(filepath.Join(dir, e.Name()), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "snap.yaml"), []byte(snapLayout), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func newServer(t testing.TB, dir string) *httptest.Server {
	t.Helper()
	e, err := poster.NewEngine(poster.Config{})
	if err != nil {
		t.Fatal(err)
	}
	ed, err := New(Config{Dir: dir, Engine: e})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(ed.Handler())
	t.Cleanup(srv.Close)
	return srv
}

// lineDiff lists the lines that differ between a and b once the common
// head and tail are taken off: "-old" lines, then "+new" lines.
func lineDiff(a, b []byte) []string {
	al, bl := strings.SplitAfter(string(a), "\n"), strings.SplitAfter(string(b), "\n")
	i := 0
	for i < len(al) && i < len(bl) && al[i] == bl[i] {
		i++
	}
	j := 0
	for j < len(al)-i && j < len(bl)-i && al[len(al)-1-j] == bl[len(bl)-1-j] {
		j++
	}
	var out []string
	for _, l := range al[i : len(al)-j] {
		out = append(out, "-"+strings.TrimSuffix(l, "\n"))
	}
	for _, l := range bl[i : len(bl)-j] {
		out = append(out, "+"+strings.TrimSuffix(l, "\n"))
	}
	return out
}
