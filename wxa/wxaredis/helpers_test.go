package wxaredis_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"testing"
	"time"

	"github.com/haibao/haibao/internal/redistest"
	"github.com/haibao/haibao/wxa/wxaredis"
)

const appid = "wx0000fake0000app"

// open connects one "instance" to srv.
func open(t *testing.T, srv *redistest.Server, instances int) *wxaredis.Store {
	t.Helper()
	s, err := wxaredis.Open(context.Background(), wxaredis.Config{URL: srv.URL(), Instances: instances, Heartbeat: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	waitMode(t, s, wxaredis.ModeCluster)
	return s
}

// waitMode polls with a generous limit: a busy machine under -race may be
// slow, but the switch must come.
func waitMode(t *testing.T, s *wxaredis.Store, want wxaredis.Mode) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for s.Mode() != want {
		if time.Now().After(deadline) {
			t.Fatalf("mode is %s after 30 s, want %s", s.Mode(), want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func limiter(t *testing.T, s *wxaredis.Store, cfg wxaredis.LimiterConfig) *wxaredis.Limiter {
	t.Helper()
	cfg.AppID = appid
	l, err := s.NewLimiter(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// deadline is a context whose deadline leaves no time to wait: CallTime of
// 1 s plus d.
func deadline(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second+d)
	t.Cleanup(cancel)
	return ctx
}

func sha(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// earlyInMinute waits, if needed, for the first half of a minute. A 45009
// pauses calls until the next minute, so a test that checks the pause
// must start it with more of the minute left than its callers may wait;
// otherwise they wait the pause out and succeed.
func earlyInMinute() {
	for time.Now().Second() > 30 {
		time.Sleep(time.Second)
	}
}
