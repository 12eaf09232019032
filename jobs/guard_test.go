package jobs

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/haibao/haibao/batch"
	"github.com/haibao/haibao/storage"
)

// brokenSink fails every call after the first n puts, as a store that
// went away mid-job, with an error naming its address.
type brokenSink struct {
	*storage.Dir
	n    int32
	puts atomic.Int32
}

func (b *brokenSink) Put(ctx context.Context, key, ct string, body []byte, digest string) (storage.Object, error) {
	if b.puts.Add(1) > b.n {
		return storage.Object{}, &storage.Error{Op: "put", Key: key, Err: errors.New("dial tcp 10.9.8.7:9000: connection refused")}
	}
	return b.Dir.Put(ctx, key, ct, body, digest)
}

// TestStoreFailureStopsTheJob: the store failing stops the job with a
// plain error instead of failing every row with the store's address.
func TestStoreFailureStopsTheJob(t *testing.T) {
	f := newFixture(t)
	m := f.manager(t, func(c *Config) { c.Sink, c.Concurrency = &brokenSink{Dir: f.store, n: 3}, 1 })
	defer m.Close()
	h := m.Handler()
	code, v := do(t, h, "POST", "/v1/jobs", "application/json", rowsBody(50))
	if code != http.StatusAccepted {
		t.Fatalf("POST: %d %v", code, v)
	}
	id := v["id"].(string)
	v = wait(t, h, id)
	counts := v["counts"].(map[string]any)
	if v["status"] != "failed" || !strings.HasPrefix(v["error"].(string), "the poster store failed; the job stopped") || counts["stored"].(float64) != 3 || counts["failed"].(float64) > 2 {
		t.Fatalf("job: %v", v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/v1/jobs/"+id+"/errors", nil))
	if strings.Contains(rec.Body.String(), "10.9.8.7") || strings.Contains(v["error"].(string), "10.9.8.7") {
		t.Fatalf("the store's address reached the client: %s", rec.Body.String())
	}
}

type countingObserver struct {
	mu    sync.Mutex
	ended map[Status]int
}

func (o *countingObserver) Row(batch.Status) {}
func (o *countingObserver) Queued(int)       {}
func (o *countingObserver) JobEnded(s Status) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.ended[s]++
}

// TestOwnersQueueAndWebhooks: a job is visible to its owner only; a
// job cancelled while queued is counted and announced; a receiver that
// hangs does not hold the next job; DELETE of an ended job is 200.
func TestOwnersQueueAndWebhooks(t *testing.T) {
	f := newFixture(t)
	release := make(chan struct{})
	var hooks sync.Map
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hooks.Store(r.Header.Get("X-Haibao-Job"), true)
		if r.URL.Path == "/hang" {
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}
	}))
	defer hook.Close()
	defer close(release)
	obs := &countingObserver{ended: map[Status]int{}}
	m := f.manager(t, func(c *Config) {
		c.Observer, c.Sink, c.Concurrency = obs, &slowSink{Dir: f.store, n: new(atomic.Int64)}, 1
		c.WebhookClient = &http.Client{}
	})
	defer m.Close()
	h := m.Handler()
	post := func(owner, body string) string {
		req := httptest.NewRequest("POST", "/v1/jobs", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(OwnerHeader, owner)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusAccepted {
			t.Fatalf("POST: %d %s", rec.Code, rec.Body.String())
		}
		return rec.Header().Get("Location")
	}
	as := func(owner, method, target string) int {
		req := httptest.NewRequest(method, target, nil)
		req.Header.Set(OwnerHeader, owner)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	first := post("alice", `{"layout":"card","format":"png","webhook_url":"`+hook.URL+`/hang","rows":[{"name":"a"}]}`)
	long := post("", strings.Replace(rowsBody(200), `"rows"`, `"webhook_url":"`+hook.URL+`/q","rows"`, 1))
	queued := post("alice", `{"layout":"card","format":"png","webhook_url":"`+hook.URL+`/q","rows":[{"name":"b"}]}`)
	for _, c := range []struct{ owner, method, target string }{
		{"bob", "GET", first}, {"", "GET", first}, {"bob", "DELETE", queued}, {"bob", "GET", first + "/manifest"},
	} {
		if got := as(c.owner, c.method, c.target); got != http.StatusNotFound {
			t.Errorf("%s %s as %q: %d, want 404", c.method, c.target, c.owner, got)
		}
	}
	if got := as("bob", "GET", first); got != http.StatusNotFound {
		t.Fatalf("another key sees the job: %d", got)
	}
	if got := as("alice", "DELETE", queued); got != http.StatusAccepted {
		t.Fatalf("DELETE of a queued job: %d", got)
	}
	// The first job's webhook hangs; the long job still runs and ends.
	id := strings.TrimPrefix(long, "/v1/jobs/")
	if v := wait(t, h, id); v["status"] != "done" {
		t.Fatalf("the job after a hanging webhook: %v", v)
	}
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		_, ok := hooks.Load(strings.TrimPrefix(queued, "/v1/jobs/"))
		if ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the job cancelled while queued was not announced")
		}
	}
	obs.mu.Lock()
	cancelled := obs.ended[Cancelled]
	obs.mu.Unlock()
	if cancelled != 1 {
		t.Fatalf("%d cancelled jobs counted, want 1", cancelled)
	}
	if got := as("", "DELETE", long); got != http.StatusOK {
		t.Fatalf("DELETE of an ended job: %d", got)
	}
}

// TestOneProcessPerFolder: a second manager on the same folder is refused.
func TestOneProcessPerFolder(t *testing.T) {
	f := newFixture(t)
	m := f.manager(t, nil)
	defer m.Close()
	_, err := New(Config{Dir: f.dir, Engine: f.engine, Layouts: m.cfg.Layouts}, nil)
	if !errors.Is(err, ErrDirInUse) || !strings.Contains(err.Error(), f.dir) {
		t.Fatalf("second manager: %v", err)
	}
}
