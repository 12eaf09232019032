package server

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/haibao/haibao/internal/wxcode"
	"github.com/haibao/haibao/poster"
	"github.com/haibao/haibao/wxa"
	"github.com/haibao/haibao/wxa/wxatest"
)

const shopAppID, shopSecret = "wx1111shop1111app", "shop-secret-0123456789"

const appLayout = "canvas: {width: 400, height: 400}\nelements:\n  - {id: qr, type: code, page: pages/index, scene: \"{{s}}\", size: 300}\n"

// twoApps serves the layouts plain (no app) and shop (app: shop) with two
// mini programs, main (the default) and shop, against one fake WeChat.
func twoApps(t *testing.T) (*Server, *wxatest.Server) {
	t.Helper()
	fake := wxatest.NewServer(wxatest.Options{Apps: map[string]string{shopAppID: shopSecret}})
	t.Cleanup(fake.Close)
	cache := wxa.NewMemoryCache(4 << 20) // shared: the keys must keep the apps apart
	clients := map[string]*wxa.Client{}
	for name, cred := range map[string][2]string{"main": {wxatest.DefaultAppID, wxatest.DefaultSecret}, "shop": {shopAppID, shopSecret}} {
		c, err := wxa.New(wxa.Config{AppID: cred[0], Secret: cred[1], BaseURL: fake.URL, Cache: cache, Backoff: time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		clients[name] = c
	}
	apps, err := wxa.NewApps("main", clients)
	if err != nil {
		t.Fatal(err)
	}
	engine, err := poster.NewEngine(poster.Config{Codes: wxcode.Source{Apps: apps}, Apps: apps.Names()})
	if err != nil {
		t.Fatal(err)
	}
	var ls []*poster.Layout
	for name, src := range map[string]string{"plain.yaml": appLayout, "shop.yaml": "app: shop\n" + appLayout} {
		l, err := engine.ParseLayout(fstest.MapFS{}, name, []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		ls = append(ls, l)
	}
	cfg := DefaultConfig()
	cfg.RequestTimeout, cfg.QueueWait = 2*time.Minute, time.Minute
	srv, err := New(cfg, Deps{Engine: engine, Layouts: ls, Apps: apps})
	if err != nil {
		t.Fatal(err)
	}
	return srv, fake
}

// TestTwoAppsEachCodeFromItsOwnApp: the layout's app, the request's app or
// the default app makes each code, as the fake's per-appid counters show;
// unknown apps and an app that contradicts the layout are refused before
// any call.
func TestTwoAppsEachCodeFromItsOwnApp(t *testing.T) {
	srv, fake := twoApps(t)
	do := func(method, target, body string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, httptest.NewRequest(method, target, strings.NewReader(body)))
		return rec
	}
	calls := func() (main, shop int) {
		st := fake.Stats().AppCodeCalls
		return st[wxatest.DefaultAppID]["getUnlimited"], st[shopAppID]["getUnlimited"]
	}
	for _, tc := range []struct {
		method, target, body string
		status               int
		code                 string // error code, "" for success
		message              string
		main, shop           int // calls by appid so far
	}{
		{"POST", "/v1/posters/plain", `{"data": {"s": "a1"}}`, 200, "", "", 1, 0},
		{"POST", "/v1/posters/plain", `{"data": {"s": "a1"}, "app": "main"}`, 200, "", "", 1, 0}, // the default by name: cached
		{"POST", "/v1/posters/plain", `{"data": {"s": "a1"}, "app": "shop"}`, 200, "", "", 1, 1},
		{"POST", "/v1/posters/shop", `{"data": {"s": "b2"}}`, 200, "", "", 1, 2},
		{"POST", "/v1/posters/shop", `{"data": {"s": "b2"}, "app": "shop"}`, 200, "", "", 1, 2},
		{"POST", "/v1/posters/shop", `{"data": {"s": "c3"}, "app": "main"}`, 400, CodeInvalidData,
			`app: the request asks for app "main", layout "shop" makes codes for app "shop"`, 1, 2},
		{"POST", "/v1/posters/plain", `{"data": {"s": "c3"}, "app": "game"}`, 422, CodeUnknownApp,
			`no mini program named "game" is configured (known: main, shop)`, 1, 2},
		{"POST", "/v1/posters/plain", `{"data": {"s": "c3"}, "app": 7}`, 400, CodeInvalidData, "app must be the name of a mini program", 1, 2},
		{"GET", "/v1/codes?page=pages/index&scene=d4&app=shop", "", 200, "", "", 1, 3},
		{"GET", "/v1/codes?page=pages/index&scene=d4", "", 200, "", "", 2, 3},
		{"GET", "/v1/codes?page=pages/index&scene=d4&app=game", "", 422, CodeUnknownApp,
			`no mini program named "game" is configured (known: main, shop)`, 2, 3},
	} {
		rec := do(tc.method, tc.target, tc.body)
		if rec.Code != tc.status {
			t.Fatalf("%s %s %s: %d %s, want %d", tc.method, tc.target, tc.body, rec.Code, rec.Body, tc.status)
		}
		if tc.code != "" {
			var e struct {
				Error struct{ Code, Message string }
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Error.Code != tc.code || e.Error.Message != tc.message {
				t.Errorf("%s %s: error %+v (%v), want %s %q", tc.target, tc.body, e.Error, err, tc.code, tc.message)
			}
		}
		if m, s := calls(); m != tc.main || s != tc.shop {
			t.Fatalf("after %s %s: calls main %d, shop %d; want %d and %d", tc.target, tc.body, m, s, tc.main, tc.shop)
		}
	}

	// One token per app, and readiness looks at both.
	rec := do("GET", "/readyz", "")
	if rec.Code != http.StatusOK || fake.Stats().StableTokenCalls != 2 {
		t.Errorf("readyz: %d %s; %d token calls, want one per app", rec.Code, rec.Body, fake.Stats().StableTokenCalls)
	}
}

func TestLayoutListNamesTheApp(t *testing.T) {
	srv, _ := twoApps(t)
	rec := httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/v1/layouts", nil))
	var got struct {
		Layouts []struct{ Name, App string }
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || len(got.Layouts) != 2 {
		t.Fatalf("%d %s (%v)", rec.Code, rec.Body, err)
	}
	if l := got.Layouts; l[0].Name != "plain" || l[0].App != "" || l[1].Name != "shop" || l[1].App != "shop" {
		t.Errorf("layouts %+v", l)
	}
}
