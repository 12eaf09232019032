package jobs

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/haibao/haibao/internal/redistest"
	"github.com/haibao/haibao/storage"
)

// slowSink counts poster uploads and takes a little time for each, so a
// job lasts long enough to be interrupted.
type slowSink struct {
	*storage.Dir
	n *atomic.Int64
}

func (s *slowSink) Put(ctx context.Context, key, ct string, body []byte, digest string) (storage.Object, error) {
	time.Sleep(5 * time.Millisecond)
	o, err := s.Dir.Put(ctx, key, ct, body, digest)
	if err == nil && strings.HasPrefix(key, "posters/") {
		s.n.Add(1)
	}
	return o, err
}

func redisClient(t *testing.T, srv *redistest.Server) redis.UniversalClient {
	t.Helper()
	opt, err := redis.ParseURL(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(opt)
	t.Cleanup(func() { c.Close() })
	return c
}

func rowsBody(n int) string {
	var b bytes.Buffer
	b.WriteString(`{"layout":"card","format":"png","rows":[`)
	for i := range n {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"name":"u%d"}`, i)
	}
	b.WriteString("]}")
	return b.String()
}

// TestRedisJobsMoveBetweenInstances: with Redis, a job posted to one
// instance is visible on another; when the instance running it stops,
// the other resumes it and no poster is uploaded twice; the instance that
// did not run it serves its outputs from the store.
func TestRedisJobsMoveBetweenInstances(t *testing.T) {
	srv := redistest.Start(t)
	f := newFixture(t)
	var uploads atomic.Int64
	sink := &slowSink{Dir: f.store, n: &uploads}
	instance := func() *Manager {
		dir := t.TempDir()
		return f.manager(t, func(c *Config) { c.Dir, c.Redis, c.Sink, c.Concurrency = dir, redisClient(t, srv), sink, 2 })
	}
	const n = 80
	b, id, v := moveJob(t, instance(), instance, &uploads, n, 10)
	defer b.Close()
	if !strings.HasPrefix(fmt.Sprint(v["manifest_url"]), "https://cdn.example/jobs/"+id+"/manifest.jsonl") {
		t.Fatalf("manifest_url %v", v["manifest_url"])
	}
	// The first instance, reopened, did not run the end of the job: it
	// points to the stored manifest.
	a2 := instance()
	defer a2.Close()
	rec := httptest.NewRecorder()
	a2.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/v1/jobs/"+id+"/manifest", nil))
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != v["manifest_url"] {
		t.Fatalf("manifest elsewhere: %d %v", rec.Code, rec.Header())
	}
	if code, _ := do(t, a2.Handler(), "GET", "/v1/jobs/queue", "", ""); code != 404 {
		t.Fatalf("odd id: %d", code)
	}
}

// moveJob posts n rows to a, waits for the first uploads, opens a second
// instance (which sees the job running), stops a and waits for the second
// to finish the job with every poster uploaded once.
func moveJob(t *testing.T, a *Manager, instance func() *Manager, uploads *atomic.Int64, n, first int) (*Manager, string, map[string]any) {
	t.Helper()
	start := uploads.Load()
	code, v := do(t, a.Handler(), "POST", "/v1/jobs", "application/json", rowsBody(n))
	if code != http.StatusAccepted {
		t.Fatalf("POST: %d %v", code, v)
	}
	id := v["id"].(string)
	waitUploads(t, uploads, start+int64(first))
	b := instance()
	if code, v := do(t, b.Handler(), "GET", "/v1/jobs/"+id, "", ""); code != 200 || v["status"] != "running" {
		t.Fatalf("GET on the other instance: %d %v", code, v)
	}
	a.Close()
	if uploads.Load()-start >= int64(n) {
		t.Fatal("the job ended before the first instance stopped; make it longer")
	}
	v = wait(t, b.Handler(), id)
	counts := v["counts"].(map[string]any)
	if v["status"] != "done" || counts["failed"].(float64) != 0 || counts["stored"].(float64)+counts["existing"].(float64) != float64(n) || uploads.Load()-start != int64(n) {
		t.Fatalf("after the move: %v, %d uploads; want %d", v, uploads.Load()-start, n)
	}
	return b, id, v
}

// waitUploads polls until the sink has seen k uploads.
func waitUploads(t *testing.T, uploads *atomic.Int64, k int64) {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); uploads.Load() < k; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d uploads within 60s", uploads.Load(), k)
		}
	}
}

// TestRedisCancelReachesTheRunner: DELETE on one instance stops the job
// another instance runs.
func TestRedisCancelReachesTheRunner(t *testing.T) {
	srv := redistest.Start(t)
	f := newFixture(t)
	var uploads atomic.Int64
	sink := &slowSink{Dir: f.store, n: &uploads}
	a := f.manager(t, func(c *Config) { c.Dir, c.Redis, c.Sink, c.Concurrency = t.TempDir(), redisClient(t, srv), sink, 1 })
	defer a.Close()
	code, v := do(t, a.Handler(), "POST", "/v1/jobs", "application/json", rowsBody(400))
	if code != http.StatusAccepted {
		t.Fatalf("POST: %d %v", code, v)
	}
	id := v["id"].(string)
	waitUploads(t, &uploads, 5)
	// The second instance's worker is kept from running anything: it only
	// answers HTTP.
	log := slog.New(slog.DiscardHandler)
	b := &Manager{cfg: Config{Dir: t.TempDir()}.withDefaults(), log: log, b: openRedis(redisClient(t, srv), t.TempDir(), 64, log)}
	if code, v := do(t, b.Handler(), "DELETE", "/v1/jobs/"+id, "", ""); code != http.StatusAccepted {
		t.Fatalf("DELETE: %d %v", code, v)
	}
	v = wait(t, a.Handler(), id)
	if v["status"] != "cancelled" || uploads.Load() >= 400 {
		t.Fatalf("after DELETE: %v, %d uploads", v, uploads.Load())
	}
}
