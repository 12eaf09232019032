package catalog

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/haibao/haibao/poster"
)

func engine(t *testing.T) *poster.Engine {
	t.Helper()
	e, err := poster.NewEngine(poster.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func write(t *testing.T, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func writePNG(t *testing.T, path string, c color.Gray) {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, 8, 8))
	for i := range img.Pix {
		img.Pix[i] = c.Y
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

const layoutA = "canvas: {width: 100, height: 100, background: '#fff'}\nelements:\n  - {id: logo, type: image, src: logo.png, width: 50, height: 50}\n  - {id: t, type: text, text: \"{{name | A}}\"}\n"

func TestReloadKeepsLastGoodAndArchivesVersions(t *testing.T) {
	dir, archive := t.TempDir(), t.TempDir()
	write(t, filepath.Join(dir, "a.yaml"), layoutA)
	writePNG(t, filepath.Join(dir, "logo.png"), color.Gray{0})
	write(t, filepath.Join(dir, "b.yaml"), layoutA)
	c, err := New(Config{Engine: engine(t), Dir: dir, ArchiveDir: archive})
	if err != nil {
		t.Fatal(err)
	}
	a1, ok := c.Layout("a")
	if !ok || len(c.Layouts()) != 2 || len(c.Problems()) != 0 {
		t.Fatalf("first load: %v %d %v", ok, len(c.Layouts()), c.Problems())
	}
	v1 := a1.Version()

	// A referenced image changes: a new version, the old one pinned.
	writePNG(t, filepath.Join(dir, "logo.png"), color.Gray{200})
	c.Reload()
	a2, _ := c.Layout("a")
	if a2.Version() == v1 {
		t.Fatal("a changed image left the version as it was")
	}
	old, err := c.Version("a", v1)
	if err != nil {
		t.Fatalf("pinned version: %v", err)
	}
	if old.Version() != v1 {
		t.Fatalf("pinned version %s, want %s", old.Version(), v1)
	}
	e := engine(t)
	pix := func(l *poster.Layout) uint8 {
		res, err := e.Render(context.Background(), l, nil, poster.RenderOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer res.Release()
		return res.Image.RGBAAt(10, 10).R
	}
	if pix(old) != 0 || pix(a2) != 200 {
		t.Errorf("pinned version draws %d, current %d; want 0 and 200", pix(old), pix(a2))
	}

	// An invalid file keeps its last good version and is reported.
	write(t, filepath.Join(dir, "a.yaml"), "canvas: {width: nope}\nelements: []\n")
	c.Reload()
	if l, ok := c.Layout("a"); !ok || l.Version() != a2.Version() {
		t.Error("invalid file dropped its last good version")
	}
	if len(c.Problems()) == 0 || c.Problems()[0].File != "a.yaml" {
		t.Errorf("problems %v", c.Problems())
	}
	// A removed file is dropped.
	os.Remove(filepath.Join(dir, "b.yaml"))
	c.Reload()
	if _, ok := c.Layout("b"); ok {
		t.Error("removed layout still served")
	}
	if _, err := c.Version("b", "00"); !errors.Is(err, ErrVersionGone) {
		t.Errorf("unknown version: %v", err)
	}
	if _, err := c.Version("../a", v1); !errors.Is(err, ErrVersionGone) {
		t.Errorf("path in name: %v", err)
	}
}

func TestArchiveBoundAndOrphans(t *testing.T) {
	dir, archive := t.TempDir(), t.TempDir()
	os.MkdirAll(filepath.Join(archive, ".tmp-123"), 0o755)
	writePNG(t, filepath.Join(dir, "logo.png"), color.Gray{0})
	write(t, filepath.Join(dir, "a.yaml"), layoutA)
	c, err := New(Config{Engine: engine(t), Dir: dir, ArchiveDir: archive, ArchiveBytes: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(archive, ".tmp-123")); !os.IsNotExist(err) {
		t.Error("orphan temp folder kept")
	}
	var versions []string
	for i := range 6 {
		l, _ := c.Layout("a")
		versions = append(versions, l.Version())
		write(t, filepath.Join(dir, "a.yaml"), layoutA+"# edit "+string(rune('a'+i))+"\n")
		c.Reload()
	}
	if got := dirBytes(archive); got > 1000 {
		t.Errorf("archive holds %d bytes, limit 1000", got)
	}
	if _, err := c.Version("a", versions[0]); !errors.Is(err, ErrVersionGone) {
		t.Errorf("oldest version still kept under the bound: %v", err)
	}
	if _, err := c.Version("a", versions[len(versions)-1]); err != nil {
		t.Errorf("newest archived version gone: %v", err)
	}
}

func TestRunPicksUpChanges(t *testing.T) {
	dir := t.TempDir()
	writePNG(t, filepath.Join(dir, "logo.png"), color.Gray{0})
	write(t, filepath.Join(dir, "a.yaml"), layoutA)
	c, err := New(Config{Engine: engine(t), Dir: dir, Debounce: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ch, cancelSub := c.Subscribe()
	defer cancelSub()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	defer func() { cancel(); <-done }()
	// Write until the watcher has started and seen a change: poll with a
	// generous limit rather than a fixed sleep.
	deadline := time.Now().Add(60 * time.Second)
	for i := 0; ; i++ {
		write(t, filepath.Join(dir, "new.yaml"), layoutA+"# "+string(rune('a'+i%26))+"\n")
		select {
		case <-ch:
		case <-time.After(200 * time.Millisecond):
			if time.Now().After(deadline) {
				t.Fatal("no reload after writing a layout")
			}
			continue
		}
		if _, ok := c.Layout("new"); ok {
			return
		}
	}
}
