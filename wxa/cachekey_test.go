package wxa_test

import (
	"context"
	"testing"

	"github.com/haibao/haibao/wxa"
	"github.com/haibao/haibao/wxa/wxatest"
)

// TestCacheKeyCoversAppAndHost: clients sharing one permanent cache never
// serve each other's codes when the app or the WeChat host differs.
func TestCacheKeyCoversAppAndHost(t *testing.T) {
	shared := wxa.NewMemoryCache(1 << 20)
	req := wxa.CodeRequest{Page: "pages/a", Scene: "same"}
	ctx := context.Background()

	fake := wxatest.NewServer(wxatest.Options{})
	defer fake.Close()
	other := wxatest.NewServer(wxatest.Options{AppID: "wx1111other1111app"})
	defer other.Close()
	mirror := wxatest.NewServer(wxatest.Options{}) // same app, another host
	defer mirror.Close()

	tests := []struct {
		name   string
		fake   *wxatest.Server
		appID  string
		cached bool
	}{
		{"first fetch", fake, wxatest.DefaultAppID, false},
		{"same app and host", fake, wxatest.DefaultAppID, true},
		{"another app", other, "wx1111other1111app", false},
		{"another host", mirror, wxatest.DefaultAppID, false},
		{"another app again", other, "wx1111other1111app", true},
	}
	for _, tt := range tests {
		c := newClient(t, tt.fake, func(cfg *wxa.Config) { cfg.AppID = tt.appID; cfg.Cache = shared })
		if ok, err := c.Cached(ctx, req); err != nil || ok != tt.cached {
			t.Errorf("%s: Cached = %t, %v; want %t", tt.name, ok, err, tt.cached)
		}
		code, err := c.Code(ctx, req)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if code.Cached != tt.cached {
			t.Errorf("%s: served from cache = %t, want %t", tt.name, code.Cached, tt.cached)
		}
	}
	for _, f := range []*wxatest.Server{fake, other, mirror} {
		if n := f.Stats().CodeCalls["getUnlimited"]; n != 1 {
			t.Errorf("fake %s: %d calls, want 1", f.URL, n)
		}
	}
}

func TestConfigNeedsAppID(t *testing.T) {
	tok := wxa.StaticToken{Fn: func(context.Context) (string, error) { return "t", nil }}
	if err := (wxa.Config{Tokens: tok}).Validate(); err == nil {
		t.Error("a config without AppID passed: codes of different apps would share cache keys")
	}
	if err := (wxa.Config{AppID: "wx1", Tokens: tok}).Validate(); err != nil {
		t.Errorf("AppID with a TokenSource: %v", err)
	}
}
