package preview

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/haibao/haibao/internal/admission"
	"github.com/haibao/haibao/poster"
)

// countingAdmission records what the preview asks for and can refuse it.
type countingAdmission struct {
	Gates
	refuseRender atomic.Bool
	renders      atomic.Int32
}

func (c *countingAdmission) AdmitRender(ctx context.Context) (func(), error) {
	c.renders.Add(1)
	if c.refuseRender.Load() {
		return nil, admission.ErrOverloaded
	}
	return c.Gates.AdmitRender(ctx)
}

func newPreviewWith(t *testing.T, adm Admission, set func(*Config)) *httptest.Server {
	t.Helper()
	e, err := poster.NewEngine(poster.Config{})
	if err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.Dir, cfg.Engine, cfg.Admission = copyLayouts(t), e, adm
	if set != nil {
		set(&cfg)
	}
	p, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(p.Handler())
	t.Cleanup(srv.Close)
	return srv
}

// TestRenderIsAdmitted: renders go through the Admission's render gate and
// are refused with 429 and Retry-After when it refuses; bad requests are
// refused before any slot is taken.
func TestRenderIsAdmitted(t *testing.T) {
	gates, _ := NewGates(1)
	adm := &countingAdmission{Gates: gates}
	srv := newPreviewWith(t, adm, func(c *Config) { c.BodyLimit = 1000; c.JSON.MaxDepth = 4 })
	post := func(path, body string) (int, string, http.Header) {
		resp, err := http.Post(srv.URL+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), resp.Header
	}
	if status, _, _ := post("/api/render/product", ""); status != 200 || adm.renders.Load() != 1 {
		t.Fatalf("render: %d after %d admissions", status, adm.renders.Load())
	}
	tests := []struct {
		path, body string
		status     int
		msg        string
	}{
		{"/api/render/product?scale=NaN", "", 400, "scale must be a number greater than 0 and at most 4"},
		{"/api/render/product?scale=Inf", "", 400, "scale must be a number greater than 0 and at most 4"},
		{"/api/render/product?scale=-1", "", 400, "scale must be a number greater than 0 and at most 4"},
		{"/api/render/product?scale=0", "", 400, "scale must be a number greater than 0 and at most 4"},
		{"/api/render/product?scale=4.5", "", 400, "scale must be a number greater than 0 and at most 4"},
		{"/api/render/product?scale=0.0000001", "", 400, "scale 1e-07 is too small"},
		{"/api/render/product", `{"a": [[[[1]]]]}`, 400, "nested deeper than 4 levels"},
		{"/api/render/product", `{"a": "` + strings.Repeat("x", 1000) + `"}`, 413, "data is over 1000 bytes"},
		{"/api/render/product", `[1]`, 400, "data must be a JSON object"},
	}
	for _, tt := range tests {
		status, body, _ := post(tt.path, tt.body)
		if status != tt.status || !strings.Contains(body, tt.msg) {
			t.Errorf("%s %.20s: %d %s; want %d %q", tt.path, tt.body, status, body, tt.status, tt.msg)
		}
	}
	if n := adm.renders.Load(); n != 1 {
		t.Errorf("%d render admissions for refused requests", n-1)
	}
	adm.refuseRender.Store(true)
	status, body, header := post("/api/render/product", "")
	if status != 429 || !strings.Contains(body, "too many renders in progress") || header.Get("Retry-After") != "5" {
		t.Errorf("refused: %d %s", status, body)
	}
}

// TestGatesBoundRenders: the preview's own gates refuse renders beyond
// their slots and queue with 429, not by piling up memory.
func TestGatesBoundRenders(t *testing.T) {
	gates, _ := NewGates(1)
	// Hold the only render slot and fill the queue of two.
	release, err := gates.AdmitRender(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	srv := newPreviewWith(t, gates, nil)
	results := make(chan int, 3)
	for range 3 {
		go func() {
			resp, err := http.Post(srv.URL+"/api/render/product", "application/json", nil)
			if err != nil {
				results <- 0
				return
			}
			resp.Body.Close()
			results <- resp.StatusCode
		}()
	}
	// Two wait in the queue, the third is refused at once.
	select {
	case s := <-results:
		if s != 429 {
			t.Errorf("beyond the queue: %d", s)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("no answer beyond the queue")
	}
	deadline := time.Now().Add(60 * time.Second)
	for gates.Renders.Waiting() != 2 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	release()
	for range 2 {
		// Queued requests are served once the slot is free, or refused
		// when their wait (5 s) ran out on a very slow machine.
		if s := <-results; s != 200 && s != 429 {
			t.Errorf("queued: %d", s)
		}
	}
}
