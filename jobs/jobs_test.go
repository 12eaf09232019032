package jobs

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/haibao/haibao/poster"
	"github.com/haibao/haibao/storage"
)

const secret = "webhook-secret-0123456789"

type fixture struct {
	engine *poster.Engine
	layout *poster.Layout
	store  *storage.Dir
	dir    string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	e, err := poster.NewEngine(poster.Config{})
	if err != nil {
		t.Fatal(err)
	}
	l, err := e.LoadLayout(os.DirFS("../batch/testdata"), "card.yaml")
	if err != nil {
		t.Fatal(err)
	}
	store, err := storage.OpenDir(t.TempDir(), "https://cdn.example")
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{engine: e, layout: l, store: store, dir: t.TempDir()}
}

func (f *fixture) manager(t *testing.T, mod func(*Config)) *Manager {
	t.Helper()
	cfg := Config{Dir: f.dir, Engine: f.engine, Sink: f.store, WebhookSecret: secret, Backoff: 10 * time.Millisecond,
		Layouts: func(name string) (*poster.Layout, bool) { return f.layout, name == "card" }}
	if mod != nil {
		mod(&cfg)
	}
	m, err := New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func do(t *testing.T, h http.Handler, method, target, ct, body string) (int, map[string]any) {
	t.Helper()
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var v map[string]any
	json.Unmarshal(rec.Body.Bytes(), &v)
	return rec.Code, v
}

// wait polls the job until it is in a final state; generous for a busy
// machine.
func wait(t *testing.T, h http.Handler, id string) map[string]any {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		_, v := do(t, h, "GET", "/v1/jobs/"+id, "", "")
		switch v["status"] {
		case "done", "failed", "cancelled":
			return v
		}
	}
	t.Fatalf("job %s did not finish within 60s", id)
	return nil
}

