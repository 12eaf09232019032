package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/haibao/haibao/jobs"
	"github.com/haibao/haibao/poster"
	"github.com/haibao/haibao/storage"
)

// countingStore counts uploads and can be made to fail.
type countingStore struct {
	*storage.Dir
	puts, stats atomic.Int32
	broken      atomic.Bool
}

var errStoreDown = errors.New("dial tcp 10.1.2.3:9000: connect: connection refused")

func (s *countingStore) Put(ctx context.Context, key, ct string, body []byte, digest string) (storage.Object, error) {
	if s.broken.Load() {
		return storage.Object{}, &storage.Error{Op: "put", Key: key, Err: errStoreDown}
	}
	s.puts.Add(1)
	return s.Dir.Put(ctx, key, ct, body, digest)
}

func (s *countingStore) Stat(ctx context.Context, key string) (storage.Object, bool, error) {
	if s.broken.Load() {
		return storage.Object{}, false, &storage.Error{Op: "stat", Key: key, Err: errStoreDown}
	}
	s.stats.Add(1)
	return s.Dir.Stat(ctx, key)
}

func newStore(t *testing.T) (*countingStore, string) {
	t.Helper()
	root := t.TempDir()
	d, err := storage.OpenDir(root, "https://cdn.example.com/p")
	if err != nil {
		t.Fatal(err)
	}
	return &countingStore{Dir: d}, root
}

// TestResponseURL: "response": "url" stores the poster once under its
// content key and answers where it is; the stored bytes are the poster.
func TestResponseURL(t *testing.T) {
	store, root := newStore(t)
	h := newHarnessWith(t, harnessOptions{storage: store})
	body := sampleBody(t, "product", `, "format": "jpeg", "response": "url"`)
	var first storedPoster
	for i := range 3 {
		rec := h.do("POST", "/v1/posters/product", body)
		if rec.Code != 200 || rec.Header().Get("Content-Type") != "application/json; charset=utf-8" {
			t.Fatalf("POST %d: %d %s", i, rec.Code, rec.Body.String())
		}
		var got storedPoster
		if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = got
		} else if got != first {
			t.Fatalf("answer %d differs: %+v vs %+v", i, got, first)
		}
	}
	if !strings.HasPrefix(first.Key, "posters/product/") || !strings.HasSuffix(first.Key, ".jpg") ||
		first.URL != "https://cdn.example.com/p/"+first.Key || first.Width != 750 || first.Height <= 0 || first.Bytes <= 0 || first.ETag == "" {
		t.Fatalf("answer: %+v", first)
	}
	if n := store.puts.Load(); n != 1 {
		t.Fatalf("%d uploads for one poster asked three times", n)
	}
	b, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(first.Key)))
	if err != nil || int64(len(b)) != first.Bytes {
		t.Fatalf("stored file: %d bytes, %v; answer says %d", len(b), err, first.Bytes)
	}
	img, format, err := image.Decode(bytes.NewReader(b))
	if err != nil || format != "jpeg" || img.Bounds().Dx() != first.Width || img.Bounds().Dy() != first.Height {
		t.Fatalf("stored poster: %v %s %v", err, format, img.Bounds())
	}
	// The bytes answer of the same request names the same file.
	rec := h.do("POST", "/v1/posters/product", sampleBody(t, "product", `, "format": "jpeg"`))
	if !bytes.Equal(rec.Body.Bytes(), b) || !strings.Contains(first.Key, strings.Trim(rec.Header().Get("ETag"), `"`)) {
		t.Fatalf("the image answer differs from the stored poster (ETag %s, key %s)", rec.Header().Get("ETag"), first.Key)
	}
	if m := h.do("GET", "/metrics", "").Body.String(); !strings.Contains(m, `haibao_posters_stored_total{result="stored"} 1`) {
		t.Fatalf("metrics:\n%s", grepLines(m, "haibao_posters_stored"))
	}
}

