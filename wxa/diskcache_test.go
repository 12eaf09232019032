package wxa_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/haibao/haibao/wxa"
)

// codeFiles lists the code files under dir (temporary files excluded).
func codeFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && !strings.HasPrefix(d.Name(), ".") {
			out = append(out, d.Name())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestDiskCacheEvictsLeastRecentlyUsed(t *testing.T) {
	dir := t.TempDir()
	d, err := wxa.NewDiskCacheLimit(dir, 100)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	set := func(k string) {
		t.Helper()
		if err := d.Set(ctx, k, bytes.Repeat([]byte(k), 40)); err != nil {
			t.Fatal(err)
		}
	}
	set("a")
	set("b")
	if _, ok, _ := d.Get(ctx, "a"); !ok {
		t.Fatal("a missing")
	}
	set("c") // 120 bytes: the least recently used, b, goes
	for k, want := range map[string]bool{"a": true, "b": false, "c": true} {
		if _, ok, _ := d.Get(ctx, k); ok != want {
			t.Errorf("%s held = %t, want %t", k, ok, want)
		}
	}
	if n := len(codeFiles(t, dir)); n != 2 || d.Len() != 2 || d.Size() != 80 {
		t.Errorf("%d files, len %d, size %d; want 2, 2, 80", n, d.Len(), d.Size())
	}
	// A code larger than the whole bound is handed back but not kept.
	if err := d.Set(ctx, "huge", make([]byte, 101)); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := d.Get(ctx, "huge"); ok || d.Size() != 80 {
		t.Errorf("oversized code stored: size %d", d.Size())
	}
}

// TestDiskCacheBoundAcrossRestart: the sizes and use order are rebuilt from
// the folder, so a restart with a smaller bound removes the oldest codes.
func TestDiskCacheBoundAcrossRestart(t *testing.T) {
	dir := t.TempDir()
	d, err := wxa.NewDiskCacheLimit(dir, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	keys := []string{"k0", "k1", "k2", "k3", "k4"}
	for _, k := range keys {
		if err := d.Set(ctx, k, make([]byte, 1000)); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(codeFiles(t, dir)); n != 5 {
		t.Fatalf("%d files, want 5", n)
	}
	// Give the files distinct ages: k0 oldest … k4 newest. A code's file
	// is named by the SHA-256 of its key.
	base := time.Now().Add(-time.Hour)
	for i, k := range keys {
		sum := sha256.Sum256([]byte(k))
		name := hex.EncodeToString(sum[:])
		mt := base.Add(time.Duration(i) * time.Minute)
		if err := os.Chtimes(filepath.Join(dir, name[:2], name), mt, mt); err != nil {
			t.Fatal(err)
		}
	}
	d2, err := wxa.NewDiskCacheLimit(dir, 3000)
	if err != nil {
		t.Fatal(err)
	}
	if d2.Len() != 3 || d2.Size() != 3000 || len(codeFiles(t, dir)) != 3 {
		t.Errorf("after restart: len %d size %d files %d; want 3, 3000, 3", d2.Len(), d2.Size(), len(codeFiles(t, dir)))
	}
	for i, k := range keys {
		_, ok, _ := d2.Get(ctx, k)
		if want := i >= 2; ok != want {
			t.Errorf("%s held = %t, want %t", k, ok, want)
		}
	}
}

// TestDiskCacheRemovesOrphans: a process killed during a write leaves the
// temporary file of internal/atomicfile; the next start deletes it once it
// is old enough that no live writer can own it.
func TestDiskCacheRemovesOrphans(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "ab")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	name := "ab" + strings.Repeat("0", 62)
	old := filepath.Join(sub, "."+name+".123456.tmp")
	young := filepath.Join(sub, "."+name+".654321.tmp")
	for _, p := range []string{old, young} {
		if err := os.WriteFile(p, make([]byte, 500), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	long := time.Now().Add(-time.Hour)
	if err := os.Chtimes(old, long, long); err != nil {
		t.Fatal(err)
	}
	d, err := wxa.NewDiskCacheLimit(dir, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(old); !os.IsNotExist(err) {
		t.Errorf("orphan left in place: %v", err)
	}
	if _, err := os.Stat(young); err != nil {
		t.Errorf("a temporary file a live writer may own was removed: %v", err)
	}
	if d.Len() != 0 || d.Size() != 0 {
		t.Errorf("temporary files counted as codes: len %d size %d", d.Len(), d.Size())
	}
}
