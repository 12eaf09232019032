package wxaredis_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/haibao/haibao/internal/redistest"
	"github.com/haibao/haibao/wxa"
	"github.com/haibao/haibao/wxa/wxaredis"
	"github.com/haibao/haibao/wxa/wxatest"
)

type countingObserver struct {
	wxaredis.NopObserver
	mu     sync.Mutex
	layers map[wxaredis.Layer]int
	waits  int
}

func (o *countingObserver) CacheLookup(_ string, l wxaredis.Layer) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.layers == nil {
		o.layers = map[wxaredis.Layer]int{}
	}
	o.layers[l]++
}

func (o *countingObserver) LockWait(string, time.Duration, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.waits++
}

func layers(t *testing.T, s *wxaredis.Store, mod func(*wxaredis.CacheConfig)) *wxaredis.Layers {
	t.Helper()
	cfg := wxaredis.CacheConfig{AppID: appid, Memory: wxa.NewMemoryCache(1 << 20), Lease: time.Second}
	if mod != nil {
		mod(&cfg)
	}
	l, err := s.NewCache(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

var req = wxa.CodeRequest{API: wxa.APIUnlimited, Page: "pages/index", Scene: "u=1"}

// TestOneFetchPerCodeAcrossInstances: three instances miss the same code
// at once; one calls load, the others get its result from Redis.
func TestOneFetchPerCodeAcrossInstances(t *testing.T) {
	srv := redistest.Start(t)
	var loads atomic.Int64
	load := func(ctx context.Context) ([]byte, error) {
		loads.Add(1)
		time.Sleep(300 * time.Millisecond)
		return []byte("code-bytes"), nil
	}
	var ls []*wxaredis.Layers
	for range 3 {
		ls = append(ls, layers(t, open(t, srv, 3), nil))
	}
	var wg sync.WaitGroup
	got := make([]string, 3)
	errs := make([]error, 3)
	for i, l := range ls {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			b, err := l.LoadShared(ctx, req, "k1", load)
			got[i], errs[i] = string(b), err
		})
	}
	wg.Wait()
	for i := range 3 {
		if errs[i] != nil || got[i] != "code-bytes" {
			t.Fatalf("instance %d: %q, %v", i, got[i], errs[i])
		}
	}
	if n := loads.Load(); n != 1 {
		t.Fatalf("load ran %d times across 3 instances, want 1", n)
	}
	// The code is now in the shared layer for an instance with an empty
	// memory layer.
	obs := &countingObserver{}
	s2, _ := wxaredis.Open(context.Background(), wxaredis.Config{URL: srv.URL(), Observer: obs})
	t.Cleanup(func() { _ = s2.Close() })
	waitMode(t, s2, wxaredis.ModeCluster)
	fresh := layers(t, s2, nil)
	b, ok, err := fresh.Get(context.Background(), "k1")
	if err != nil || !ok || string(b) != "code-bytes" {
		t.Fatalf("fresh instance Get = %q, %v, %v", b, ok, err)
	}
	if _, _, _ = fresh.Get(context.Background(), "k1"); obs.layers[wxaredis.LayerShared] != 1 || obs.layers[wxaredis.LayerMemory] != 1 {
		t.Fatalf("lookups by layer = %v, want one shared hit then one memory hit", obs.layers)
	}
}

// TestKilledHolderBlocksNoLongerThanLease: a lock left by a killed
// instance (never renewed) delays the code by at most the lease.
func TestKilledHolderBlocksNoLongerThanLease(t *testing.T) {
	srv := redistest.Start(t)
	s := open(t, srv, 2)
	l := layers(t, s, nil)
	// What a killed instance leaves behind: the lock key of this code,
	// owned by nobody alive, with the rest of a 1 s lease.
	raw := redis.NewClient(&redis.Options{Addr: srv.Addr})
	defer raw.Close()
	lockKey := fmt.Sprintf("haibao:{wx:%s}:lock:%s", appid, sha("k2"))
	if err := raw.Set(context.Background(), lockKey, "dead-owner", time.Second).Err(); err != nil {
		t.Fatal(err)
	}
	var loads atomic.Int64
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	b, err := l.LoadShared(ctx, req, "k2", func(context.Context) ([]byte, error) {
		loads.Add(1)
		return []byte("fresh"), nil
	})
	waited := time.Since(start)
	if err != nil || string(b) != "fresh" || loads.Load() != 1 {
		t.Fatalf("LoadShared = %q, %v after %d loads", b, err, loads.Load())
	}
	if waited < 500*time.Millisecond || waited > 20*time.Second {
		t.Fatalf("waited %v for a dead holder's 1 s lease", waited)
	}
	t.Logf("waited %v for a dead holder's 1 s lease", waited)
}

