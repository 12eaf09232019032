package preview

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/haibao/haibao/layouts"
	"github.com/haibao/haibao/poster"
)

// copyLayouts puts the sample layouts in a fresh folder.
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
	return dir
}

func newPreview(t testing.TB, dir string) (*Preview, *httptest.Server, context.CancelFunc) {
	t.Helper()
	return newPreviewDebounce(t, dir, 50*time.Millisecond)
}

func newPreviewDebounce(t testing.TB, dir string, debounce time.Duration) (*Preview, *httptest.Server, context.CancelFunc) {
	t.Helper()
	e, err := poster.NewEngine(poster.Config{})
	if err != nil {
		t.Fatal(err)
	}
	gates, err := NewGates(2)
	if err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.Dir, cfg.Engine, cfg.Admission, cfg.Debounce = dir, e, gates, debounce
	p, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go p.Run(ctx)
	srv := httptest.NewServer(p.Handler())
	t.Cleanup(func() { cancel(); srv.Close() })
	select {
	case <-p.watching:
	case <-time.After(30 * time.Second):
		t.Fatal("the watcher did not start")
	}
	return p, srv, cancel
}

type listing struct {
	Version  int           `json:"version"`
	Layouts  []layoutJSON  `json:"layouts"`
	Problems []problemJSON `json:"problems"`
}

func getListing(t *testing.T, base string) listing {
	t.Helper()
	resp, err := http.Get(base + "/api/layouts")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var l listing
	json.NewDecoder(resp.Body).Decode(&l)
	return l
}

