package wxaredis_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/haibao/haibao/internal/redistest"
	"github.com/haibao/haibao/wxa"
	"github.com/haibao/haibao/wxa/wxaredis"
)

// TestBudgetHeldAcrossInstances: three instances share one burst; the
// next caller, whose deadline cannot fit the wait, is refused with the
// wait it would need and nothing is reserved for it.
func TestBudgetHeldAcrossInstances(t *testing.T) {
	srv := redistest.Start(t)
	var ls []*wxaredis.Limiter
	for range 3 {
		ls = append(ls, limiter(t, open(t, srv, 3), wxaredis.LimiterConfig{PerMinute: 60, Burst: 6, BulkPerMinute: 60, BulkBurst: 6}))
	}
	for i := range 6 {
		if err := ls[i%3].Wait(deadline(t, 0)); err != nil {
			t.Fatalf("call %d of the burst: %v", i+1, err)
		}
	}
	for i, l := range ls {
		err := l.Wait(deadline(t, 0))
		if !errors.Is(err, wxa.ErrRateLimited) {
			t.Fatalf("instance %d after the burst: err = %v, want ErrRateLimited", i, err)
		}
		d, ok := wxa.RetryAfter(err)
		if !ok || d <= 0 || d > time.Second {
			t.Fatalf("instance %d: RetryAfter = %v, %v; want (0, 1s]", i, d, ok)
		}
		if !strings.Contains(err.Error(), "cluster budget of 60 calls a minute") {
			t.Errorf("message %q does not name the budget", err)
		}
	}
	// A caller that can wait a second gets the next slot.
	start := time.Now()
	if err := ls[0].Wait(deadline(t, 5*time.Second)); err != nil {
		t.Fatal(err)
	}
	if w := time.Since(start); w < 500*time.Millisecond {
		t.Errorf("waited %v for the next slot at 1/s, want about 1 s", w)
	}
}

