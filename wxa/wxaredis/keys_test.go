package wxaredis_test

import (
	"context"
	"sort"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/haibao/haibao/internal/redistest"
	"github.com/haibao/haibao/wxa"
	"github.com/haibao/haibao/wxa/wxaredis"
	"github.com/haibao/haibao/wxa/wxatest"
)

// TestTwoAppsKeysUnderTheirOwnHashTag runs two mini programs through one
// Store against the fake, each with its own limiter, quota, shared token
// and code cache, and then reads every key in Redis: each one but the
// instance registry sits under its app's hash tag, and the same request
// for the two apps is two codes, two calls and two quota counts.
func TestTwoAppsKeysUnderTheirOwnHashTag(t *testing.T) {
	const shop, shopSecret = "wx1111shop1111app", "shop-secret"
	srv := redistest.Start(t)
	fake := wxatest.NewServer(wxatest.Options{Apps: map[string]string{shop: shopSecret}})
	defer fake.Close()
	s := open(t, srv, 1)
	ctx := context.Background()
	clients := map[string]*wxa.Client{}
	for id, secret := range map[string]string{wxatest.DefaultAppID: wxatest.DefaultSecret, shop: shopSecret} {
		lim, err := s.NewLimiter(wxaredis.LimiterConfig{AppID: id})
		if err != nil {
			t.Fatal(err)
		}
		q, err := s.NewQuota(ctx, wxaredis.QuotaConfig{AppID: id})
		if err != nil {
			t.Fatal(err)
		}
		codes, err := s.NewCache(wxaredis.CacheConfig{AppID: id, Memory: wxa.NewMemoryCache(1 << 20), Limiter: lim, Quota: q})
		if err != nil {
			t.Fatal(err)
		}
		tc := wxa.TokenConfig{AppID: id, Secret: secret, BaseURL: fake.URL}
		tokens, err := s.NewTokens(wxaredis.TokenConfig{TokenConfig: tc})
		if err != nil {
			t.Fatal(err)
		}
		c, err := wxa.New(wxa.Config{AppID: id, Secret: secret, BaseURL: fake.URL, Cache: codes, Limiter: lim, Tokens: tokens})
		if err != nil {
			t.Fatal(err)
		}
		clients[id] = c
	}
	for id, c := range clients {
		for _, r := range []wxa.CodeRequest{req, {API: wxa.APIGet, Path: "pages/a?i=1"}} {
			if _, err := c.Code(ctx, r); err != nil {
				t.Fatalf("%s: %v", id, err)
			}
		}
	}
	st := fake.Stats()
	for id := range clients {
		if got := st.AppCodeCalls[id]; got["getUnlimited"] != 1 || got["get"] != 1 {
			t.Errorf("fake saw %v for %s; want one call of each API", got, id)
		}
	}

	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr})
	defer rdb.Close()
	all, err := rdb.Keys(ctx, "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(all)
	kinds := map[string][]string{} // appid → the kinds of key it has
	for _, k := range all {
		if k == "haibao:instances" {
			continue
		}
		var id string
		for cand := range clients {
			if strings.HasPrefix(k, "haibao:{wx:"+cand+"}:") {
				id = cand
			}
		}
		if id == "" {
			t.Errorf("key %q is not under an app's hash tag", k)
			continue
		}
		kind := strings.TrimPrefix(k, "haibao:{wx:"+id+"}:")
		if strings.HasPrefix(kind, "code:") {
			kind = "code" // then a digest of the request
		}
		kinds[id] = append(kinds[id], kind)
	}
	for id := range clients {
		// code: two codes; quota: the get count; rate: the GCRA state of
		// each API; token: the shared stable token.
		if got, want := strings.Join(kinds[id], " "), "code code quota rate:get rate:getUnlimited token:stable"; got != want {
			t.Errorf("%s has keys of kinds %q, want %q (all keys: %q)", id, got, want, all)
		}
		n, err := rdb.Get(ctx, "haibao:{wx:"+id+"}:quota").Int()
		if err != nil || n != 1 {
			t.Errorf("%s quota = %d, %v; want 1", id, n, err)
		}
	}
}