func grepLines(s, sub string) string {
	var out []string
	for line := range strings.SplitSeq(s, "\n") {
		if strings.Contains(line, sub) {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}

func TestResponseURLErrors(t *testing.T) {
	store, _ := newStore(t)
	h := newHarnessWith(t, harnessOptions{storage: store})
	none := newHarness(t, nil)
	tests := []struct {
		h      *harness
		body   string
		broken bool
		status int
		code   string
		msg    string
	}{
		{none, `, "response": "url"`, false, 400, CodeNoStorage, `"response": "url" stores the poster, and this service has no storage (set HAIBAO_STORAGE_URL)`},
		{h, `, "response": "link"`, false, 400, CodeInvalidData, `response must be "image" (the poster's bytes, the default) or "url" (stored, and its URL answered)`},
		{h, `, "response": 1`, false, 400, CodeInvalidData, `response must be "image" (the poster's bytes, the default) or "url" (stored, and its URL answered)`},
		{h, `, "response": "url", "format": "webp"`, true, 503, CodeStorage, "the poster store cannot be reached right now; retry shortly"},
	}
	for _, tt := range tests {
		store.broken.Store(tt.broken)
		rec := tt.h.do("POST", "/v1/posters/product", sampleBody(t, "product", tt.body))
		code, msg := errorCode(t, rec)
		if rec.Code != tt.status || code != tt.code || msg != tt.msg {
			t.Errorf("%s: %d %s %q, want %d %s %q", tt.body, rec.Code, code, msg, tt.status, tt.code, tt.msg)
		}
		if tt.status == 503 && rec.Header().Get("Retry-After") == "" {
			t.Errorf("%s: no Retry-After", tt.body)
		}
	}
	if store.puts.Load() != 0 {
		t.Fatal("a failed store reported an upload")
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if !strings.Contains(h.logs.String(), "poster store failed") {
		t.Error("the storage failure was not logged")
	}
}

// TestJobsThroughTheService: /v1/jobs sits behind the API key, runs a job
// to the store and counts its rows in the metrics.
func TestJobsThroughTheService(t *testing.T) {
	store, _ := newStore(t)
	h := newHarnessWith(t, harnessOptions{set: func(c *Config) { c.APIKeys = []string{"key-one"} }, storage: store, jobs: jobsWith(t, store)})
	auth := []string{"Authorization", "Bearer key-one", "Content-Type", "application/json"}
	data, _ := json.Marshal(map[string]any{"layout": "product", "format": "jpeg", "rows": []any{
		sampleData(t, "product"), sampleData(t, "product"), map[string]any{"title": strings.Repeat("长", 400)},
	}})
	if rec := h.do("POST", "/v1/jobs", string(data), "Content-Type", "application/json"); rec.Code != 401 {
		t.Fatalf("POST without the key: %d", rec.Code)
	}
	rec := h.do("POST", "/v1/jobs", string(data), auth...)
	var st jobs.State
	if rec.Code != 202 || json.Unmarshal(rec.Body.Bytes(), &st) != nil || rec.Header().Get("Location") != "/v1/jobs/"+st.ID {
		t.Fatalf("POST: %d %s", rec.Code, rec.Body.String())
	}
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(20 * time.Millisecond) {
		rec = h.do("GET", "/v1/jobs/"+st.ID, "", auth...)
		if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &st) != nil {
			t.Fatalf("GET: %d %s", rec.Code, rec.Body.String())
		}
		if st.Status != jobs.Queued && st.Status != jobs.Running {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("job still %s after 2 minutes", st.Status)
		}
	}
	if st.Status != jobs.Done || st.Counts != (jobs.Counts{Total: 3, Stored: 1, Existing: 1, Failed: 1}) {
		t.Fatalf("job: %+v", st)
	}
	if rec := h.do("GET", "/v1/jobs/"+st.ID+"/manifest", ""); rec.Code != 401 {
		t.Fatalf("manifest without the key: %d", rec.Code)
	}
	if rec := h.do("GET", "/v1/jobs/"+st.ID+"/manifest", "", auth...); rec.Code != 200 || strings.Count(rec.Body.String(), "\n") != 2 {
		t.Fatalf("manifest: %d %q", rec.Code, rec.Body.String())
	}
	// The job's end is counted just after GET can see it: poll.
	wants := []string{`haibao_job_rows_total{result="stored"} 1`, `haibao_job_rows_total{result="existing"} 1`,
		`haibao_job_rows_total{result="failed"} 1`, `haibao_jobs_total{status="done"} 1`, `haibao_jobs_active 0`}
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(10 * time.Millisecond) {
		m := h.do("GET", "/metrics", "").Body.String()
		missing := ""
		for _, want := range wants {
			if !strings.Contains(m, want) {
				missing = want
			}
		}
		if missing == "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("metrics lack %s:\n%s", missing, grepLines(m, "haibao_job"))
		}
	}
}

func sampleData(t *testing.T, layout string) map[string]any {
	t.Helper()
	var v struct {
		Data map[string]any `json:"data"`
	}
	if err := json.Unmarshal([]byte(sampleBody(t, layout, "")), &v); err != nil {
		t.Fatal(err)
	}
	return v.Data
}

// jobsWith builds the /v1/jobs handler on store, as serve does.
func jobsWith(t *testing.T, store Store) func(*poster.Engine, []*poster.Layout, *Metrics) http.Handler {
	return func(e *poster.Engine, ls []*poster.Layout, m *Metrics) http.Handler {
		byName := map[string]*poster.Layout{}
		for _, l := range ls {
			byName[l.Name] = l
		}
		mgr, err := jobs.New(jobs.Config{Dir: t.TempDir(), Engine: e, Sink: store, Observer: m.Jobs(),
			Layouts: func(n string) (*poster.Layout, bool) { l, ok := byName[n]; return l, ok }}, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(mgr.Close)
		return mgr.Handler()
	}
}

// TestStoredFolderServed: a storage folder without a CDN is served by the
// service, and the URLs it answers point there.
func TestStoredFolderServed(t *testing.T) {
	root := t.TempDir()
	d, err := storage.OpenDir(root, "http://posters.example:8080/v1/stored")
	if err != nil {
		t.Fatal(err)
	}
	h := newHarnessWith(t, harnessOptions{storage: d, storedDir: root})
	rec := h.do("POST", "/v1/posters/product", sampleBody(t, "product", `, "format": "png", "response": "url"`))
	var got storedPoster
	if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &got) != nil || got.URL != "http://posters.example:8080/v1/stored/"+got.Key {
		t.Fatalf("POST: %d %s", rec.Code, rec.Body.String())
	}
	rec = h.do("GET", "/v1/stored/"+got.Key, "")
	if rec.Code != 200 || int64(rec.Body.Len()) != got.Bytes || rec.Header().Get("Content-Type") != "image/png" || !strings.Contains(rec.Header().Get("Cache-Control"), "immutable") {
		t.Fatalf("GET stored: %d %v %d bytes", rec.Code, rec.Header(), rec.Body.Len())
	}
	os.WriteFile(filepath.Join(filepath.Dir(root), "secret.txt"), []byte("x"), 0o644)
	for _, bad := range []string{"/v1/stored/../secret.txt", "/v1/stored/posters/%2e%2e/%2e%2e/x", "/v1/stored/posters", "/v1/stored/nothing.png"} {
		if rec := h.do("GET", bad, ""); rec.Code != 404 && rec.Code != 301 && rec.Code != 307 {
			t.Errorf("%s: %d %s", bad, rec.Code, rec.Body.String())
		} else if strings.Contains(rec.Body.String(), "x") && rec.Code == 200 {
			t.Errorf("%s served a file outside the store", bad)
		}
	}
}
