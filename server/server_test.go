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
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
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
	fake := wxatest.NewServer(wxatest.Options{})
	t.Cleanup(fake.Close)
	metrics := NewMetrics()
	client, err := wxa.New(wxa.Config{AppID: wxatest.DefaultAppID, Secret: wxatest.DefaultSecret, BaseURL: fake.URL, Observer: metrics, Backoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	loader, err := remote.New(remote.Config{AllowHosts: imageHosts, MaxPixels: 4_000_000})
	if err != nil {
		t.Fatal(err)
	}
	engine, err := poster.NewEngine(poster.Config{Images: loader, Codes: wxcode.Source{Client: client}})
	if err != nil {
		t.Fatal(err)
	}
	ls, err := engine.LoadDir(layouts.FS)
	if err != nil {
		t.Fatal(err)
	}
	logs, mu := &bytes.Buffer{}, &sync.Mutex{}
	cfg := DefaultConfig()
	cfg.SigningKeys = [][]byte{signKey}
	if set != nil {
		set(&cfg)
	}
	srv, err := New(cfg, Deps{Engine: engine, Layouts: ls, WeChat: client, Metrics: metrics,
		Logger: slog.New(slog.NewJSONHandler(lockedWriter{mu, logs}, nil))})
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

func TestBadRequests(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.BodyLimit = 4096 })
	big := `{"data": {"x": "` + strings.Repeat("a", 5000) + `"}}`
	tests := []struct {
		name, method, target, body string
		status                     int
		code, msg                  string
	}{
		{"malformed JSON", "POST", "/v1/posters/product", `{"data": `, 400, CodeBadRequest, "body must be JSON"},
		{"empty body", "POST", "/v1/posters/product", ``, 400, CodeBadRequest, "empty"},
		{"data not object", "POST", "/v1/posters/product", `{"data": [1]}`, 400, CodeBadRequest, `field "data"`},
		{"unknown field", "POST", "/v1/posters/product", `{"dat": {}}`, 400, CodeBadRequest, `unknown field "dat"`},
		{"bad format", "POST", "/v1/posters/product", `{"data": {}, "format": "gif"}`, 400, CodeInvalidData, "format"},
		{"bad quality", "POST", "/v1/posters/product", `{"data": {}, "quality": 101}`, 400, CodeInvalidData, "quality"},
		{"bad scale", "POST", "/v1/posters/product", `{"data": {}, "scale": 9}`, 400, CodeInvalidData, "scale"},
		{"unknown layout", "POST", "/v1/posters/nope", `{"data": {}}`, 404, CodeLayoutNotFound, `"nope"`},
		{"path-like layout", "POST", "/v1/posters/..%2Fsecret", `{"data": {}}`, 404, CodeNotFound, "no such endpoint"},
		{"dotted layout", "POST", "/v1/posters/..", `{"data": {}}`, 404, CodeLayoutNotFound, "no layout"},
		{"body too large", "POST", "/v1/posters/product", big, 413, CodeBodyTooLarge, "4096"},
		{"missing field", "POST", "/v1/posters/certificate", `{"data": {"name": "x"}}`, 422, CodeUnusableData, `field "achievement"`},
		{"bad scene", "POST", "/v1/posters/product", strings.Replace(sampleBody(t, "product", ""), `"p=1024\u0026u=88"`, `"has space"`, 1), 422, CodeUnusableData, "scene"},
		{"file avatar", "POST", "/v1/posters/invite", strings.Replace(sampleBody(t, "invite", ""), "asset:avatar-sample.jpg", "/etc/passwd", 1), 422, CodeUnusableData, `field "avatar"`},
		{"no such endpoint", "GET", "/v2/whatever", ``, 404, CodeNotFound, "no such endpoint"},
		{"code bad scene", "GET", "/v1/codes?scene=a%20b", ``, 400, CodeInvalidData, "scene"},
		{"code bad width", "GET", "/v1/codes?scene=a&width=wide", ``, 400, CodeInvalidData, "width"},
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
		})
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
	good, _ := signurl.URL("", signKey, "invite", "jpg", data, time.Now().Add(time.Hour))
	old, _ := signurl.URL("", rotated, "invite", "webp", data, time.Now().Add(time.Hour))
	unknown, _ := signurl.URL("", []byte("unknown-key-0123456789"), "invite", "png", data, time.Now().Add(time.Hour))
	expired, _ := signurl.URL("", signKey, "invite", "png", data, time.Now().Add(-time.Minute))
	other, _ := signurl.URL("", signKey, "product", "png", data, time.Now().Add(time.Hour))
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
		c.QueueWait = 2 * time.Minute
		c.RequestTimeout = 2 * time.Minute
	})
	h.fake.SetFaults(wxatest.Faults{LatencyMS: 50})
	var wg sync.WaitGroup
	codes := make(chan int, 200)
	for i := range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Different data per request (so no output cache), same scene.
			body := fmt.Sprintf(`{"data": {"name": "用户%d", "achievement": "a", "body": "b", "date": "d", "page": "pages/a", "scene": "new=1"}, "format": "jpeg"}`, i)
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
	for _, tc := range []struct{ url, msg string }{
		{"http://127.0.0.1:" + u.Port() + "/a.png", "not in the allowed image hosts"},
		{"http://localhost:" + u.Port() + "/bomb.png", "too large"},
		{"ftp://localhost/a.png", "must be an http(s) URL"},
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
	h.srv.wechat = bad
	if rec := h.do("GET", "/readyz", ""); rec.Code != 503 || !strings.Contains(rec.Body.String(), "40125") {
		t.Errorf("readyz with bad credentials: %d %s", rec.Code, rec.Body.String())
	}
}

// TestOpenAPIMatchesRoutes checks every route is described and the error
// codes listed are the ones the service uses.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	h := newHarness(t, nil)
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