func TestJobWithWebhook(t *testing.T) {
	f := newFixture(t)
	var calls atomic.Int32
	got := make(chan []byte, 1)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if calls.Add(1) <= 2 {
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		if r.Header.Get("X-Haibao-Signature") != Sign(secret, body) {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		got <- body
	}))
	defer hook.Close()
	m := f.manager(t, nil)
	defer m.Close()
	h := m.Handler()
	code, v := do(t, h, "POST", "/v1/jobs", "application/json",
		`{"layout":"card","format":"png","webhook_url":"`+hook.URL+`","rows":[{"name":"Ann","score":1},{"name":"much too long"},{"name":"Ann","score":1}]}`)
	if code != http.StatusAccepted || v["status"] != "queued" {
		t.Fatalf("POST: %d %v", code, v)
	}
	id := v["id"].(string)
	v = wait(t, h, id)
	if v["status"] != "done" || fmt.Sprint(v["counts"]) != "map[existing:1 failed:1 stored:1 total:3]" ||
		fmt.Sprint(v["links"]) != fmt.Sprintf("map[errors:/v1/jobs/%s/errors manifest:/v1/jobs/%s/manifest self:/v1/jobs/%s]", id, id, id) {
		t.Fatalf("job: %v", v)
	}
	select {
	case body := <-got:
		var st State
		if err := json.Unmarshal(body, &st); err != nil || st.ID != id || st.Status != Done {
			t.Fatalf("webhook body %s", body)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("webhook never delivered")
	}
	if n := calls.Load(); n != 3 {
		t.Fatalf("webhook called %d times, want 3 (two failures, then success)", n)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/v1/jobs/"+id+"/errors", nil))
	if rec.Code != 200 || rec.Body.String() != "\uFEFFrow,field,message\n2,name,\"is 13 characters, at most 8\"\n" {
		t.Fatalf("errors: %d %q", rec.Code, rec.Body.String())
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/v1/jobs/"+id+"/manifest", nil))
	if lines := strings.Count(rec.Body.String(), "\n"); rec.Code != 200 || lines != 2 || !strings.Contains(rec.Body.String(), `"url":"https://cdn.example/posters/card/`) {
		t.Fatalf("manifest: %d %q", rec.Code, rec.Body.String())
	}
}

func TestCSVUpload(t *testing.T) {
	f := newFixture(t)
	m := f.manager(t, nil)
	defer m.Close()
	h := m.Handler()
	code, v := do(t, h, "POST", "/v1/jobs?layout=card&format=webp", "text/csv", "name,score\nAnn,3\nBob,4\n")
	if code != http.StatusAccepted {
		t.Fatalf("POST: %d %v", code, v)
	}
	v = wait(t, h, v["id"].(string))
	if v["status"] != "done" || fmt.Sprint(v["counts"]) != "map[existing:0 failed:0 stored:2 total:2]" || v["format"] != "webp" {
		t.Fatalf("job: %v", v)
	}
}

func TestCreateErrors(t *testing.T) {
	f := newFixture(t)
	m := f.manager(t, func(c *Config) { c.MaxBody = 200; c.HasApp = func(n string) bool { return n == "shop" } })
	defer m.Close()
	noHooks := newFixture(t).manager(t, func(c *Config) { c.WebhookSecret = "" })
	defer noHooks.Close()
	tests := []struct {
		h          http.Handler
		ct, target string
		body       string
		status     int
		msg        string
	}{
		{m.Handler(), "application/json", "/v1/jobs", `{"layout":"nope","rows":[{}]}`, 404, `no layout named "nope"`},
		{m.Handler(), "application/json", "/v1/jobs", `{"layout":"card","rows":[]}`, 400, "rows must be a non-empty array of objects"},
		{m.Handler(), "application/json", "/v1/jobs", `{"layout":"card","rows":[1]}`, 400, "rows[0] must be an object of field values"},
		{m.Handler(), "application/json", "/v1/jobs", `{"layout":"card","format":"gif","rows":[{}]}`, 400, `unknown format "gif" (want png, jpeg or webp)`},
		{m.Handler(), "application/json", "/v1/jobs", `{"layout":"card","scale":9,"rows":[{}]}`, 400, "scale must be greater than 0 and at most 4"},
		{m.Handler(), "application/json", "/v1/jobs", `{"layout":"card","webhook_url":"ftp://x","rows":[{}]}`, 400, "webhook_url must be an http(s) URL"},
		{m.Handler(), "application/json", "/v1/jobs", `{"layout":"card","rows":[{"name":"` + strings.Repeat("x", 300) + `"}]}`, 413, "body is over 200 bytes"},
		{m.Handler(), "text/plain", "/v1/jobs", "x", 415, "send application/json with rows, or a text/csv or XLSX upload"},
		{m.Handler(), "application/json", "/v1/jobs", `{"layout":"card","rows":[{}],"colour":"red"}`, 400, `malformed body: unknown field "colour"`},
		{m.Handler(), "application/json", "/v1/jobs", `{"layout":"card","rows":[{}],"rows":[{}]}`, 400, "rows given twice"},
		{m.Handler(), "application/json", "/v1/jobs", `{"layout":"card"}`, 400, "rows must be a non-empty array of objects"},
		{m.Handler(), "application/json", "/v1/jobs", `{"layout":"card","rows":{}}`, 400, "rows must be a non-empty array of objects"},
		{m.Handler(), "application/json", "/v1/jobs", `{"layout":7,"rows":[{}]}`, 400, "malformed body: layout has the wrong type"},
		{m.Handler(), "application/json", "/v1/jobs", `[{"name":"x"}]`, 400, "malformed body: want a JSON object"},
		{m.Handler(), "text/csv", "/v1/jobs?layout=nope", "name\nAnn\n", 404, `no layout named "nope"`},
		{m.Handler(), "text/csv", "/v1/jobs?layout=card&app=game", "name\nAnn\n", 422, `no mini program named "game" is configured`},
		{m.Handler(), "application/json", "/v1/jobs", `{"layout":"card","app":"game","rows":[{}]}`, 422, `no mini program named "game" is configured`},
		{m.Handler(), "text/csv", "/v1/jobs?layout=card&quality=high", "name\nAnn\n", 400, "quality must be a whole number"},
		{noHooks.Handler(), "application/json", "/v1/jobs", `{"layout":"card","webhook_url":"http://h/x","rows":[{}]}`, 400, "webhooks are off: the service has no webhook secret"},
		{m.Handler(), "", "/v1/jobs/0000", "", 404, "no such job"},
	}
	for _, tt := range tests {
		method := "POST"
		if tt.ct == "" {
			method = "GET"
		}
		code, v := do(t, tt.h, method, tt.target, tt.ct, tt.body)
		msg := ""
		if e, ok := v["error"].(map[string]any); ok {
			msg, _ = e["message"].(string)
		}
		if code != tt.status || msg != tt.msg {
			t.Errorf("%s %s: %d %q, want %d %q", method, tt.body, code, msg, tt.status, tt.msg)
		}
	}
	ents, _ := os.ReadDir(f.dir)
	for _, e := range ents {
		if e.IsDir() {
			t.Fatalf("a refused job left its folder %s", e.Name())
		}
	}
}

// TestJobSurvivesRestart stops the service in the middle of a job; the
// next one resumes it and every poster is stored once.
func TestJobSurvivesRestart(t *testing.T) {
	f := newFixture(t)
	var uploads atomic.Int64
	counted := &countingSink{Dir: f.store, n: &uploads}
	m := f.manager(t, func(c *Config) { c.Sink = counted; c.Concurrency = 2 })
	h := m.Handler()
	const n = 80
	code, v := do(t, h, "POST", "/v1/jobs", "application/json", rowsBody(n))
	if code != http.StatusAccepted {
		t.Fatalf("POST: %d %v", code, v)
	}
	id := v["id"].(string)
	waitUploads(t, &uploads, 10)
	m.Close()
	before := uploads.Load()
	if before >= n {
		t.Fatalf("the job finished before the restart (%d uploads); make it longer", before)
	}
	m2 := f.manager(t, func(c *Config) { c.Sink = counted })
	defer m2.Close()
	v = wait(t, m2.Handler(), id)
	if v["status"] != "done" {
		t.Fatalf("after restart: %v", v)
	}
	counts := v["counts"].(map[string]any)
	if counts["failed"].(float64) != 0 || counts["stored"].(float64)+counts["existing"].(float64) != n || uploads.Load() != n {
		t.Fatalf("after restart: counts %v, %d uploads in all (%d before the restart); want %d", counts, uploads.Load(), before, n)
	}
}

type countingSink struct {
	*storage.Dir
	n *atomic.Int64
}

func (c *countingSink) Put(ctx context.Context, key, ct string, body []byte, digest string) (storage.Object, error) {
	o, err := c.Dir.Put(ctx, key, ct, body, digest)
	if err == nil && strings.HasPrefix(key, "posters/") { // not the job's manifest and errors file
		c.n.Add(1)
	}
	return o, err
}
