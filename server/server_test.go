package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	_ "image/jpeg"
	"image/png"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	_ "golang.org/x/image/webp"
	"gopkg.in/yaml.v3"

	"github.com/gin-gonic/gin"

	"github.com/haibao/haibao/internal/scan"
	"github.com/haibao/haibao/internal/testimg"
	"github.com/haibao/haibao/internal/wxcode"
	"github.com/haibao/haibao/layouts"
	"github.com/haibao/haibao/poster"
	"github.com/haibao/haibao/remote"
	"github.com/haibao/haibao/signurl"
	"github.com/haibao/haibao/wxa"
	"github.com/haibao/haibao/wxa/wxatest"
)

var signKey = []byte("test-signing-key-0123456789")

type harness struct {
	t    *testing.T
	fake *wxatest.Server
	srv  *Server
	logs *bytes.Buffer
	mu   *sync.Mutex
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// newHarness serves the sample layouts with DefaultConfig changed by set.
func newHarness(t *testing.T, set func(*Config), imageHosts ...string) *harness {
	t.Helper()
	return newHarnessWith(t, harnessOptions{set: set, imageHosts: imageHosts})
}

type harnessOptions struct {
	set        func(*Config)
	imageHosts []string
	images     poster.ImageSource // instead of a remote loader
	codes      poster.CodeSource  // instead of the WeChat client
	wechatURL  string             // instead of the fake WeChat
	extra      map[string]string  // more layouts, by file name, beside the samples
	storage    Store
	storedDir  string
	// jobs, when set, builds the /v1/jobs handler from the engine, the
	// layouts and the metrics.
	jobs func(*poster.Engine, []*poster.Layout, *Metrics) http.Handler
}

func newHarnessWith(t *testing.T, o harnessOptions) *harness {
	t.Helper()
	fake := wxatest.NewServer(wxatest.Options{})
	t.Cleanup(fake.Close)
	metrics := NewMetrics()
	base := fake.URL
	if o.wechatURL != "" {
		base = o.wechatURL
	}
	client, err := wxa.New(wxa.Config{AppID: wxatest.DefaultAppID, Secret: wxatest.DefaultSecret, BaseURL: base, Observer: metrics, Backoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ecfg := poster.Config{Images: o.images, Codes: o.codes}
	if ecfg.Images == nil {
		loader, err := remote.New(remote.Config{AllowHosts: o.imageHosts, MaxPixels: 4_000_000})
		if err != nil {
			t.Fatal(err)
		}
		ecfg.Images = loader
	}
	if ecfg.Codes == nil {
		ecfg.Codes = wxcode.Source{Client: client}
	}
	engine, err := poster.NewEngine(ecfg)
	if err != nil {
		t.Fatal(err)
	}
	ls, err := engine.LoadDir(layouts.FS)
	if err != nil {
		t.Fatal(err)
	}
	for name, src := range o.extra {
		l, err := engine.ParseLayout(fstest.MapFS{}, name, []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		ls = append(ls, l)
	}
	logs, mu := &bytes.Buffer{}, &sync.Mutex{}
	cfg := DefaultConfig()
	cfg.SigningKeys = [][]byte{signKey}
	// Generous for -race on two busy cores: a test that wants a timeout
	// sets its own.
	cfg.RequestTimeout, cfg.QueueWait = 2*time.Minute, time.Minute
	if o.set != nil {
		o.set(&cfg)
	}
	d := Deps{StoredDir: o.storedDir, Engine: engine, Layouts: ls, WeChat: client, Metrics: metrics, Storage: o.storage,
		Logger: slog.New(slog.NewJSONHandler(lockedWriter{mu, logs}, nil))}
	if o.jobs != nil {
		d.Jobs = o.jobs(engine, ls, metrics)
	}
	srv, err := New(cfg, d)
	if err != nil {
		t.Fatal(err)
	}
	return &harness{t: t, fake: fake, srv: srv, logs: logs, mu: mu}
}

func (h *harness) do(method, target string, body string, header ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.srv.Handler().ServeHTTP(rec, req)
	return rec
}

func sampleBody(t *testing.T, layout string, extra string) string {
	t.Helper()
	b, _ := layouts.FS.ReadFile(layout + ".yaml")
	var doc struct {
		Sample map[string]any `yaml:"sample"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	data, _ := json.Marshal(doc.Sample)
	return `{"data": ` + string(data) + extra + `}`
}

func errorCode(t *testing.T, rec *httptest.ResponseRecorder) (string, string) {
	t.Helper()
	var b errorBody
	if err := json.Unmarshal(rec.Body.Bytes(), &b); err != nil {
		t.Fatalf("error body is not JSON: %q", rec.Body.String())
	}
	return b.Error.Code, b.Error.Message
}

func TestPostPosterFormatsAndETag(t *testing.T) {
	h := newHarness(t, nil)
	for _, tc := range []struct{ format, ctype string }{{"png", "image/png"}, {"jpeg", "image/jpeg"}, {"webp", "image/webp"}} {
		rec := h.do("POST", "/v1/posters/product", sampleBody(t, "product", `, "format": "`+tc.format+`", "quality": 80`))
		if rec.Code != 200 || rec.Header().Get("Content-Type") != tc.ctype {
			t.Fatalf("%s: %d %s %s", tc.format, rec.Code, rec.Header().Get("Content-Type"), rec.Body.String())
		}
		img, _, err := image.Decode(rec.Body)
		if err != nil || img.Bounds().Dx() != 750 {
			t.Fatalf("%s: %v", tc.format, err)
		}
		etag := rec.Header().Get("ETag")
		if etag == "" || !strings.Contains(rec.Header().Get("Cache-Control"), "max-age") {
			t.Errorf("%s: headers %v", tc.format, rec.Header())
		}
		again := h.do("POST", "/v1/posters/product", sampleBody(t, "product", `, "format": "`+tc.format+`", "quality": 80`), "If-None-Match", etag)
		if again.Code != http.StatusNotModified || again.Body.Len() != 0 {
			t.Errorf("%s: If-None-Match gave %d", tc.format, again.Code)
		}
	}
	// Scale 2 draws twice as wide; the code still scans.
	rec := h.do("POST", "/v1/posters/invite", sampleBody(t, "invite", `, "scale": 2`))
	img, err := png.Decode(rec.Body)
	if err != nil || img.Bounds().Dx() != 1500 {
		t.Fatalf("scale 2: %v", err)
	}
}

// signedURL is a signed GET URL for the invite sample, with extra query
// parameters appended after signing.
func signedURL(t *testing.T, ext, extra string) string {
	t.Helper()
	data := map[string]any{"nickname": "小明", "event": "e", "time": "t", "place": "p", "page": "pages/a", "scene": "s=1"}
	u, err := signurl.URL("", signKey, signurl.Poster{Layout: "invite", Ext: ext, Data: data, Expires: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	return u + extra
}

// signedWith signs p for the invite sample (layout, data and expiry filled
// in), so the service sees values the signature covers.
func signedWith(t *testing.T, p signurl.Poster) string {
	t.Helper()
	p.Layout = "invite"
	p.Data = map[string]any{"nickname": "小明", "event": "e", "time": "t", "place": "p", "page": "pages/a", "scene": "s=1"}
	p.Expires = time.Now().Add(time.Hour)
	u, err := signurl.URL("", signKey, p)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestBadRequests(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.BodyLimit = 4096; c.JSON.MaxValues = 100 })
	big := `{"data": {"x": "` + strings.Repeat("a", 5000) + `"}}`
	deep := `{"data": {"x": ` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + `}}`
	var many strings.Builder
	for i := range 101 {
		fmt.Fprintf(&many, `"k%d": 1, `, i)
	}
	manyKeys := `{"data": {` + strings.TrimSuffix(many.String(), ", ") + `}}`
	const scaleMsg = "scale must be a number greater than 0 and at most 4"
	tests := []struct {
		name, method, target, body string
		status                     int
		code, msg                  string
	}{
		{"malformed JSON", "POST", "/v1/posters/product", `{"data": `, 400, CodeBadRequest, "body must be JSON"},
		{"empty body", "POST", "/v1/posters/product", ``, 400, CodeBadRequest, "the body is empty"},
		{"not an object", "POST", "/v1/posters/product", `[1]`, 400, CodeBadRequest, "the body is not an object"},
		{"two values", "POST", "/v1/posters/product", `{"data": {}} {}`, 400, CodeBadRequest, "more than one JSON value"},
		{"data not object", "POST", "/v1/posters/product", `{"data": [1]}`, 400, CodeBadRequest, `field "data" must be an object`},
		{"format not string", "POST", "/v1/posters/product", `{"format": 1}`, 400, CodeBadRequest, `field "format" must be a string`},
		{"unknown field", "POST", "/v1/posters/product", `{"dat": {}}`, 400, CodeBadRequest, `unknown field "dat"`},
		{"too deep", "POST", "/v1/posters/product", deep, 400, CodeBadRequest, "nested deeper than 32 levels"},
		{"too many keys", "POST", "/v1/posters/product", manyKeys, 400, CodeBadRequest, "more than 100 keys and array elements"},
		{"bad format", "POST", "/v1/posters/product", `{"data": {}, "format": "gif"}`, 400, CodeInvalidData, "format"},
		{"quality over", "POST", "/v1/posters/product", `{"data": {}, "quality": 101}`, 400, CodeInvalidData, "quality must be from 1 to 100"},
		{"quality zero", "POST", "/v1/posters/product", `{"data": {}, "quality": 0}`, 400, CodeInvalidData, "quality must be from 1 to 100"},
		{"quality fraction", "POST", "/v1/posters/product", `{"data": {}, "quality": 2.5}`, 400, CodeInvalidData, "quality must be a whole number"},
		{"scale over", "POST", "/v1/posters/product", `{"data": {}, "scale": 9}`, 400, CodeInvalidData, scaleMsg},
		{"scale 4.01", "POST", "/v1/posters/product", `{"data": {}, "scale": 4.01}`, 400, CodeInvalidData, scaleMsg},
		{"scale zero", "POST", "/v1/posters/product", `{"data": {}, "scale": 0}`, 400, CodeInvalidData, scaleMsg},
		{"scale negative", "POST", "/v1/posters/product", `{"data": {}, "scale": -1}`, 400, CodeInvalidData, scaleMsg},
		{"scale infinite", "POST", "/v1/posters/product", `{"data": {}, "scale": 1e400}`, 400, CodeInvalidData, scaleMsg},
		{"scale string", "POST", "/v1/posters/product", `{"data": {}, "scale": "2"}`, 400, CodeInvalidData, scaleMsg},
		{"scale too small", "POST", "/v1/posters/product", `{"data": {}, "scale": 1e-9}`, 400, CodeInvalidData, "scale 1e-09 is too small: the poster would be less than 1 pixel"},
		{"signed scale NaN", "GET", signedURL(t, "png", "&scale=NaN"), ``, 403, CodeForbidden, `signed URL: signature does not match`},
		{"signed scale Inf", "GET", signedURL(t, "png", "&scale=Inf"), ``, 403, CodeForbidden, `signed URL: signature does not match`},
		{"signed scale -Inf", "GET", signedURL(t, "png", "&scale=-Inf"), ``, 403, CodeForbidden, `signed URL: signature does not match`},
		{"signed scale zero", "GET", signedURL(t, "png", "&scale=0"), ``, 403, CodeForbidden, `signed URL: signature does not match`},
		{"signed scale negative", "GET", signedURL(t, "png", "&scale=-2"), ``, 403, CodeForbidden, `signed URL: signature does not match`},
		{"signed scale over", "GET", signedURL(t, "png", "&scale=5"), ``, 403, CodeForbidden, `signed URL: signature does not match`},
		{"signed scale word", "GET", signedURL(t, "png", "&scale=big"), ``, 403, CodeForbidden, `signed URL: signature does not match`},
		{"signed scale too small", "GET", signedURL(t, "png", "&scale=0.0001"), ``, 403, CodeForbidden, `signed URL: signature does not match`},
		{"signed quality zero", "GET", signedURL(t, "jpg", "&quality=0"), ``, 403, CodeForbidden, `signed URL: signature does not match`},
		{"signed quality over", "GET", signedURL(t, "jpg", "&quality=101"), ``, 403, CodeForbidden, `signed URL: signature does not match`},
		{"signed-in scale over", "GET", signedWith(t, signurl.Poster{Ext: "png", Scale: 5}), ``, 400, CodeInvalidData, scaleMsg},
		{"signed-in scale too small", "GET", signedWith(t, signurl.Poster{Ext: "png", Scale: 0.0001}), ``, 400, CodeInvalidData, "scale 0.0001 is too small"},
		{"unknown layout", "POST", "/v1/posters/nope", `{"data": {}}`, 404, CodeLayoutNotFound, `no layout named "nope"`},
		{"path-like layout", "POST", "/v1/posters/..%2Fsecret", `{"data": {}}`, 404, CodeNotFound, "no such endpoint"},
		{"dotted layout", "POST", "/v1/posters/..", `{"data": {}}`, 404, CodeLayoutNotFound, "no layout"},
		{"body too large", "POST", "/v1/posters/product", big, 413, CodeBodyTooLarge, "request body is over 4096 bytes"},
		{"missing fields, all named", "POST", "/v1/posters/certificate", `{"data": {"name": "x"}}`, 400, CodeInvalidData,
			`data: achievement: is required; body: is required; date: is required; page: is required; scene: is required`},
		{"bad scene", "POST", "/v1/posters/product", strings.Replace(sampleBody(t, "product", ""), `"p=1024\u0026u=88"`, `"has space"`, 1), 422, CodeUnusableData, "scene"},
		{"file avatar", "POST", "/v1/posters/invite", strings.Replace(sampleBody(t, "invite", ""), "asset:avatar-sample.jpg", "/etc/passwd", 1), 400, CodeInvalidData,
			`data: avatar: must be an http(s) URL, a data: URL or asset:NAME`},
		{"no such endpoint", "GET", "/v2/whatever", ``, 404, CodeNotFound, "no such endpoint"},
		{"wrong method", "DELETE", "/v1/layouts", ``, 405, CodeNotFound, "method not allowed here"},
		{"code bad scene", "GET", "/v1/codes?scene=a%20b", ``, 400, CodeInvalidData, "scene"},
		{"code bad width", "GET", "/v1/codes?scene=a&width=wide", ``, 400, CodeInvalidData, "width must be a whole number"},
		{"unsigned GET", "GET", "/v1/posters/product.png", ``, 401, CodeUnauthorized, "required"},
		{"bad extension", "GET", "/v1/posters/product.gif?d=x&exp=1&sig=y", ``, 404, CodeNotFound, ".png"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := h.do(tt.method, tt.target, tt.body)
			code, msg := errorCode(t, rec)
			if rec.Code != tt.status || code != tt.code || !strings.Contains(msg, tt.msg) {
				t.Errorf("%d %s %q; want %d %s containing %q", rec.Code, code, msg, tt.status, tt.code, tt.msg)
			}
			if rec.Header().Get("ETag") != "" {
				t.Error("error response carries an ETag")
			}
			if cc := rec.Header().Get("Cache-Control"); cc != "no-store" {
				t.Errorf("Cache-Control %q on an error", cc)
			}
		})
	}
}

// TestKeyedService: with API keys, the key is checked before the body is
// read, /v1/codes and the preview need one, and answers are private.
func TestKeyedService(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.APIKeys = []string{"key-one"} })
	h.srv.MountPreview(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "preview") }))
	basic := func(user, pass string) string {
		req, _ := http.NewRequest("GET", "/", nil)
		req.SetBasicAuth(user, pass)
		return req.Header.Get("Authorization")
	}
	tests := []struct {
		name, method, target, auth string
		status                     int
		code, msg                  string
	}{
		{"poster no key", "POST", "/v1/posters/product", "", 401, CodeUnauthorized, "send Authorization: Bearer <API key>"},
		{"poster basic", "POST", "/v1/posters/product", basic("", "key-one"), 401, CodeUnauthorized, "Bearer"},
		{"poster wrong key", "POST", "/v1/posters/product", "Bearer nope", 403, CodeForbidden, "unknown API key"},
		{"poster unknown layout no key", "POST", "/v1/posters/nope", "", 401, CodeUnauthorized, "Bearer"},
		{"code no key", "GET", "/v1/codes?page=pages/a&scene=k%3D1", "", 401, CodeUnauthorized, "Bearer"},
		{"code wrong key", "GET", "/v1/codes?page=pages/a&scene=k%3D1", "Bearer nope", 403, CodeForbidden, "unknown API key"},
		{"preview no key", "GET", "/preview/", "", 401, CodeUnauthorized, "the preview needs an API key"},
		{"preview wrong password", "GET", "/preview/", basic("designer", "nope"), 403, CodeForbidden, "unknown API key"},
		{"preview render no key", "POST", "/preview/api/render/product", "", 401, CodeUnauthorized, "the preview needs an API key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A body that fails the test if anything reads it.
			req := httptest.NewRequest(tt.method, tt.target, failingReader{t})
			req.ContentLength = 1 << 30
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			rec := httptest.NewRecorder()
			h.srv.Handler().ServeHTTP(rec, req)
			code, msg := errorCode(t, rec)
			if rec.Code != tt.status || code != tt.code || !strings.Contains(msg, tt.msg) {
				t.Errorf("%d %s %q; want %d %s containing %q", rec.Code, code, msg, tt.status, tt.code, tt.msg)
			}
			if strings.HasPrefix(tt.target, "/preview") && tt.status == 401 && !strings.HasPrefix(rec.Header().Get("WWW-Authenticate"), "Basic ") {
				t.Error("the preview's 401 does not ask the browser for a password")
			}
		})
	}
	for _, tc := range []struct{ method, target, body, auth string }{
		{"POST", "/v1/posters/product", sampleBody(t, "product", ""), "Bearer key-one"},
		{"GET", "/v1/codes?page=pages/a&scene=k%3D1", "", "Bearer key-one"},
	} {
		rec := h.do(tc.method, tc.target, tc.body, "Authorization", tc.auth)
		if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Cache-Control"), "private,") {
			t.Errorf("%s %s with key: %d, Cache-Control %q", tc.method, tc.target, rec.Code, rec.Header().Get("Cache-Control"))
		}
	}
	for _, auth := range []string{"Bearer key-one", basic("designer", "key-one")} {
		if rec := h.do("GET", "/preview/", "", "Authorization", auth); rec.Code != 200 || rec.Body.String() != "preview" {
			t.Errorf("preview with %q: %d", auth, rec.Code)
		}
	}
}

type failingReader struct{ t *testing.T }

func (f failingReader) Read([]byte) (int, error) {
	f.t.Error("the body was read before the key was checked")
	return 0, io.EOF
}

// TestWeChatUnreachable: refused connections are 503 wechat_unavailable,
// never 500, and /readyz names the class of problem, not the address.
func TestWeChatUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now: connections are refused
	h := newHarnessWith(t, harnessOptions{wechatURL: "http://" + addr})
	body := `{"data": {"name": "n", "achievement": "a", "body": "b", "date": "d", "page": "pages/a", "scene": "u=1"}}`
	for _, tc := range []struct{ method, target, body string }{
		{"POST", "/v1/posters/certificate", body},
		{"GET", "/v1/codes?page=pages/a&scene=u%3D2", ""},
	} {
		rec := h.do(tc.method, tc.target, tc.body)
		code, msg := errorCode(t, rec)
		if rec.Code != 503 || code != CodeWeChatBusy || msg != "WeChat cannot be reached right now; retry shortly" || rec.Header().Get("Retry-After") == "" {
			t.Errorf("%s %s: %d %s %q", tc.method, tc.target, rec.Code, code, msg)
		}
	}
	rec := h.do("GET", "/readyz", "")
	port := addr[strings.LastIndexByte(addr, ':')+1:]
	if rec.Code != 503 || !strings.Contains(rec.Body.String(), "WeChat access_token: WeChat cannot be reached") {
		t.Errorf("readyz: %d %s", rec.Code, rec.Body.String())
	}
	for _, leak := range []string{"127.0.0.1", port, "dial", "refused", "tcp"} {
		if strings.Contains(rec.Body.String(), leak) {
			t.Errorf("readyz shows %q: %s", leak, rec.Body.String())
		}
	}
}

func TestAPIKeys(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.APIKeys = []string{"key-one", "key-two"} })
	body := sampleBody(t, "product", "")
	for _, tc := range []struct {
		auth   string
		status int
	}{{"", 401}, {"Basic abc", 401}, {"Bearer nope", 403}, {"Bearer key-two", 200}} {
		rec := h.do("POST", "/v1/posters/product", body, "Authorization", tc.auth)
		if rec.Code != tc.status {
			t.Errorf("auth %q: %d", tc.auth, rec.Code)
		}
	}
	// Reading endpoints stay open.
	if rec := h.do("GET", "/v1/layouts", ""); rec.Code != 200 {
		t.Errorf("layouts: %d", rec.Code)
	}
}

func TestSignedURLs(t *testing.T) {
	rotated := []byte("old-signing-key-0123456789")
	h := newHarness(t, func(c *Config) { c.SigningKeys = [][]byte{signKey, rotated} })
	data := map[string]any{"nickname": "小明", "event": "e", "time": "t", "place": "p", "page": "pages/a", "scene": "s=1"}
	good, _ := signurl.URL("", signKey, signurl.Poster{Layout: "invite", Ext: "jpg", Data: data, Expires: time.Now().Add(time.Hour)})
	old, _ := signurl.URL("", rotated, signurl.Poster{Layout: "invite", Ext: "webp", Data: data, Expires: time.Now().Add(time.Hour)})
	unknown, _ := signurl.URL("", []byte("unknown-key-0123456789"), signurl.Poster{Layout: "invite", Ext: "png", Data: data, Expires: time.Now().Add(time.Hour)})
	expired, _ := signurl.URL("", signKey, signurl.Poster{Layout: "invite", Ext: "png", Data: data, Expires: time.Now().Add(-time.Minute)})
	other, _ := signurl.URL("", signKey, signurl.Poster{Layout: "product", Ext: "png", Data: data, Expires: time.Now().Add(time.Hour)})
	tampered := strings.Replace(good, "d=", "d=e", 1)
	tests := []struct {
		name   string
		url    string
		status int
		ctype  string
	}{
		{"good", good, 200, "image/jpeg"},
		{"rotated key", old, 200, "image/webp"},
		{"unknown key", unknown, 403, ""},
		{"expired", expired, 403, ""},
		{"tampered", tampered, 403, ""},
		{"scale added", good + "&scale=3", 403, ""},
		{"format changed", strings.Replace(good, "/invite.jpg", "/invite.webp", 1), 403, ""},
		{"signed for another layout", strings.Replace(other, "/product.", "/invite.", 1), 403, ""},
	}
	for _, tt := range tests {
		rec := h.do("GET", tt.url, "")
		if rec.Code != tt.status || (tt.ctype != "" && rec.Header().Get("Content-Type") != tt.ctype) {
			t.Errorf("%s: %d %s %s", tt.name, rec.Code, rec.Header().Get("Content-Type"), rec.Body.String())
		}
	}
	// Without keys configured signed URLs are off.
	h2 := newHarness(t, func(c *Config) { c.SigningKeys = [][]byte{} })
	h2.srv.cfg.SigningKeys = nil
	if rec := h2.do("GET", good, ""); rec.Code != 403 {
		t.Errorf("no keys: %d", rec.Code)
	}
}

// TestOneUpstreamCallForManyRequests: 200 concurrent requests for a poster
// with one new scene make exactly one WeChat code call.
func TestOneUpstreamCallForManyRequests(t *testing.T) {
	h := newHarness(t, func(c *Config) {
		c.RenderConcurrency = 4
		c.QueueSize = 400
		c.MaxRequests = 400
		// 200 renders under -race on two busy cores take minutes.
		c.QueueWait = 8 * time.Minute
		c.RequestTimeout = 8 * time.Minute
	})
	h.fake.SetFaults(wxatest.Faults{LatencyMS: 50})
	var wg sync.WaitGroup
	codes := make(chan int, 200)
	for i := range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Different data per request (so no output cache), same scene.
			body := fmt.Sprintf(`{"data": {"name": "用户%d", "achievement": "a", "body": "b", "date": "d", "page": "pages/a", "scene": "new=1"}, "format": "jpeg", "scale": 0.5}`, i)
			codes <- h.do("POST", "/v1/posters/certificate", body).Code
		}()
	}
	wg.Wait()
	close(codes)
	for c := range codes {
		if c != 200 {
			t.Fatalf("status %d", c)
		}
	}
	if n := h.fake.Stats().CodeCalls["getUnlimited"]; n != 1 {
		t.Errorf("%d upstream code calls, want 1", n)
	}
}

func TestOverloadAnswers429(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.RenderConcurrency = 1; c.QueueSize = 1; c.QueueWait = 5 * time.Second })
	h.fake.SetFaults(wxatest.Faults{LatencyMS: 300})
	var wg sync.WaitGroup
	statuses := make(chan int, 6)
	for i := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := fmt.Sprintf(`{"data": {"name": "n", "achievement": "a", "body": "b", "date": "d", "page": "pages/a", "scene": "o=%d"}}`, i)
			statuses <- h.do("POST", "/v1/posters/certificate", body).Code
		}()
	}
	wg.Wait()
	close(statuses)
	count := map[int]int{}
	for s := range statuses {
		count[s]++
	}
	if count[429] < 3 || count[200] < 1 || count[200]+count[429] != 6 {
		t.Errorf("statuses %v: want some 200 and the rest 429", count)
	}
}

func TestWeChatErrorsMapToStatuses(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.RequestTimeout = 300 * time.Millisecond })
	tests := []struct {
		faults wxatest.Faults
		status int
		code   string
	}{
		{wxatest.Faults{ErrCode: 45029}, 503, CodeWeChatBusy},
		{wxatest.Faults{ErrCode: 45009}, 503, CodeWeChatBusy},
		{wxatest.Faults{ErrCode: 45063}, 502, CodeWeChatError},
		{wxatest.Faults{ErrCode: 41030}, 422, CodeUnusableData},
		{wxatest.Faults{LatencyMS: 2000}, 504, CodeUpstreamTimeout},
	}
	for i, tt := range tests {
		h.fake.SetFaults(tt.faults)
		body := fmt.Sprintf(`{"data": {"name": "n", "achievement": "a", "body": "b", "date": "d", "page": "pages/a", "scene": "w=%d"}}`, i)
		rec := h.do("POST", "/v1/posters/certificate", body)
		code, msg := errorCode(t, rec)
		if rec.Code != tt.status || code != tt.code {
			t.Errorf("%+v: %d %s %s", tt.faults, rec.Code, code, msg)
		}
		if tt.faults.ErrCode != 0 && !strings.Contains(msg, fmt.Sprint(tt.faults.ErrCode)) {
			t.Errorf("errcode missing from %q", msg)
		}
	}
	h.fake.SetFaults(wxatest.Faults{})
	h.mu.Lock()
	defer h.mu.Unlock()
	if strings.Contains(h.logs.String(), "FAKE_") || strings.Contains(h.logs.String(), wxatest.DefaultSecret) {
		t.Error("a token or the secret reached the log")
	}
}

func TestRemoteImagesThroughTheService(t *testing.T) {
	var buf bytes.Buffer
	png.Encode(&buf, image.NewNRGBA(image.Rect(0, 0, 64, 64)))
	avatar := buf.Bytes()
	imgs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/bomb.png" {
			w.Write(testimg.BombPNG(60000, 60000))
			return
		}
		w.Write(avatar)
	}))
	defer imgs.Close()
	u, _ := url.Parse(imgs.URL)
	h := newHarness(t, nil, "localhost")
	body := func(avatarURL string) string {
		return strings.Replace(sampleBody(t, "invite", ""), "asset:avatar-sample.jpg", avatarURL, 1)
	}
	if rec := h.do("POST", "/v1/posters/invite", body("http://localhost:"+u.Port()+"/a.png")); rec.Code != 200 {
		t.Fatalf("allowed host: %d %s", rec.Code, rec.Body.String())
	}
	// A source that is no URL at all is refused with the other bad fields.
	if rec := h.do("POST", "/v1/posters/invite", body("ftp://localhost/a.png")); rec.Code != 400 || !strings.Contains(rec.Body.String(), "avatar: must be an http(s) URL") {
		t.Errorf("ftp: %d %s", rec.Code, rec.Body)
	}
	for _, tc := range []struct{ url, msg string }{
		{"http://127.0.0.1:" + u.Port() + "/a.png", "not in the allowed image hosts"},
		{"http://localhost:" + u.Port() + "/bomb.png", "too large"},
	} {
		rec := h.do("POST", "/v1/posters/invite", body(tc.url))
		code, msg := errorCode(t, rec)
		if rec.Code != 422 || code != CodeUnusableData || !strings.Contains(msg, `field "avatar"`) || !strings.Contains(msg, tc.msg) {
			t.Errorf("%s: %d %s %q", tc.url, rec.Code, code, msg)
		}
	}
}

func TestPanicIsA500WithRequestID(t *testing.T) {
	h := newHarness(t, nil)
	h.srv.router.GET("/boom", func(*gin.Context) { panic("kaboom") })
	rec := h.do("GET", "/boom", "", "X-Request-Id", "req-123")
	code, _ := errorCode(t, rec)
	var b errorBody
	json.Unmarshal(rec.Body.Bytes(), &b)
	if rec.Code != 500 || code != CodeInternal || b.Error.RequestID != "req-123" {
		t.Errorf("%d %s", rec.Code, rec.Body.String())
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if !strings.Contains(h.logs.String(), `"request_id":"req-123"`) || !strings.Contains(h.logs.String(), "kaboom") {
		t.Error("panic not logged with its request id")
	}
}

func TestLayoutsHealthMetrics(t *testing.T) {
	h := newHarness(t, nil)
	rec := h.do("GET", "/v1/layouts", "")
	var out struct {
		Layouts []layoutInfo `json:"layouts"`
	}
	json.Unmarshal(rec.Body.Bytes(), &out)
	if len(out.Layouts) != 4 || out.Layouts[0].Name != "campaign" || len(out.Layouts[0].Fields) == 0 {
		t.Errorf("layouts: %s", rec.Body.String())
	}
	if rec := h.do("GET", "/healthz", ""); rec.Code != 200 {
		t.Error("healthz")
	}
	if rec := h.do("GET", "/readyz", ""); rec.Code != 200 {
		t.Errorf("readyz: %s", rec.Body.String())
	}
	h.do("POST", "/v1/posters/product", sampleBody(t, "product", ""))
	h.do("GET", "/v1/codes?page=pages/a&scene=m%3D1", "")
	h.do("GET", "/v1/codes?page=pages/a&scene=m%3D1", "")
	metrics := h.do("GET", "/metrics", "").Body.String()
	for _, want := range []string{
		`haibao_http_requests_total{method="POST",route="/v1/posters/:layout",status="200"} 1`,
		`haibao_render_seconds_count{format="png",layout="product"} 1`,
		`haibao_wechat_calls_total{api="getUnlimited",errcode="0"} 2`,
		`haibao_code_cache_total{result="hit"} 1`,
		`haibao_wechat_token_refreshes_total{result="ok"} 1`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	// Not ready when WeChat refuses the credentials.
	h.fake.RetireTokens()
	bad, _ := wxa.New(wxa.Config{AppID: wxatest.DefaultAppID, Secret: "wrong-secret", BaseURL: h.fake.URL})
	h.srv.apps = wxa.SingleApp("default", bad)
	if rec := h.do("GET", "/readyz", ""); rec.Code != 503 || !strings.Contains(rec.Body.String(), "40125") {
		t.Errorf("readyz with bad credentials: %d %s", rec.Code, rec.Body.String())
	}
}

// TestOpenAPIMatchesRoutes checks every route is described and the error
// codes listed are the ones the service uses.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	store, root := newStore(t)
	h := newHarnessWith(t, harnessOptions{storage: store, storedDir: root, jobs: jobsWith(t, store)})
	var doc struct {
		Paths      map[string]map[string]any `yaml:"paths"`
		Components struct {
			Schemas map[string]struct {
				Properties map[string]struct {
					Properties map[string]struct {
						Enum []string `yaml:"enum"`
					} `yaml:"properties"`
				} `yaml:"properties"`
			} `yaml:"schemas"`
		} `yaml:"components"`
	}
	if err := yaml.Unmarshal(openAPI, &doc); err != nil {
		t.Fatal(err)
	}
	served := h.do("GET", "/openapi.yaml", "")
	if served.Code != 200 || !bytes.Equal(served.Body.Bytes(), openAPI) {
		t.Error("/openapi.yaml does not serve the document")
	}
	for _, r := range h.srv.Routes() {
		p := r[1]
		for _, seg := range strings.Split(p, "/") {
			if strings.HasPrefix(seg, ":") || strings.HasPrefix(seg, "*") {
				p = strings.Replace(p, seg, "{"+seg[1:]+"}", 1)
			}
		}
		if doc.Paths[p] == nil || doc.Paths[p][strings.ToLower(r[0])] == nil {
			t.Errorf("%s %s is not in openapi.yaml", r[0], p)
		}
	}
	enum := doc.Components.Schemas["Error"].Properties["error"].Properties["code"].Enum
	if strings.Join(enum, ",") != strings.Join(ErrorCodes, ",") {
		t.Errorf("openapi error codes %v, service %v", enum, ErrorCodes)
	}
}

// TestSampleCodesScanFromService renders every sample through the API and
// scans page and scene back.
func TestSampleCodesScanFromService(t *testing.T) {
	h := newHarness(t, nil)
	for _, name := range []string{"product", "invite", "certificate", "campaign"} {
		rec := h.do("POST", "/v1/posters/"+name, sampleBody(t, name, ""))
		img, err := png.Decode(rec.Body)
		if err != nil {
			t.Fatalf("%s: %d %v", name, rec.Code, err)
		}
		got, err := scan.QR(img)
		if err != nil || !strings.Contains(got, "?scene=") {
			t.Errorf("%s: %q %v", name, got, err)
		}
	}
}