func waitVersion(t *testing.T, p *Preview, after int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second) // generous: -race on a busy machine
	for p.Version() <= after {
		if time.Now().After(deadline) {
			t.Fatalf("no reload after version %d", after)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestRenderAPI(t *testing.T) {
	_, srv, _ := newPreview(t, copyLayouts(t))
	l := getListing(t, srv.URL)
	if len(l.Layouts) != 4 || len(l.Problems) != 0 {
		t.Fatalf("listing %+v", l)
	}
	resp, err := http.Post(srv.URL+"/api/render/invite?format=jpeg&scale=2", "application/json", strings.NewReader(`{"nickname":"小明","event":"e","time":"t","place":"p","page":"pages/a","scene":"s"}`))
	if err != nil {
		t.Fatal(err)
	}
	var r renderJSON
	json.NewDecoder(resp.Body).Decode(&r)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(r.Image, "data:image/jpeg;base64,") || r.Width != 1500 || len(r.Boxes) == 0 || r.Bytes == 0 {
		t.Errorf("render: %d %+v", resp.StatusCode, r.Format)
	}
	for _, tc := range []struct {
		path, body string
		status     int
	}{
		{"/api/render/nope", "", 404},
		{"/api/render/invite?format=gif", "", 400},
		{"/api/render/invite?scale=9", "", 400},
		{"/api/render/invite", "[1]", 400},
		{"/api/render/certificate", `{"name": "x"}`, 422},
	} {
		resp, err := http.Post(srv.URL+tc.path, "application/json", strings.NewReader(tc.body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.status {
			t.Errorf("%s: %d, want %d", tc.path, resp.StatusCode, tc.status)
		}
	}
}

// TestWatchKeepsLastGood saves a broken layout (by rename, as editors do),
// checks the problem is reported while the last good version stays
// renderable, then fixes it.
func TestWatchKeepsLastGood(t *testing.T) {
	dir := copyLayouts(t)
	p, srv, _ := newPreview(t, dir)
	file := filepath.Join(dir, "product.yaml")
	good, _ := os.ReadFile(file)
	saveByRename := func(b []byte) {
		tmp := file + ".swp"
		os.WriteFile(tmp, b, 0o644)
		os.Rename(tmp, file)
	}
	v := p.Version()
	saveByRename([]byte(strings.Replace(string(good), "elements:", "elemnts:", 1)))
	waitVersion(t, p, v)
	l := getListing(t, srv.URL)
	var texts []string
	for _, pr := range l.Problems {
		texts = append(texts, pr.Text)
	}
	line := 1 + strings.Count(string(good[:strings.Index(string(good), "\nelements:")+1]), "\n")
	want := fmt.Sprintf(`product.yaml:%d:1: unknown key "elemnts" in the layout; did you mean "elements"?`, line)
	if !strings.Contains(strings.Join(texts, "\n"), want) {
		t.Fatalf("problems %+v", l.Problems)
	}
	if len(l.Layouts) != 4 {
		t.Errorf("the broken layout's last good version is gone: %d layouts", len(l.Layouts))
	}
	resp, _ := http.Post(srv.URL+"/api/render/product", "application/json", nil)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("last good version does not render: %d", resp.StatusCode)
	}
	v = p.Version()
	saveByRename(good)
	waitVersion(t, p, v)
	if l := getListing(t, srv.URL); len(l.Problems) != 0 {
		t.Errorf("problems remain after the fix: %+v", l.Problems)
	}
	// A new file in a new subfolder is watched too.
	v = p.Version()
	os.MkdirAll(filepath.Join(dir, "img"), 0o755)
	waitVersion(t, p, v)
	v = p.Version()
	os.WriteFile(filepath.Join(dir, "img", "a.png"), []byte("x"), 0o644)
	waitVersion(t, p, v)
	// Removing a layout removes it from the list.
	v = p.Version()
	os.Remove(filepath.Join(dir, "campaign.yaml"))
	waitVersion(t, p, v)
	if l := getListing(t, srv.URL); len(l.Layouts) != 3 {
		t.Errorf("%d layouts after removing one", len(l.Layouts))
	}
}

// TestDebounce: a burst of writes makes one reload.
func TestDebounce(t *testing.T) {
	dir := copyLayouts(t)
	// A long debounce, so a busy machine cannot space the writes apart.
	p, _, _ := newPreviewDebounce(t, dir, time.Second)
	v := p.Version()
	file := filepath.Join(dir, "invite.yaml")
	b, _ := os.ReadFile(file)
	for range 10 {
		os.WriteFile(file, b, 0o644)
	}
	waitVersion(t, p, v)
	time.Sleep(2 * time.Second) // a second reload would come one debounce after the last event
	if got := p.Version() - v; got != 1 {
		t.Errorf("%d reloads for one burst of writes", got)
	}
}

func TestEventsStream(t *testing.T) {
	dir := copyLayouts(t)
	_, srv, _ := newPreview(t, dir)
	resp, err := http.Get(srv.URL + "/api/events")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("content type %q", ct)
	}
	r := bufio.NewReader(resp.Body)
	line, _ := r.ReadString('\n')
	if line != "event: hello\n" {
		t.Fatalf("first line %q", line)
	}
	os.WriteFile(filepath.Join(dir, "invite.yaml"), []byte("canvas: {width: 10, height: 10}\nelements: []\n"), 0o644)
	got := make(chan string, 1)
	go func() {
		for {
			l, err := r.ReadString('\n')
			if err != nil {
				return
			}
			if strings.HasPrefix(l, "event: change") {
				got <- l
				return
			}
		}
	}()
	select {
	case <-got:
	case <-time.After(30 * time.Second):
		t.Fatal("no change event")
	}
}

func TestReadOnly(t *testing.T) {
	dir := copyLayouts(t)
	before, _ := os.ReadDir(dir)
	_, srv, _ := newPreview(t, dir)
	for _, path := range []string{"/api/render/product", "/api/render/invite?format=webp"} {
		resp, _ := http.Post(srv.URL+path, "application/json", nil)
		resp.Body.Close()
	}
	after, _ := os.ReadDir(dir)
	if len(before) != len(after) {
		t.Errorf("the preview wrote into the layouts folder: %d → %d entries", len(before), len(after))
	}
	cfg := DefaultConfig()
	cfg.Dir, cfg.Engine, cfg.Admission = filepath.Join(dir, "missing"), &poster.Engine{}, Gates{}
	if _, err := New(cfg); err == nil {
		t.Error("missing folder accepted")
	}
}

// TestRenderCarriesLintFindings: the page gets what lint says of each
// render, to draw next to the element.
func TestRenderCarriesLintFindings(t *testing.T) {
	dir := copyLayouts(t)
	os.WriteFile(filepath.Join(dir, "faint.yaml"), []byte("canvas: {width: 750, height: 1334, background: '#fff'}\nelements:\n"+
		"  - {id: name, type: text, text: \"A\\ue000\", x: 40, y: 40}\n"+
		"  - {id: code, type: code, scene: s, size: 280, x: 235, y: 900, line_color: '#f4f4f4'}\n"), 0o644)
	_, srv, _ := newPreview(t, dir)
	resp, err := http.Post(srv.URL+"/api/render/faint", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Findings []struct{ Rule, Severity, Element string }
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != 200 {
		t.Fatalf("status %d, %v", resp.StatusCode, err)
	}
	got := map[string]bool{}
	for _, f := range body.Findings {
		got[f.Severity+" "+f.Rule+" "+f.Element] = true
	}
	for _, want := range []string{"error code-contrast code", "warning missing-glyphs name"} {
		if !got[want] {
			t.Errorf("findings %+v lack %q", body.Findings, want)
		}
	}
}