// TestRateUnderLoad: callers on three instances hammer a budget of
// 6,000/min (100/s, burst 5); Redis's clock lets at most burst + rate ×
// elapsed through.
func TestRateUnderLoad(t *testing.T) {
	srv := redistest.Start(t)
	var ls []*wxaredis.Limiter
	for range 3 {
		ls = append(ls, limiter(t, open(t, srv, 3), wxaredis.LimiterConfig{PerMinute: 6000, Burst: 5}))
	}
	var allowed, denied atomic.Int64
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for i := range 12 {
		wg.Go(func() {
			for ctx.Err() == nil {
				c, cancel := context.WithTimeout(ctx, 1100*time.Millisecond)
				err := ls[i%3].Wait(c)
				cancel()
				switch {
				case err == nil:
					allowed.Add(1)
				case errors.Is(err, wxa.ErrRateLimited):
					denied.Add(1)
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	limit := 5 + int64(elapsed.Seconds()*100) + 1
	t.Logf("allowed %d, denied %d in %v (limit %d)", allowed.Load(), denied.Load(), elapsed, limit)
	if allowed.Load() > limit {
		t.Fatalf("allowed %d calls in %v; the budget allows %d", allowed.Load(), elapsed, limit)
	}
	if allowed.Load() < 50 {
		t.Fatalf("allowed only %d calls in %v at 100/s", allowed.Load(), elapsed)
	}
}

// TestBulkSubBudget: bulk work stops at its own budget while live calls
// still go.
func TestBulkSubBudget(t *testing.T) {
	srv := redistest.Start(t)
	l := limiter(t, open(t, srv, 1), wxaredis.LimiterConfig{PerMinute: 600, Burst: 20, BulkPerMinute: 60, BulkBurst: 2})
	bulk := func() context.Context { return wxa.WithClass(deadline(t, 0), wxa.ClassBulk) }
	for i := range 2 {
		if err := l.Wait(bulk()); err != nil {
			t.Fatalf("bulk call %d: %v", i+1, err)
		}
	}
	err := l.Wait(bulk())
	if !errors.Is(err, wxa.ErrRateLimited) || !strings.Contains(err.Error(), "bulk budget of 60") {
		t.Fatalf("third bulk call: %v, want the bulk budget's refusal", err)
	}
	for i := range 10 {
		if err := l.Wait(deadline(t, 0)); err != nil {
			t.Fatalf("live call %d after bulk ran dry: %v", i+1, err)
		}
	}
}

// TestCooldownReachesEveryInstance: a 45009 seen by one instance pauses
// all of them until the next minute.
func TestCooldownReachesEveryInstance(t *testing.T) {
	srv := redistest.Start(t)
	a := limiter(t, open(t, srv, 2), wxaredis.LimiterConfig{})
	b := limiter(t, open(t, srv, 2), wxaredis.LimiterConfig{})
	earlyInMinute()
	pause := a.Cooldown(context.Background())
	if pause <= 0 || pause > 62*time.Second {
		t.Fatalf("cooldown of %v, want until the next minute (≤ 62 s)", pause)
	}
	err := b.Wait(deadline(t, 0))
	if !errors.Is(err, wxa.ErrRateLimited) || !strings.Contains(err.Error(), "45009") {
		t.Fatalf("other instance during the cooldown: %v", err)
	}
	if d, _ := wxa.RetryAfter(err); d <= 0 || d > pause+time.Second {
		t.Fatalf("RetryAfter %v, want within the cooldown of %v", d, pause)
	}
}

// TestRedisDownFallsBackAndResumes: with Redis gone, live calls use the
// local share of the budget and bulk work pauses; when Redis is back,
// cluster mode resumes without a restart.
func TestRedisDownFallsBackAndResumes(t *testing.T) {
	srv := redistest.Start(t)
	s := open(t, srv, 3)
	l := limiter(t, s, wxaredis.LimiterConfig{PerMinute: 60, Burst: 9})
	srv.Stop()
	waitMode(t, s, wxaredis.ModeLocal)
	for i := range 3 {
		if err := l.Wait(deadline(t, 0)); err != nil {
			t.Fatalf("live call %d in local mode: %v", i+1, err)
		}
	}
	err := l.Wait(deadline(t, 0))
	if !errors.Is(err, wxa.ErrRateLimited) || !strings.Contains(err.Error(), "local share (1/3)") {
		t.Fatalf("fourth live call (burst 9 ÷ 3 instances): %v", err)
	}
	err = l.Wait(wxa.WithClass(deadline(t, 0), wxa.ClassBulk))
	if !errors.Is(err, wxa.ErrRateLimited) || !strings.Contains(err.Error(), "bulk work pauses") {
		t.Fatalf("bulk call in local mode: %v", err)
	}
	// A paused bulk caller goes on by itself once Redis is back.
	done := make(chan error, 1)
	go func() { done <- l.Wait(wxa.WithClass(context.Background(), wxa.ClassBulk)) }()
	srv.Restart()
	waitMode(t, s, wxaredis.ModeCluster)
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("paused bulk call after Redis returned: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("paused bulk call did not resume within 30 s of Redis returning")
	}
}

type limiterCounts struct {
	wxaredis.NopObserver
	mu      sync.Mutex
	waits   map[wxa.Class]int
	denials map[string]int
}

func (o *limiterCounts) LimiterWait(_ string, c wxa.Class, _ time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.waits[c]++
}

func (o *limiterCounts) LimiterDenied(_ string, _ wxa.Class, reason string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.denials[reason]++
}

// TestAppsAreSeparate: two mini programs on one Redis have their own
// budgets (keys under their own hash tag), and the observer sees each
// grant and refusal.
func TestAppsAreSeparate(t *testing.T) {
	srv := redistest.Start(t)
	obs := &limiterCounts{waits: map[wxa.Class]int{}, denials: map[string]int{}}
	s, err := wxaredis.Open(context.Background(), wxaredis.Config{URL: srv.URL(), Observer: obs, Heartbeat: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	waitMode(t, s, wxaredis.ModeCluster)
	var ls []*wxaredis.Limiter
	for _, id := range []string{"wxaaaaaaaaaaaaaaaa", "wxbbbbbbbbbbbbbbbb"} {
		l, err := s.NewLimiter(wxaredis.LimiterConfig{AppID: id, PerMinute: 60, Burst: 2})
		if err != nil {
			t.Fatal(err)
		}
		ls = append(ls, l)
	}
	a, b := ls[0], ls[1]
	for range 2 {
		if err := a.Wait(deadline(t, 0)); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.Wait(deadline(t, 0)); !errors.Is(err, wxa.ErrRateLimited) {
		t.Fatalf("app a after its burst: %v", err)
	}
	a.Cooldown(context.Background())
	for range 2 {
		if err := b.Wait(deadline(t, 0)); err != nil {
			t.Fatalf("app b, untouched by a's budget and cooldown: %v", err)
		}
	}
	if obs.waits[wxa.ClassLive] != 4 || obs.denials["budget"] != 1 {
		t.Fatalf("observer saw waits %v and denials %v; want 4 live grants and 1 budget denial", obs.waits, obs.denials)
	}
	if _, err := s.NewLimiter(wxaredis.LimiterConfig{AppID: "wx}{bad"}); err == nil {
		t.Fatal("an appid with braces was accepted; it would break the hash tag")
	}
}
