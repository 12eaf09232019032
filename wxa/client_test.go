package wxa_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/color"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/haibao/haibao/internal/scan"
	"github.com/haibao/haibao/wxa"
	"github.com/haibao/haibao/wxa/wxatest"
)

func newClient(t *testing.T, fake *wxatest.Server, mod func(*wxa.Config)) *wxa.Client {
	t.Helper()
	cfg := wxa.Config{AppID: wxatest.DefaultAppID, Secret: wxatest.DefaultSecret, BaseURL: fake.URL, Backoff: time.Millisecond}
	if mod != nil {
		mod(&cfg)
	}
	c, err := wxa.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func scanCode(t *testing.T, code *wxa.Code) string {
	t.Helper()
	img, err := code.Image()
	if err != nil {
		t.Fatal(err)
	}
	s, err := scan.QR(img)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestCodeEndToEnd(t *testing.T) {
	fake := wxatest.NewServer(wxatest.Options{Pages: []string{"pages/index", "pages/shop/item"}})
	defer fake.Close()
	c := newClient(t, fake, nil)
	ctx := context.Background()
	tests := []struct {
		req    wxa.CodeRequest
		want   string
		format string
	}{
		{wxa.CodeRequest{Page: "pages/index", Scene: "a=1&b=2"}, "pages/index?scene=a=1&b=2", "jpeg"},
		{wxa.CodeRequest{Page: "pages/shop/item", Scene: "id=9", Transparent: true, Width: 600, LineColor: color.RGBA{R: 20, G: 60, B: 200}}, "pages/shop/item?scene=id=9", "png"},
		{wxa.CodeRequest{API: wxa.APIGet, Path: "pages/index?x=<1>&y=2"}, "pages/index?x=<1>&y=2", "jpeg"},
		{wxa.CodeRequest{API: wxa.APIQRCode, Path: "pages/index?q=1"}, "pages/index?q=1", "jpeg"},
		{wxa.CodeRequest{Page: "pages/unpublished", Scene: "x", NoCheck: true}, "pages/unpublished?scene=x", "jpeg"},
	}
	for _, tt := range tests {
		code, err := c.Code(ctx, tt.req)
		if err != nil {
			t.Fatalf("%+v: %v", tt.req, err)
		}
		if code.Format != tt.format {
			t.Errorf("%+v: format %s, want %s", tt.req, code.Format, tt.format)
		}
		if got := scanCode(t, code); got != tt.want {
			t.Errorf("code says %q, want %q", got, tt.want)
		}
	}
}

// TestValidationCostsNoCall checks every rule that is checked locally.
func TestValidationCostsNoCall(t *testing.T) {
	fake := wxatest.NewServer(wxatest.Options{})
	defer fake.Close()
	c := newClient(t, fake, nil)
	long := strings.Repeat("a", 33)
	tests := []struct {
		name  string
		req   wxa.CodeRequest
		field string
	}{
		{"no scene", wxa.CodeRequest{Page: "pages/a"}, "scene"},
		{"scene too long", wxa.CodeRequest{Scene: long}, "scene"},
		{"scene space", wxa.CodeRequest{Scene: "a b"}, "scene"},
		{"scene chinese", wxa.CodeRequest{Scene: "用户"}, "scene"},
		{"scene percent", wxa.CodeRequest{Scene: "a%20"}, "scene"},
		{"page slash", wxa.CodeRequest{Page: "/pages/a", Scene: "x"}, "page"},
		{"page query", wxa.CodeRequest{Page: "pages/a?x=1", Scene: "x"}, "page"},
		{"width small", wxa.CodeRequest{Scene: "x", Width: 279}, "width"},
		{"width large", wxa.CodeRequest{Scene: "x", Width: 1281}, "width"},
		{"env", wxa.CodeRequest{Scene: "x", EnvVersion: "beta"}, "env_version"},
		{"get without path", wxa.CodeRequest{API: wxa.APIGet}, "path"},
		{"get path too long", wxa.CodeRequest{API: wxa.APIGet, Path: strings.Repeat("p", 1025)}, "path"},
		{"qrcode path too long", wxa.CodeRequest{API: wxa.APIQRCode, Path: strings.Repeat("p", 129)}, "path"},
		{"get with scene", wxa.CodeRequest{API: wxa.APIGet, Path: "p", Scene: "x"}, "scene"},
		{"unlimited with path", wxa.CodeRequest{Scene: "x", Path: "p"}, "path"},
		{"unknown api", wxa.CodeRequest{API: "nope", Scene: "x"}, "api"},
	}
	for _, tt := range tests {
		_, err := c.Code(context.Background(), tt.req)
		var re *wxa.RequestError
		if !errors.As(err, &re) || re.Field != tt.field || !errors.Is(err, wxa.ErrInvalidArgument) {
			t.Errorf("%s: err = %v", tt.name, err)
		}
	}
	if st := fake.Stats(); st.StableTokenCalls+st.TokenCalls+st.CodeCalls["getUnlimited"]+st.CodeCalls["get"]+st.CodeCalls["createQRCode"] != 0 {
		t.Errorf("bad requests reached the server: %+v", st)
	}
	// The longest valid scene with every allowed punctuation passes.
	if _, err := c.Code(context.Background(), wxa.CodeRequest{Scene: "!#$&'()*+,/:;=?@-._~0123456789Ab"}); err != nil {
		t.Errorf("valid scene refused: %v", err)
	}
}

// TestErrcodeClasses injects each documented errcode and checks the class.
func TestErrcodeClasses(t *testing.T) {
	fake := wxatest.NewServer(wxatest.Options{})
	defer fake.Close()
	tests := []struct {
		code  int
		class error
	}{
		{-1, wxa.ErrBusy},
		{40001, wxa.ErrTokenInvalid},
		{40014, wxa.ErrTokenInvalid},
		{42001, wxa.ErrTokenInvalid},
		{41001, wxa.ErrTokenInvalid},
		{40097, wxa.ErrInvalidArgument},
		{47001, wxa.ErrInvalidArgument},
		{40129, wxa.ErrInvalidArgument},
		{40169, wxa.ErrInvalidArgument},
		{40159, wxa.ErrInvalidArgument},
		{41030, wxa.ErrInvalidArgument},
		{40189, wxa.ErrInvalidArgument},
		{85096, wxa.ErrInvalidArgument},
		{45009, wxa.ErrRateLimited},
		{45029, wxa.ErrQuotaExhausted},
		{45063, wxa.ErrNoPermission},
		{40013, wxa.ErrCredentials},
		{99999, wxa.ErrUpstream},
	}
	for i, tt := range tests {
		c := newClient(t, fake, func(cfg *wxa.Config) { cfg.MaxRetries = 1 })
		fake.SetFaults(wxatest.Faults{ErrCode: tt.code})
		_, err := c.Code(context.Background(), wxa.CodeRequest{Scene: fmt.Sprintf("e%d", i)})
		var ae *wxa.APIError
		if !errors.As(err, &ae) || ae.Code != tt.code || !errors.Is(err, tt.class) {
			t.Errorf("errcode %d: err = %v", tt.code, err)
		}
		for _, other := range []error{wxa.ErrBusy, wxa.ErrTokenInvalid, wxa.ErrInvalidArgument, wxa.ErrRateLimited, wxa.ErrQuotaExhausted, wxa.ErrNoPermission} {
			if other != tt.class && errors.Is(err, other) {
				t.Errorf("errcode %d also matches %v", tt.code, other)
			}
		}
	}
	fake.SetFaults(wxatest.Faults{})
}

// TestFakeValidatesLikeWeChat sends what local validation would stop
// straight to the fake, to check it answers like WeChat.
func TestFakeValidatesLikeWeChat(t *testing.T) {
	fake := wxatest.NewServer(wxatest.Options{Pages: []string{"pages/a"}})
	defer fake.Close()
	tok, err := wxa.NewStableTokenSource(wxa.TokenConfig{AppID: wxatest.DefaultAppID, Secret: wxatest.DefaultSecret, BaseURL: fake.URL})
	if err != nil {
		t.Fatal(err)
	}
	token, err := tok.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path, body string
		code       int
	}{
		{"/wxa/getwxacodeunlimit", `{"scene": "a b"}`, 40129},
		{"/wxa/getwxacodeunlimit", `{"scene": "` + strings.Repeat("a", 33) + `"}`, 40169},
		{"/wxa/getwxacodeunlimit", `{"scene": "a", "width": 100}`, 40189},
		{"/wxa/getwxacodeunlimit", `{"scene": "a", "page": "pages/b"}`, 41030},
		{"/wxa/getwxacodeunlimit", `{"scene": "a", "page": "pages/b", "check_path": false}`, 0},
		{"/wxa/getwxacodeunlimit", `{"scene": `, 47001},
		{"/wxa/getwxacode", `{"path": "` + strings.Repeat("p", 1025) + `"}`, 40159},
		{"/cgi-bin/wxaapp/createwxaqrcode", `{"path": "` + strings.Repeat("p", 129) + `"}`, 40159},
	}
	for _, tt := range tests {
		resp, err := http.Post(fake.URL+tt.path+"?access_token="+token, "application/json", strings.NewReader(tt.body))
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		buf.ReadFrom(resp.Body)
		resp.Body.Close()
		isErr := bytes.HasPrefix(buf.Bytes(), []byte("{"))
		if tt.code == 0 {
			if isErr {
				t.Errorf("%s %s: %s", tt.path, tt.body, buf.String())
			}
			continue
		}
		if !strings.Contains(buf.String(), fmt.Sprintf(`"errcode":%d`, tt.code)) {
			t.Errorf("%s %s: got %s, want errcode %d", tt.path, tt.body, buf.String(), tt.code)
		}
	}
	for _, tc := range []struct{ q, want string }{
		{"", `"errcode":41001`},
		{"?access_token=nope", `"errcode":40014`},
	} {
		resp, _ := http.Post(fake.URL+"/wxa/getwxacodeunlimit"+tc.q, "application/json", strings.NewReader(`{"scene":"a"}`))
		var buf bytes.Buffer
		buf.ReadFrom(resp.Body)
		resp.Body.Close()
		if !strings.Contains(buf.String(), tc.want) {
			t.Errorf("token %q: %s", tc.q, buf.String())
		}
	}
}

func TestTokenFetchedOnceUnderConcurrency(t *testing.T) {
	fake := wxatest.NewServer(wxatest.Options{})
	defer fake.Close()
	// 25 codes drawn at once take many seconds on two busy cores under
	// -race: the test is about counting token calls, not about speed.
	c := newClient(t, fake, func(cfg *wxa.Config) {
		cfg.HTTPClient = &http.Client{Timeout: 5 * time.Minute}
		cfg.CallTimeout = 5 * time.Minute
	})
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for i := range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i%4 == 0 {
				_, err := c.Code(context.Background(), wxa.CodeRequest{Scene: fmt.Sprintf("u=%d", i)})
				errs <- err
				return
			}
			errs <- c.Ready(context.Background())
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	st := fake.Stats()
	if st.StableTokenCalls != 1 || st.TokenCalls != 0 || st.CodeCalls["getUnlimited"] != 25 {
		t.Errorf("stats %+v: want one stable_token call and 25 code calls", st)
	}
}

// TestTokenRotation retires every token behind the client's back: the next
// call is refused once, the client drops that token, fetches a new one and
// succeeds.
func TestTokenRotation(t *testing.T) {
	fake := wxatest.NewServer(wxatest.Options{})
	defer fake.Close()
	for _, legacy := range []bool{false, true} {
		ts := wxa.TokenConfig{AppID: wxatest.DefaultAppID, Secret: wxatest.DefaultSecret, BaseURL: fake.URL}
		var src wxa.TokenSource
		var err error
		if legacy {
			src, err = wxa.NewLegacyTokenSource(ts)
		} else {
			src, err = wxa.NewStableTokenSource(ts)
		}
		if err != nil {
			t.Fatal(err)
		}
		c := newClient(t, fake, func(cfg *wxa.Config) { cfg.Tokens = src })
		if _, err := c.Code(context.Background(), wxa.CodeRequest{Scene: fmt.Sprintf("r1%t", legacy)}); err != nil {
			t.Fatal(err)
		}
		before := fake.Stats()
		fake.RetireTokens()
		if _, err := c.Code(context.Background(), wxa.CodeRequest{Scene: fmt.Sprintf("r2%t", legacy)}); err != nil {
			t.Fatalf("after rotation: %v", err)
		}
		after := fake.Stats()
		if got := after.TokensIssued - before.TokensIssued; got != 1 {
			t.Errorf("legacy=%t: %d tokens fetched after rotation, want 1", legacy, got)
		}
		if after.Errors["40001"]-before.Errors["40001"] != 1 {
			t.Errorf("legacy=%t: want exactly one refused call, errors %v", legacy, after.Errors)
		}
	}
}

// TestInvalidateKeepsNewerToken: a caller whose old token failed must not
// drop a newer token another caller already fetched.
func TestInvalidateKeepsNewerToken(t *testing.T) {
	fake := wxatest.NewServer(wxatest.Options{})
	defer fake.Close()
	src, _ := wxa.NewLegacyTokenSource(wxa.TokenConfig{AppID: wxatest.DefaultAppID, Secret: wxatest.DefaultSecret, BaseURL: fake.URL})
	ctx := context.Background()
	first, _ := src.Token(ctx)
	src.Invalidate(first)
	second, _ := src.Token(ctx)
	if first == second {
		t.Fatal("token not refreshed after invalidation")
	}
	src.Invalidate(first) // late report about the old token
	if third, _ := src.Token(ctx); third != second {
		t.Error("invalidating an old token dropped the newer one")
	}
	if st := fake.Stats(); st.TokenCalls != 2 {
		t.Errorf("token calls %d, want 2", st.TokenCalls)
	}
}

func TestBusyIsRetriedWithBackoff(t *testing.T) {
	fake := wxatest.NewServer(wxatest.Options{})
	defer fake.Close()
	c := newClient(t, fake, nil)
	fake.SetFaults(wxatest.Faults{ErrCode: -1, Count: 2})
	if _, err := c.Code(context.Background(), wxa.CodeRequest{Scene: "busy"}); err != nil {
		t.Fatalf("two busy answers then success: %v", err)
	}
	if n := fake.Stats().CodeCalls["getUnlimited"]; n != 3 {
		t.Errorf("calls %d, want 3", n)
	}
	// Busy for longer than the retries: the error surfaces as ErrBusy.
	fake.SetFaults(wxatest.Faults{ErrCode: -1})
	defer fake.SetFaults(wxatest.Faults{})
	if _, err := c.Code(context.Background(), wxa.CodeRequest{Scene: "busy2"}); !errors.Is(err, wxa.ErrBusy) {
		t.Errorf("err = %v, want ErrBusy", err)
	}
	// A backoff longer than what is left of the fetch's budget (30 s) stops
	// retrying at once.
	slow := newClient(t, fake, func(cfg *wxa.Config) { cfg.Backoff = 2 * time.Minute })
	before := fake.Stats().CodeCalls["getUnlimited"]
	if _, err := slow.Code(context.Background(), wxa.CodeRequest{Scene: "busy3"}); !errors.Is(err, wxa.ErrBusy) {
		t.Errorf("err = %v", err)
	}
	if n := fake.Stats().CodeCalls["getUnlimited"] - before; n != 1 {
		t.Errorf("calls %d with a backoff beyond the budget, want 1", n)
	}
	// A caller whose deadline comes first gets its own deadline back.
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := newClient(t, fake, func(cfg *wxa.Config) { cfg.Backoff = time.Second }).Code(ctx, wxa.CodeRequest{Scene: "busy4"}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("short deadline: err = %v, want context.DeadlineExceeded", err)
	}
}

func TestTruncatedAndHTTPErrorsAreNotCached(t *testing.T) {
	fake := wxatest.NewServer(wxatest.Options{})
	defer fake.Close()
	c := newClient(t, fake, nil)
	fake.SetFaults(wxatest.Faults{Truncate: true, Count: 1})
	if _, err := c.Code(context.Background(), wxa.CodeRequest{Scene: "t"}); !errors.Is(err, wxa.ErrUpstream) {
		t.Fatalf("truncated: err = %v", err)
	}
	if code, err := c.Code(context.Background(), wxa.CodeRequest{Scene: "t"}); err != nil || code.Cached {
		t.Fatalf("after truncation: %v cached=%v", err, code != nil && code.Cached)
	}
	fake.SetFaults(wxatest.Faults{HTTPStatus: 500, Count: 1})
	if _, err := c.Code(context.Background(), wxa.CodeRequest{Scene: "h"}); !errors.Is(err, wxa.ErrUpstream) {
		t.Fatalf("HTTP 500: err = %v", err)
	}
}

func TestFailoverToBackupHost(t *testing.T) {
	fake := wxatest.NewServer(wxatest.Options{})
	defer fake.Close()
	var down atomic.Int32
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Path, "token") {
			fake.Handler().ServeHTTP(w, r)
			return
		}
		down.Add(1)
		w.WriteHeader(http.StatusBadGateway)
	}))
	defer broken.Close()
	c := newClient(t, fake, func(cfg *wxa.Config) {
		cfg.BaseURL = broken.URL
		cfg.BackupURLs = []string{"http://127.0.0.1:1", fake.URL}
	})
	code, err := c.Code(context.Background(), wxa.CodeRequest{Scene: "f"})
	if err != nil {
		t.Fatal(err)
	}
	if scanCode(t, code) != "?scene=f" || down.Load() != 1 {
		t.Errorf("primary calls %d", down.Load())
	}
}

