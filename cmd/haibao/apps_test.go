package main

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/haibao/haibao/wxa/wxatest"
)

// secretWord is in every secret of the table below: no message may show it.
const secretWord = "topsecret"

func TestReadApps(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "apps")
	if err := os.WriteFile(file, []byte("# the shops\nshop=wxshop:topsecret1\n\n  mall = wxmall : topsecret2 , outlet=wxoutlet:topsecret3\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big")
	if err := os.WriteFile(big, make([]byte, maxAppsFile+1), 0o600); err != nil {
		t.Fatal(err)
	}
	type app = appCredentials
	for _, tc := range []struct {
		name string
		env  map[string]string
		want []app // every app, the default first
		def  string
		err  string
	}{
		{name: "list", env: map[string]string{"HAIBAO_WECHAT_APPS": "shop=wxshop:topsecret1, game=wx_game-2:topsecret2,"},
			want: []app{{"shop", "wxshop", "topsecret1"}, {"game", "wx_game-2", "topsecret2"}}, def: "shop"},
		{name: "with the default app", env: map[string]string{"HAIBAO_WECHAT_APPID": "wxmain", "HAIBAO_WECHAT_SECRET": "topsecret0",
			"HAIBAO_WECHAT_APPS": "shop=wxshop:topsecret1"},
			want: []app{{"default", "wxmain", "topsecret0"}, {"shop", "wxshop", "topsecret1"}}, def: "default"},
		{name: "an app named default", env: map[string]string{"HAIBAO_WECHAT_APPS": "shop=wxshop:topsecret1,default=wxmain:topsecret0"},
			want: []app{{"shop", "wxshop", "topsecret1"}, {"default", "wxmain", "topsecret0"}}, def: "default"},
		{name: "file", env: map[string]string{"HAIBAO_WECHAT_APPS_FILE": file, "HAIBAO_WECHAT_APPS": "game=wxgame:topsecret4"},
			want: []app{{"game", "wxgame", "topsecret4"}, {"shop", "wxshop", "topsecret1"}, {"mall", "wxmall", "topsecret2"}, {"outlet", "wxoutlet", "topsecret3"}}, def: "game"},
		{name: "secret with colons", env: map[string]string{"HAIBAO_WECHAT_APPS": "shop=wxshop:topsecret:with:colons"},
			want: []app{{"shop", "wxshop", "topsecret:with:colons"}}, def: "shop"},

		{name: "no =", env: map[string]string{"HAIBAO_WECHAT_APPS": "shop=wxshop:topsecret1,wxgame:topsecret2"},
			err: "HAIBAO_WECHAT_APPS: entry 2: want name=appid:secret"},
		{name: "bad name", env: map[string]string{"HAIBAO_WECHAT_APPS": "Shop=wxshop:topsecret1"},
			err: "HAIBAO_WECHAT_APPS: entry 1: want name=appid:secret: the name must be 1 to 32 lowercase letters, digits, _ or -, starting with a letter"},
		{name: "secret before the =", env: map[string]string{"HAIBAO_WECHAT_APPS": "wxshop:topsecret1=shop"},
			err: "HAIBAO_WECHAT_APPS: entry 1: want name=appid:secret: the name must be 1 to 32 lowercase letters, digits, _ or -, starting with a letter"},
		{name: "no secret", env: map[string]string{"HAIBAO_WECHAT_APPS": "shop=wxshop"},
			err: `HAIBAO_WECHAT_APPS: entry 1: app "shop": give both appid and secret, as shop=appid:secret`},
		{name: "no appid", env: map[string]string{"HAIBAO_WECHAT_APPS": "shop=:topsecret1"},
			err: `HAIBAO_WECHAT_APPS: entry 1: app "shop": give both appid and secret, as shop=appid:secret`},
		{name: "bad appid", env: map[string]string{"HAIBAO_WECHAT_APPS": "shop=wx{shop}:topsecret1"},
			err: `HAIBAO_WECHAT_APPS: entry 1: app "shop": the appid must be up to 64 letters, digits, _ or - (WeChat's are wx and 16 hex digits)`},
		{name: "name twice", env: map[string]string{"HAIBAO_WECHAT_APPS": "shop=wxshop:topsecret1,shop=wxother:topsecret2"},
			err: `app name "shop" is given twice`},
		{name: "default twice", env: map[string]string{"HAIBAO_WECHAT_APPID": "wxmain", "HAIBAO_WECHAT_SECRET": "topsecret0", "HAIBAO_WECHAT_APPS": "default=wxother:topsecret1"},
			err: `app name "default" is given twice: HAIBAO_WECHAT_APPID already is the app named default`},
		{name: "appid twice", env: map[string]string{"HAIBAO_WECHAT_APPS": "shop=wxshop:topsecret1,mall=wxshop:topsecret1"},
			err: `apps "shop" and "mall" have the same appid wxshop: name each mini program once, or they would overrun its WeChat budget together`},
		{name: "half default", env: map[string]string{"HAIBAO_WECHAT_APPID": "wxmain", "HAIBAO_WECHAT_APPS": "shop=wxshop:topsecret1"},
			err: errHalfCredentials.Error()},
		{name: "file entry", env: map[string]string{"HAIBAO_WECHAT_APPS_FILE": file, "HAIBAO_WECHAT_APPS": "shop=wxx:topsecret9"},
			err: `app name "shop" is given twice`},
		{name: "no file", env: map[string]string{"HAIBAO_WECHAT_APPS_FILE": filepath.Join(dir, "none")},
			err: "HAIBAO_WECHAT_APPS_FILE: cannot open " + filepath.Join(dir, "none") + ": no such file or directory"},
		{name: "big file", env: map[string]string{"HAIBAO_WECHAT_APPS_FILE": big},
			err: "HAIBAO_WECHAT_APPS_FILE: " + big + " is larger than 64 KB"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := readWechatConfig(envOf(tc.env))
			if tc.err != "" {
				if err == nil || err.Error() != tc.err || !isUsage(err) {
					t.Fatalf("err = %v\nwant %s", err, tc.err)
				}
				if strings.Contains(err.Error(), secretWord) {
					t.Errorf("a secret is in %q", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := c.appList(); !reflect.DeepEqual(got, tc.want) || c.defaultApp() != tc.def || !c.Configured() {
				t.Errorf("apps %+v, default %q\nwant %+v, %q", got, c.defaultApp(), tc.want, tc.def)
			}
		})
	}
}

// TestCodeCommandApps: `haibao code --app` asks the named app's appid, the
// default app without it, and refuses an unknown name as a bad flag.
func TestCodeCommandApps(t *testing.T) {
	fake := wxatest.NewServer(wxatest.Options{Apps: map[string]string{"wxshop": "shop-secret"}})
	defer fake.Close()
	env := fakeEnv(t, fake)
	env["HAIBAO_WECHAT_APPS"] = "shop=wxshop:shop-secret"
	out := filepath.Join(t.TempDir(), "c.png")
	for _, args := range [][]string{{"--app", "shop"}, nil, {"--app", "default"}} {
		args = append([]string{"code", "--page", "pages/index", "--scene", "a=1", "--out", out}, args...)
		if code, _, errs := runCLIEnv(t, context.Background(), env, "", args...); code != exitOK {
			t.Fatalf("%v: exit %d: %s", args, code, errs)
		}
	}
	st := fake.Stats().AppCodeCalls
	if st["wxshop"]["getUnlimited"] != 1 || st[wxatest.DefaultAppID]["getUnlimited"] != 1 {
		t.Errorf("calls by appid %v; want one each (the third code is cached)", st)
	}
	code, _, errs := runCLIEnv(t, context.Background(), env, "", "code", "--scene", "a=1", "--app", "game")
	if code != exitUsage || !strings.Contains(errs, `--app: no mini program named "game" is configured (known: default, shop)`) {
		t.Errorf("unknown app: exit %d, %q", code, errs)
	}
	if strings.Contains(errs, "shop-secret") || strings.Contains(errs, wxatest.DefaultSecret) {
		t.Error("a secret in the output")
	}
}

// TestServeSeveralApps runs serve with two apps against the fake: a layout
// naming shop gets its codes from shop's appid, one naming nobody from the
// default app or the request's; a layout naming an app nobody configured
// stops serve at its line and column; and without credentials every name
// is served by the built-in fake.
func TestServeSeveralApps(t *testing.T) {
	fake := wxatest.NewServer(wxatest.Options{Apps: map[string]string{"wxshop": "shop-secret"}})
	defer fake.Close()
	dir := t.TempDir()
	const body = "canvas: {width: 400, height: 400}\nelements:\n  - {id: qr, type: code, page: pages/index, scene: \"{{s}}\", size: 300}\n"
	write := func(name, src string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("shop.yaml", "app: shop\n"+body)
	write("plain.yaml", body)
	env := fakeEnv(t, fake)
	env["HAIBAO_WECHAT_APPS"] = "shop=wxshop:shop-secret"

	serve := func(env map[string]string, check func(base string)) {
		t.Helper()
		addr := freeAddr(t)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan int, 1)
		go func() {
			code, _, _ := runCLIEnv(t, ctx, env, "", "serve", "--addr", addr, "--layouts", dir)
			done <- code
		}()
		waitHTTP(t, "http://"+addr+"/healthz")
		check("http://" + addr)
		cancel()
		if code := <-done; code != exitOK {
			t.Errorf("serve exit %d", code)
		}
	}
	post := func(base, layout, body string) int {
		resp, err := http.Post(base+"/v1/posters/"+layout, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	serve(env, func(base string) {
		for _, tc := range []struct {
			layout, body string
			status       int
		}{
			{"shop", `{"data": {"s": "a"}}`, 200},
			{"plain", `{"data": {"s": "b"}}`, 200},
			{"plain", `{"data": {"s": "c"}, "app": "shop"}`, 200},
			{"plain", `{"data": {"s": "d"}, "app": "game"}`, 422},
		} {
			if got := post(base, tc.layout, tc.body); got != tc.status {
				t.Errorf("%s %s: %d, want %d", tc.layout, tc.body, got, tc.status)
			}
		}
	})
	st := fake.Stats().AppCodeCalls
	if st["wxshop"]["getUnlimited"] != 2 || st[wxatest.DefaultAppID]["getUnlimited"] != 1 {
		t.Errorf("calls by appid %v; want 2 for shop, 1 for the default app", st)
	}

	// Without credentials the fake answers any app.
	serve(map[string]string{"HAIBAO_CACHE_DIR": t.TempDir()}, func(base string) {
		if got := post(base, "shop", `{"data": {"s": "a"}}`); got != 200 {
			t.Errorf("dev mode, layout naming shop: %d", got)
		}
	})

	write("game.yaml", "name: g\napp: game\n"+body)
	code, _, errs := runCLIEnv(t, context.Background(), env, "", "serve", "--addr", freeAddr(t), "--layouts", dir)
	if code == exitOK || !strings.Contains(errs, `game.yaml:2:6: unknown app "game" (configured: default, shop)`) {
		t.Errorf("layout naming an unknown app: exit %d, %q", code, errs)
	}
}
