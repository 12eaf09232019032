package wxa_test

import (
	"context"
	"errors"
	"testing"

	"github.com/haibao/haibao/wxa"
	"github.com/haibao/haibao/wxa/wxatest"
)

// TestAppsRouteToTheirOwnApp: two apps against one fake; each code is made
// under its own appid, with its own token, and the same request for the
// two apps is two codes, not one cached for both.
func TestAppsRouteToTheirOwnApp(t *testing.T) {
	const shopID, shopSecret = "wx1111shop1111app", "shop-secret"
	fake := wxatest.NewServer(wxatest.Options{Apps: map[string]string{shopID: shopSecret}})
	defer fake.Close()
	cache := wxa.NewMemoryCache(1 << 20) // one cache for both: the keys must keep them apart
	def := newClient(t, fake, func(c *wxa.Config) { c.Cache = cache })
	shop := newClient(t, fake, func(c *wxa.Config) { c.AppID, c.Secret, c.Cache = shopID, shopSecret, cache })
	apps, err := wxa.NewApps("main", map[string]*wxa.Client{"main": def, "shop": shop})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	req := wxa.CodeRequest{Page: "pages/index", Scene: "a=1"}
	for _, app := range []string{"", "main", "shop", "shop"} {
		code, err := apps.Code(ctx, app, req)
		if err != nil {
			t.Fatalf("app %q: %v", app, err)
		}
		if got := scanCode(t, code); got != "pages/index?scene=a=1" {
			t.Errorf("app %q: code says %q", app, got)
		}
	}
	st := fake.Stats()
	if got := st.AppCodeCalls[wxatest.DefaultAppID]["getUnlimited"]; got != 1 {
		t.Errorf("default app: %d calls, want 1 (\"\" and main are the same app, the second is cached)", got)
	}
	if got := st.AppCodeCalls[shopID]["getUnlimited"]; got != 1 {
		t.Errorf("shop: %d calls, want 1", got)
	}
	if st.StableTokenCalls != 2 {
		t.Errorf("%d token calls, want one per app", st.StableTokenCalls)
	}
	if err := apps.Ready(ctx); err != nil {
		t.Error(err)
	}

	_, err = apps.Code(ctx, "game", req)
	var ue *wxa.UnknownAppError
	if !errors.As(err, &ue) || !errors.Is(err, wxa.ErrUnknownApp) {
		t.Fatalf("unknown app: %v", err)
	}
	if want := `no mini program named "game" is configured (known: main, shop)`; err.Error() != want {
		t.Errorf("message %q, want %q", err, want)
	}
	if apps.Has("game") || !apps.Has("shop") || !apps.Has("") {
		t.Error("Has disagrees with Client")
	}
	if !apps.Lenient().Has("game") {
		t.Error("a lenient router refuses an unknown name")
	}
}

func TestNewAppsRefuses(t *testing.T) {
	fake := wxatest.NewServer(wxatest.Options{})
	defer fake.Close()
	c := newClient(t, fake, nil)
	for _, tc := range []struct {
		def     string
		clients map[string]*wxa.Client
		want    string
	}{
		{"main", map[string]*wxa.Client{"Main": c}, `wxa: app name "Main" must be 1 to 32 lowercase letters, digits, _ or -, starting with a letter`},
		{"main", map[string]*wxa.Client{"main": nil}, `wxa: app "main" has no client`},
		{"other", map[string]*wxa.Client{"main": c}, `wxa: the default app "other" is not among the apps`},
	} {
		if _, err := wxa.NewApps(tc.def, tc.clients); err == nil || err.Error() != tc.want {
			t.Errorf("NewApps(%q) = %v, want %q", tc.def, err, tc.want)
		}
	}
}

func TestValidAppName(t *testing.T) {
	for name, want := range map[string]bool{
		"shop": true, "shop-2": true, "a_b": true, "a": true,
		"": false, "2shop": false, "Shop": false, "shop.x": false, "shop x": false, "商城": false,
		"abcdefghijklmnopqrstuvwxyz012345": true, "abcdefghijklmnopqrstuvwxyz0123456": false,
	} {
		if got := wxa.ValidAppName(name); got != want {
			t.Errorf("ValidAppName(%q) = %v", name, got)
		}
	}
}