func TestCacheAndSingleflight(t *testing.T) {
	fake := wxatest.NewServer(wxatest.Options{})
	defer fake.Close()
	fake.SetFaults(wxatest.Faults{LatencyMS: 100})
	c := newClient(t, fake, nil)
	var wg sync.WaitGroup
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.Code(context.Background(), wxa.CodeRequest{Page: "pages/a", Scene: "same"}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if n := fake.Stats().CodeCalls["getUnlimited"]; n != 1 {
		t.Errorf("50 identical requests made %d upstream calls, want 1", n)
	}
	code, err := c.Code(context.Background(), wxa.CodeRequest{Page: "pages/a", Scene: "same"})
	if err != nil || !code.Cached {
		t.Errorf("second request not served from cache: %v", err)
	}
	// Any parameter that changes the picture is a different entry.
	if _, err := c.Code(context.Background(), wxa.CodeRequest{Page: "pages/a", Scene: "same", Width: 500}); err != nil {
		t.Fatal(err)
	}
	if n := fake.Stats().CodeCalls["getUnlimited"]; n != 2 {
		t.Errorf("width change made %d calls in all, want 2", n)
	}
	// Limited codes are cached too: each call burns lifetime quota.
	for range 3 {
		if _, err := c.Code(context.Background(), wxa.CodeRequest{API: wxa.APIGet, Path: "pages/a?x=1"}); err != nil {
			t.Fatal(err)
		}
	}
	if n := fake.Stats().CodeCalls["get"]; n != 1 {
		t.Errorf("get called %d times, want 1", n)
	}
}

func TestDiskCacheSurvivesRestart(t *testing.T) {
	fake := wxatest.NewServer(wxatest.Options{})
	defer fake.Close()
	dir := t.TempDir()
	mk := func() *wxa.Client {
		disk, err := wxa.NewDiskCache(dir)
		if err != nil {
			t.Fatal(err)
		}
		return newClient(t, fake, func(cfg *wxa.Config) { cfg.Cache = wxa.Layered{wxa.NewMemoryCache(1 << 20), disk} })
	}
	if _, err := mk().Code(context.Background(), wxa.CodeRequest{Scene: "disk"}); err != nil {
		t.Fatal(err)
	}
	code, err := mk().Code(context.Background(), wxa.CodeRequest{Scene: "disk"})
	if err != nil || !code.Cached || scanCode(t, code) != "?scene=disk" {
		t.Fatalf("restart: %v cached=%v", err, code != nil && code.Cached)
	}
	if n := fake.Stats().CodeCalls["getUnlimited"]; n != 1 {
		t.Errorf("%d calls, want 1", n)
	}
}

func TestMemoryCacheBound(t *testing.T) {
	m := wxa.NewMemoryCache(100)
	ctx := context.Background()
	for i := range 10 {
		m.Set(ctx, fmt.Sprint(i), make([]byte, 30))
	}
	if m.Len() != 3 {
		t.Errorf("len %d, want 3", m.Len())
	}
	if _, ok, _ := m.Get(ctx, "9"); !ok {
		t.Error("newest entry evicted")
	}
	if _, ok, _ := m.Get(ctx, "0"); ok {
		t.Error("oldest entry kept")
	}
}

func TestRateLimiter(t *testing.T) {
	fake := wxatest.NewServer(wxatest.Options{})
	defer fake.Close()
	// One a minute, burst 1: the second call's slot lies beyond the fetch's
	// 30 s budget, so it is refused at once instead of waiting.
	c := newClient(t, fake, func(cfg *wxa.Config) { cfg.Limiter = wxa.NewRateLimiter(1) })
	ctx := context.Background()
	if _, err := c.Code(ctx, wxa.CodeRequest{Scene: "l1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Code(ctx, wxa.CodeRequest{Scene: "l2"}); !errors.Is(err, wxa.ErrRateLimited) {
		t.Errorf("second call within the minute: %v", err)
	}
	if n := fake.Stats().CodeCalls["getUnlimited"]; n != 1 {
		t.Errorf("%d calls reached WeChat, want 1", n)
	}
	// The fake enforces WeChat's own per-minute limit.
	strict := wxatest.NewServer(wxatest.Options{RatePerMinute: 2})
	defer strict.Close()
	c2 := newClient(t, strict, nil)
	var last error
	for i := range 3 {
		_, last = c2.Code(context.Background(), wxa.CodeRequest{Scene: fmt.Sprint("x", i)})
	}
	if !errors.Is(last, wxa.ErrRateLimited) {
		t.Errorf("third call: %v", last)
	}
}

func TestQuotaExhausted(t *testing.T) {
	fake := wxatest.NewServer(wxatest.Options{Quota: 2})
	defer fake.Close()
	c := newClient(t, fake, nil)
	var last error
	for i, api := range []wxa.API{wxa.APIGet, wxa.APIQRCode, wxa.APIGet} {
		_, last = c.Code(context.Background(), wxa.CodeRequest{API: api, Path: fmt.Sprint("pages/a?i=", i)})
	}
	if !errors.Is(last, wxa.ErrQuotaExhausted) {
		t.Errorf("third limited code: %v", last)
	}
}

// TestSecretsStayOut checks that neither the secret nor a token appears
// in errors or logs, even when calls fail.
func TestSecretsStayOut(t *testing.T) {
	fake := wxatest.NewServer(wxatest.Options{})
	defer fake.Close()
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c := newClient(t, fake, func(cfg *wxa.Config) { cfg.Logger = logger; cfg.BackupURLs = []string{"http://127.0.0.1:1"} })
	var msgs []string
	fake.SetFaults(wxatest.Faults{ErrCode: -1, Count: 1})
	if _, err := c.Code(context.Background(), wxa.CodeRequest{Scene: "s1"}); err != nil {
		msgs = append(msgs, err.Error())
	}
	fake.SetFaults(wxatest.Faults{HTTPStatus: 503})
	_, err := c.Code(context.Background(), wxa.CodeRequest{Scene: "s2"})
	fake.SetFaults(wxatest.Faults{})
	if err == nil {
		t.Fatal("want an error from an unreachable backup")
	}
	msgs = append(msgs, err.Error())
	// Legacy tokens travel in the query string; a transport error must not
	// repeat the URL.
	legacy, _ := wxa.NewLegacyTokenSource(wxa.TokenConfig{AppID: wxatest.DefaultAppID, Secret: wxatest.DefaultSecret, BaseURL: "http://127.0.0.1:1"})
	if _, err := legacy.Token(context.Background()); err != nil {
		msgs = append(msgs, err.Error())
	}
	bad, _ := wxa.NewStableTokenSource(wxa.TokenConfig{AppID: wxatest.DefaultAppID, Secret: "wrong-secret-value", BaseURL: fake.URL})
	if _, err := bad.Token(context.Background()); !errors.Is(err, wxa.ErrCredentials) {
		t.Errorf("bad secret: %v", err)
	} else {
		msgs = append(msgs, err.Error())
	}
	all := strings.Join(msgs, "\n") + logs.String()
	for _, secret := range []string{wxatest.DefaultSecret, "wrong-secret-value", "FAKE_"} {
		if strings.Contains(all, secret) {
			t.Errorf("%q leaked into errors or logs:\n%s", secret, all)
		}
	}
	if len(msgs) < 3 {
		t.Errorf("expected errors to inspect, got %q", msgs)
	}
}

type classLimiter struct{ got chan wxa.Class }

func (l classLimiter) Wait(ctx context.Context) error {
	l.got <- wxa.ClassOf(ctx)
	return nil
}

// TestClassReachesLimiter: the class a caller marks its ctx with is what
// the Limiter sees for the shared call.
func TestClassReachesLimiter(t *testing.T) {
	fake := wxatest.NewServer(wxatest.Options{})
	defer fake.Close()
	lim := classLimiter{got: make(chan wxa.Class, 2)}
	c := newClient(t, fake, func(cfg *wxa.Config) { cfg.Limiter = lim })
	if _, err := c.Code(wxa.WithClass(context.Background(), wxa.ClassBulk), wxa.CodeRequest{Scene: "bulk"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Code(context.Background(), wxa.CodeRequest{Scene: "live"}); err != nil {
		t.Fatal(err)
	}
	if a, b := <-lim.got, <-lim.got; a != wxa.ClassBulk || b != wxa.ClassLive {
		t.Errorf("limiter saw classes %v, %v; want bulk, live", a, b)
	}
}