// TestHolderThatFailsLetsOthersTry: a holder whose call fails frees the
// lock at once; the waiting instance then makes its own call.
func TestHolderThatFailsLetsOthersTry(t *testing.T) {
	srv := redistest.Start(t)
	a := layers(t, open(t, srv, 2), nil)
	b := layers(t, open(t, srv, 2), nil)
	entered := make(chan struct{})
	release := make(chan struct{})
	go func() {
		_, _ = a.LoadShared(context.Background(), req, "k3", func(context.Context) ([]byte, error) {
			close(entered)
			<-release
			return nil, errors.New("wechat said no")
		})
	}()
	<-entered
	done := make(chan []byte)
	go func() {
		got, _ := b.LoadShared(context.Background(), req, "k3", func(context.Context) ([]byte, error) { return []byte("second"), nil })
		done <- got
	}()
	close(release)
	select {
	case got := <-done:
		if string(got) != "second" {
			t.Fatalf("second instance got %q", got)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("second instance still waiting 30 s after the holder failed")
	}
}

// TestQuotaHardStop: get calls are counted cluster-wide and refused at
// the stop, before any call.
func TestQuotaHardStop(t *testing.T) {
	srv := redistest.Start(t)
	var ls []*wxaredis.Layers
	var qs []*wxaredis.Quota
	var logs lockedLog
	for range 2 {
		s, err := wxaredis.Open(context.Background(), wxaredis.Config{URL: srv.URL(), Logger: slog.New(slog.NewTextHandler(&logs, nil))})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		waitMode(t, s, wxaredis.ModeCluster)
		q, err := s.NewQuota(context.Background(), wxaredis.QuotaConfig{AppID: appid, Limit: 10, StopAt: 9, Start: 6})
		if err != nil {
			t.Fatal(err)
		}
		qs = append(qs, q)
		ls = append(ls, layers(t, s, func(c *wxaredis.CacheConfig) { c.Quota = q }))
	}
	var loads int
	load := func(context.Context) ([]byte, error) { loads++; return []byte("c"), nil }
	for i := range 3 {
		r := wxa.CodeRequest{API: wxa.APIGet, Path: fmt.Sprintf("pages/a?i=%d", i)}
		if _, err := ls[i%2].LoadShared(context.Background(), r, r.Key(), load); err != nil {
			t.Fatalf("get %d: %v", i, err)
		}
	}
	r := wxa.CodeRequest{API: wxa.APIGet, Path: "pages/a?i=9"}
	_, err := ls[1].LoadShared(context.Background(), r, r.Key(), load)
	if !errors.Is(err, wxa.ErrQuotaExhausted) || err.Error() != "wxa: lifetime quota reached: 9 of 10 get/createQRCode codes used; haibao stops at 9" {
		t.Fatalf("call at the stop: %v", err)
	}
	if loads != 3 {
		t.Fatalf("%d loads, want 3", loads)
	}
	if n, err := qs[0].Used(context.Background()); n != 9 || err != nil {
		t.Fatalf("Used = %d, %v; want 9", n, err)
	}
	// 8 of 10 crossed 80 %, 9 crossed 95 %: one warning each, cluster-wide.
	warned := logs.String()
	if strings.Count(warned, "quota of get/createQRCode running out") != 2 || !strings.Contains(warned, "used=8 limit=10 percent=80") || !strings.Contains(warned, "used=9 limit=10 percent=95") {
		t.Fatalf("warnings:\n%s", warned)
	}
	// getUnlimited does not count and is not stopped.
	if _, err := ls[0].LoadShared(context.Background(), req, "u", load); err != nil {
		t.Fatal(err)
	}
}

// TestClientsShareCodesAndCooldown runs three wxa clients, as three
// instances, against the fake WeChat: 12 unique scenes asked by all three
// at once cost 12 calls, and a 45009 reaches every instance.
func TestClientsShareCodesAndCooldown(t *testing.T) {
	srv := redistest.Start(t)
	fake := wxatest.NewServer(wxatest.Options{})
	defer fake.Close()
	var clients []*wxa.Client
	for range 3 {
		s := open(t, srv, 3)
		lim := limiter(t, s, wxaredis.LimiterConfig{})
		tokens, err := s.NewTokens(wxaredis.TokenConfig{TokenConfig: wxa.TokenConfig{AppID: wxatest.DefaultAppID, Secret: wxatest.DefaultSecret, BaseURL: fake.URL}})
		if err != nil {
			t.Fatal(err)
		}
		c, err := wxa.New(wxa.Config{AppID: wxatest.DefaultAppID, Secret: wxatest.DefaultSecret, BaseURL: fake.URL,
			Cache: layers(t, s, func(c *wxaredis.CacheConfig) { c.Limiter = lim }), Limiter: lim, Tokens: tokens})
		if err != nil {
			t.Fatal(err)
		}
		clients = append(clients, c)
	}
	var wg sync.WaitGroup
	for i := range 36 {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			r := wxa.CodeRequest{API: wxa.APIUnlimited, Page: "pages/index", Scene: fmt.Sprintf("s=%d", i%12)}
			if _, err := clients[i%3].Code(ctx, r); err != nil {
				t.Errorf("code %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	st := fake.Stats()
	if st.CodeCalls["getUnlimited"] != 12 || st.StableTokenCalls != 1 {
		t.Fatalf("fake saw %d getUnlimited calls and %d token calls for 12 unique codes on 3 instances; want 12 and 1", st.CodeCalls["getUnlimited"], st.StableTokenCalls)
	}
	earlyInMinute()
	fake.SetFaults(wxatest.Faults{ErrCode: 45009, Count: 1})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := clients[0].Code(ctx, wxa.CodeRequest{API: wxa.APIUnlimited, Page: "pages/index", Scene: "new"})
	if d, ok := wxa.RetryAfter(err); !errors.Is(err, wxa.ErrRateLimited) || !ok || d <= 0 {
		t.Fatalf("call answered 45009: %v (retry after %v)", err, d)
	}
	for i, c := range clients {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_, err := c.Code(ctx, wxa.CodeRequest{API: wxa.APIUnlimited, Page: "pages/index", Scene: fmt.Sprintf("other%d", i)})
		cancel()
		if !errors.Is(err, wxa.ErrRateLimited) {
			t.Fatalf("instance %d during the cooldown: %v", i, err)
		}
	}
	if n := fake.Stats().CodeCalls["getUnlimited"]; n != 13 {
		t.Fatalf("fake saw %d getUnlimited calls, want 13: none during the cooldown", n)
	}
}

type lockedLog struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestCodesWithoutRedis: with Redis gone codes still load (memory first,
// then the call), get calls are counted locally, and the count reaches
// Redis once it is back.
func TestCodesWithoutRedis(t *testing.T) {
	srv := redistest.Start(t)
	s := open(t, srv, 1)
	q, err := s.NewQuota(context.Background(), wxaredis.QuotaConfig{AppID: appid})
	if err != nil {
		t.Fatal(err)
	}
	l := layers(t, s, func(c *wxaredis.CacheConfig) { c.Quota = q })
	srv.Stop()
	waitMode(t, s, wxaredis.ModeLocal)
	r := wxa.CodeRequest{API: wxa.APIGet, Path: "pages/a?x=1"}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	b, err := l.LoadShared(ctx, r, r.Key(), func(context.Context) ([]byte, error) { return []byte("offline"), nil })
	if err != nil || string(b) != "offline" {
		t.Fatalf("LoadShared without Redis = %q, %v", b, err)
	}
	if err := l.Set(ctx, r.Key(), b); err != nil {
		t.Fatalf("Set without Redis: %v", err)
	}
	if got, ok, err := l.Get(ctx, r.Key()); err != nil || !ok || string(got) != "offline" {
		t.Fatalf("Get without Redis = %q, %v, %v", got, ok, err)
	}
	srv.Restart()
	waitMode(t, s, wxaredis.ModeCluster)
	r2 := wxa.CodeRequest{API: wxa.APIGet, Path: "pages/a?x=2"}
	if _, err := l.LoadShared(ctx, r2, r2.Key(), func(context.Context) ([]byte, error) { return []byte("online"), nil }); err != nil {
		t.Fatal(err)
	}
	if n, err := q.Used(ctx); n != 2 || err != nil {
		t.Fatalf("Used = %d, %v after one call offline and one online; want 2", n, err)
	}
}
