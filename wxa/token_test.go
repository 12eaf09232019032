package wxa_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/haibao/haibao/wxa"
	"github.com/haibao/haibao/wxa/wxatest"
)

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

// TestTokenFailureIsRemembered: with a wrong secret, callers get the last
// failure without a call until the next attempt is due; the pause doubles
// from about 1 s up to 5 min.
func TestTokenFailureIsRemembered(t *testing.T) {
	fake := wxatest.NewServer(wxatest.Options{})
	defer fake.Close()
	clk := newClock()
	src, err := wxa.NewStableTokenSource(wxa.TokenConfig{AppID: wxatest.DefaultAppID, Secret: "wrong-secret-value", BaseURL: fake.URL, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	burst := func(step string, wantCalls int) {
		t.Helper()
		for range 100 {
			if _, err := src.Token(ctx); !errors.Is(err, wxa.ErrCredentials) {
				t.Fatalf("%s: err = %v, want ErrCredentials", step, err)
			}
		}
		if n := fake.Stats().StableTokenCalls; n != wantCalls {
			t.Errorf("%s: %d token calls, want %d", step, n, wantCalls)
		}
	}
	burst("first 100 calls", 1)
	clk.add(400 * time.Millisecond) // the first pause is 0.5–1 s
	burst("within the first pause", 1)
	clk.add(600 * time.Millisecond)
	burst("after 1 s", 2)
	clk.add(2 * time.Second) // second pause: 1–2 s
	burst("after 2 s more", 3)
	// The pause grows: after ten failures it is minutes, never above 5.
	for range 10 {
		clk.add(5 * time.Minute)
		src.Token(ctx)
	}
	calls := fake.Stats().StableTokenCalls
	clk.add(90 * time.Second) // below the 2.5-minute floor of a 5-minute pause
	burst("long into the backoff", calls)
	clk.add(5 * time.Minute)
	burst("after the longest pause", calls+1)
}

// TestTokenBackoffResetsOnSuccess: once WeChat answers again, the next
// failure starts again from the shortest pause.
func TestTokenBackoffResetsOnSuccess(t *testing.T) {
	fake := wxatest.NewServer(wxatest.Options{})
	defer fake.Close()
	var down atomic.Bool
	var calls atomic.Int32
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if down.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		fake.Handler().ServeHTTP(w, r)
	}))
	defer front.Close()
	clk := newClock()
	src, _ := wxa.NewLegacyTokenSource(wxa.TokenConfig{AppID: wxatest.DefaultAppID, Secret: wxatest.DefaultSecret, BaseURL: front.URL, Now: clk.Now})
	ctx := context.Background()
	down.Store(true)
	for range 5 {
		clk.add(10 * time.Minute)
		if _, err := src.Token(ctx); err == nil {
			t.Fatal("token while WeChat is down")
		}
	}
	down.Store(false)
	clk.add(10 * time.Minute)
	tok, err := src.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	down.Store(true)
	src.Invalidate(tok)
	if _, err := src.Token(ctx); err == nil {
		t.Fatal("token while WeChat is down")
	}
	before := calls.Load()
	clk.add(time.Second)
	src.Token(ctx)
	if n := calls.Load() - before; n != 1 {
		t.Errorf("%d calls 1 s after the first new failure, want 1 (pause restarted from 1 s)", n)
	}
}

// TestWrongSecretCostsAHandfulOfTokenCalls: readiness probes and code
// requests with a wrong secret, on the real clock.
func TestWrongSecretCostsAHandfulOfTokenCalls(t *testing.T) {
	fake := wxatest.NewServer(wxatest.Options{})
	defer fake.Close()
	c := newClient(t, fake, func(cfg *wxa.Config) { cfg.Secret = "wrong-secret-value" })
	ctx := context.Background()
	for i := range 100 {
		var err error
		if i%2 == 0 {
			err = c.Ready(ctx)
		} else {
			_, err = c.Code(ctx, wxa.CodeRequest{Scene: "s"})
		}
		if !errors.Is(err, wxa.ErrCredentials) {
			t.Fatalf("call %d: err = %v, want ErrCredentials", i, err)
		}
	}
	st := fake.Stats()
	if n := st.StableTokenCalls + st.TokenCalls; n < 1 || n > 5 {
		t.Errorf("100 calls made %d token calls, want 1 to 5", n)
	}
	if st.CodeCalls["getUnlimited"] != 0 {
		t.Errorf("code calls without a token: %d", st.CodeCalls["getUnlimited"])
	}
}
