package wxa_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/haibao/haibao/wxa"
	"github.com/haibao/haibao/wxa/wxatest"
)

// waitFor polls cond with a limit generous enough for two busy cores
// under -race.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for start := time.Now(); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Since(start) > 60*time.Second {
			t.Fatalf("gave up waiting for %s", what)
		}
	}
}

// gate is a WeChat host whose code calls wait until released; tokens and
// the answers come from a fake.
type gate struct {
	*httptest.Server
	fake    *wxatest.Server
	arrived atomic.Int32
	open    chan struct{}
	once    sync.Once
}

// release lets the held calls and every later one through.
func (g *gate) release() { g.once.Do(func() { close(g.open) }) }

func newGate(t *testing.T) *gate {
	g := &gate{fake: wxatest.NewServer(wxatest.Options{}), open: make(chan struct{})}
	g.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.Contains(r.URL.Path, "token") {
			// Read the body first: only then does the server notice the
			// client hanging up, which ends r.Context().
			b, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(b))
			g.arrived.Add(1)
			select {
			case <-g.open:
			case <-r.Context().Done():
				return
			}
		}
		g.fake.Handler().ServeHTTP(w, r)
	}))
	t.Cleanup(func() { g.Server.Close(); g.fake.Close() })
	return g
}

type result struct {
	code *wxa.Code
	err  error
}

func codeAsync(c *wxa.Client, ctx context.Context, req wxa.CodeRequest) chan result {
	ch := make(chan result, 1)
	go func() {
		code, err := c.Code(ctx, req)
		ch <- result{code, err}
	}()
	return ch
}

// receive waits for r with a generous limit.
func receive(t *testing.T, what string, ch chan result) result {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(60 * time.Second):
		t.Fatalf("%s did not return", what)
		return result{}
	}
}

// TestJoinersKeepTheirOwnContext: callers sharing one WeChat call each wait
// with their own context. A joiner that is cancelled or whose deadline
// passes returns at once with its own error; the others still get the code
// from the one call.
func TestJoinersKeepTheirOwnContext(t *testing.T) {
	g := newGate(t)
	c := newClient(t, g.fake, func(cfg *wxa.Config) { cfg.BaseURL = g.URL })
	req := wxa.CodeRequest{Scene: "joined"}

	first := codeAsync(c, context.Background(), req)
	waitFor(t, "the first call to reach WeChat", func() bool { return g.arrived.Load() == 1 })

	cctx, cancel := context.WithCancel(context.Background())
	cancelled := codeAsync(c, cctx, req)
	dctx, dcancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer dcancel()
	hurried := codeAsync(c, dctx, req)
	cancel()

	// Both return while the shared call is still held at the gate.
	if r := receive(t, "the cancelled joiner", cancelled); !errors.Is(r.err, context.Canceled) {
		t.Errorf("cancelled joiner: err = %v, want context.Canceled", r.err)
	}
	if r := receive(t, "the joiner with a short deadline", hurried); !errors.Is(r.err, context.DeadlineExceeded) {
		t.Errorf("joiner with a deadline: err = %v, want context.DeadlineExceeded", r.err)
	}
	late := codeAsync(c, context.Background(), req)
	g.release()
	for name, ch := range map[string]chan result{"first caller": first, "late joiner": late} {
		if r := receive(t, name, ch); r.err != nil || scanCode(t, r.code) != "?scene=joined" {
			t.Errorf("%s: %v", name, r.err)
		}
	}
	if n := g.arrived.Load(); n != 1 {
		t.Errorf("%d calls reached WeChat, want 1", n)
	}
}

// TestFirstCallersDeadlineDoesNotFailJoiners: the caller that started the
// shared call leaves at its deadline; a caller that joined it with more
// time still gets the code.
func TestFirstCallersDeadlineDoesNotFailJoiners(t *testing.T) {
	g := newGate(t)
	c := newClient(t, g.fake, func(cfg *wxa.Config) { cfg.BaseURL = g.URL })
	req := wxa.CodeRequest{Scene: "first"}

	if err := c.Ready(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	first := codeAsync(c, ctx, req)
	waitFor(t, "the first call to reach WeChat", func() bool { return g.arrived.Load() == 1 || ctx.Err() != nil })
	if g.arrived.Load() == 0 {
		t.Skip("the machine took longer than the first caller's deadline to send one call")
	}
	joiner := codeAsync(c, context.Background(), req)
	if r := receive(t, "the first caller", first); !errors.Is(r.err, context.DeadlineExceeded) {
		t.Errorf("first caller: err = %v, want context.DeadlineExceeded", r.err)
	}
	g.release()
	if r := receive(t, "the joiner", joiner); r.err != nil {
		t.Errorf("joiner failed with the first caller: %v", r.err)
	}
	// Normally the joiner shared the first call. Only if it arrived after
	// the first caller had left was a second call made.
	if n := g.arrived.Load(); n > 2 {
		t.Errorf("%d calls reached WeChat", n)
	}
}

// TestSentCallIsKeptWhenEveryCallerLeft: a call already on its way is paid
// for; it finishes and its code is cached even though its only caller gave
// up, so asking again costs nothing.
func TestSentCallIsKeptWhenEveryCallerLeft(t *testing.T) {
	for _, req := range []wxa.CodeRequest{{Scene: "left"}, {API: wxa.APIGet, Path: "pages/left"}} {
		g := newGate(t)
		c := newClient(t, g.fake, func(cfg *wxa.Config) { cfg.BaseURL = g.URL })
		ctx, cancel := context.WithCancel(context.Background())
		ch := codeAsync(c, ctx, req)
		waitFor(t, "the call to reach WeChat", func() bool { return g.arrived.Load() == 1 })
		cancel()
		if r := receive(t, "the caller", ch); !errors.Is(r.err, context.Canceled) {
			t.Errorf("%s: err = %v, want context.Canceled", req.API, r.err)
		}
		g.release()
		waitFor(t, "the code to be cached", func() bool {
			ok, err := c.Cached(context.Background(), req)
			return err == nil && ok
		})
		code, err := c.Code(context.Background(), req)
		if err != nil || !code.Cached || g.arrived.Load() != 1 {
			t.Errorf("%s: asking again: %v, cached=%v, calls %d", req.API, err, code != nil && code.Cached, g.arrived.Load())
		}
	}
}
