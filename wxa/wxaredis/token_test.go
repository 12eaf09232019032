package wxaredis_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/haibao/haibao/internal/redistest"
	"github.com/haibao/haibao/wxa"
	"github.com/haibao/haibao/wxa/wxaredis"
	"github.com/haibao/haibao/wxa/wxatest"
)

// TestLegacyTokenSharedAcrossInstances: in legacy mode (/cgi-bin/token
// retires the previous token on every call) three instances make one
// token call, and when WeChat refuses that token on all of them at once,
// exactly one refetch happens cluster-wide.
func TestLegacyTokenSharedAcrossInstances(t *testing.T) {
	srv := redistest.Start(t)
	fake := wxatest.NewServer(wxatest.Options{})
	defer fake.Close()
	var clients []*wxa.Client
	var sources []*wxaredis.Tokens
	for range 3 {
		s := open(t, srv, 3)
		ts, err := s.NewTokens(wxaredis.TokenConfig{Legacy: true, TokenConfig: wxa.TokenConfig{AppID: wxatest.DefaultAppID, Secret: wxatest.DefaultSecret, BaseURL: fake.URL}})
		if err != nil {
			t.Fatal(err)
		}
		c, err := wxa.New(wxa.Config{AppID: wxatest.DefaultAppID, Secret: wxatest.DefaultSecret, BaseURL: fake.URL, Tokens: ts, Cache: wxa.NewMemoryCache(1 << 20)})
		if err != nil {
			t.Fatal(err)
		}
		clients, sources = append(clients, c), append(sources, ts)
	}
	round := func(name string) {
		t.Helper()
		var wg sync.WaitGroup
		for i := range 9 {
			wg.Go(func() {
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()
				r := wxa.CodeRequest{API: wxa.APIUnlimited, Page: "pages/index", Scene: fmt.Sprintf("%s%d", name, i)}
				if _, err := clients[i%3].Code(ctx, r); err != nil {
					t.Errorf("%s code %d: %v", name, i, err)
				}
			})
		}
		wg.Wait()
	}
	round("a")
	if n := fake.Stats().TokenCalls; n != 1 {
		t.Fatalf("%d legacy token calls from 3 instances, want 1", n)
	}
	tok, err := sources[0].Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range sources[1:] {
		if other, _ := s.Token(context.Background()); other != tok {
			t.Fatal("instances hold different tokens")
		}
	}
	// WeChat refuses the token everywhere (as after a refresh elsewhere):
	// each instance reports it, one refetches.
	fake.RetireTokens()
	round("b")
	if n := fake.Stats().TokenCalls; n != 2 {
		t.Fatalf("%d legacy token calls after the token was refused on 3 instances, want 2", n)
	}
	// A late report of the old token must not drop the new one.
	sources[2].Invalidate(tok)
	round("c")
	if n := fake.Stats().TokenCalls; n != 2 {
		t.Fatalf("%d token calls after a stale refusal, want still 2", n)
	}
}
