package server

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/haibao/haibao/poster"
	"github.com/haibao/haibao/remote"
	"github.com/haibao/haibao/signurl"
)

// within polls cond every few milliseconds for up to a generous limit: a
// busy two-core machine under -race is slow, never this slow.
func within(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 60 s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func inviteWithAvatar(t *testing.T, avatar string) string {
	return strings.Replace(sampleBody(t, "invite", ""), "asset:avatar-sample.jpg", avatar, 1)
}

// TestSlowAvatarsDoNotStarveRenders: ten posters whose avatar server never
// answers hold fetch slots, not render slots, so five ordinary posters
// behind them are made at once rather than refused with 429.
func TestSlowAvatarsDoNotStarveRenders(t *testing.T) {
	var hits atomic.Int32
	stop := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "image/png")
		w.Write([]byte("\x89P")) // a byte or two, then nothing until the test ends
		w.(http.Flusher).Flush()
		select {
		case <-stop:
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	var once sync.Once
	unblock := func() { once.Do(func() { close(stop) }) }
	defer unblock()
	u, _ := url.Parse(slow.URL)
	// The loader's own timeouts are long, so the slow fetches are still
	// held when the ordinary posters arrive, however slow the machine.
	loader, err := remote.New(remote.Config{AllowHosts: []string{"localhost"}, Timeout: 10 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	h := newHarnessWith(t, harnessOptions{
		set:    func(c *Config) { c.RenderConcurrency, c.QueueSize = 2, 8 }, // the defaults on two cores
		images: loader,
	})
	var wg sync.WaitGroup
	for i := range 10 {
		wg.Go(func() {
			h.do("POST", "/v1/posters/invite", inviteWithAvatar(t, fmt.Sprintf("http://localhost:%s/slow-%d.png", u.Port(), i)))
		})
	}
	within(t, "ten slow avatar fetches", func() bool { return hits.Load() == 10 })
	statuses := make(chan int, 5)
	var normal sync.WaitGroup
	for i := range 5 {
		normal.Go(func() {
			body := fmt.Sprintf(`{"data": {"name": "n%d", "achievement": "a", "body": "b", "date": "d", "page": "pages/a", "scene": "s=%d"}}`, i, i)
			statuses <- h.do("POST", "/v1/posters/certificate", body).Code
		})
	}
	normal.Wait()
	close(statuses)
	for s := range statuses {
		if s != 200 {
			t.Errorf("an ordinary poster behind slow avatars: %d", s)
		}
	}
	if n := h.srv.fetches.InUse(); n != 10 {
		t.Errorf("%d fetch slots in use, want the 10 slow ones", n)
	}
	if n := h.srv.renders.InUse(); n != 0 {
		t.Errorf("%d render slots held while only fetches wait", n)
	}
	unblock()
	wg.Wait()
}

// TestIdenticalRequestsRenderOnce: twenty identical requests at once make
// one render; the rest share it or find it in the output cache.
func TestIdenticalRequestsRenderOnce(t *testing.T) {
	h := newHarness(t, nil)
	body := sampleBody(t, "product", "")
	var wg sync.WaitGroup
	etags := make(chan string, 20)
	for range 20 {
		wg.Go(func() {
			rec := h.do("POST", "/v1/posters/product", body)
			if rec.Code != 200 {
				t.Errorf("%d %s", rec.Code, rec.Body.String())
			}
			etags <- rec.Header().Get("ETag")
		})
	}
	wg.Wait()
	close(etags)
	first := ""
	for e := range etags {
		if first == "" {
			first = e
		}
		if e != first || e == "" {
			t.Errorf("ETags %q and %q for the same request", first, e)
		}
	}
	metrics := h.do("GET", "/metrics", "").Body.String()
	if want := `haibao_render_seconds_count{format="png",layout="product"} 1`; !strings.Contains(metrics, want) {
		t.Errorf("metrics lack %s", want)
	}
}

// TestSlowBody: a body trickling in is cut off at BodyTimeout with 408
// and a closed connection, and the service goes on serving.
func TestSlowBody(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.BodyTimeout = 300 * time.Millisecond })
	ts := httptest.NewServer(h.srv.Handler())
	defer ts.Close()
	conn, err := net.Dial("tcp", ts.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /v1/posters/product HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"data\":")
	conn.SetReadDeadline(time.Now().Add(60 * time.Second)) // generous; the service answers after 300 ms
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 408 || !strings.Contains(string(b), `"code":"body_timeout"`) || !strings.Contains(string(b), "did not arrive within 300ms") {
		t.Errorf("%d %s", resp.StatusCode, b)
	}
	if !resp.Close {
		t.Error("the connection of a slow body is kept open")
	}
	if _, err := conn.Read(make([]byte, 1)); err != io.EOF {
		t.Errorf("connection not closed: %v", err)
	}
	// A request with its body in time works, on the same service.
	resp, err = http.Post(ts.URL+"/v1/posters/product", "application/json", strings.NewReader(sampleBody(t, "product", "")))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("after a slow body: %d", resp.StatusCode)
	}
}

// TestBodyDeadlineDoesNotCancelRender: the read deadline is lifted once the
// body is in, so a render that outlasts BodyTimeout still completes.
func TestBodyDeadlineDoesNotCancelRender(t *testing.T) {
	h := newHarnessWith(t, harnessOptions{
		set: func(c *Config) { c.BodyTimeout = 100 * time.Millisecond },
		codes: codeFunc(func(ctx context.Context, req poster.CodeRequest) (image.Image, error) {
			select {
			case <-time.After(500 * time.Millisecond):
				return image.NewGray(image.Rect(0, 0, 430, 430)), nil
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}),
	})
	ts := httptest.NewServer(h.srv.Handler())
	defer ts.Close()
	resp, err := http.Post(ts.URL+"/v1/posters/product", "application/json", strings.NewReader(sampleBody(t, "product", "")))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("%d %s", resp.StatusCode, b)
	}
}

type codeFunc func(ctx context.Context, req poster.CodeRequest) (image.Image, error)

func (f codeFunc) Code(ctx context.Context, req poster.CodeRequest) (image.Image, error) {
	return f(ctx, req)
}

type imageFunc func(ctx context.Context, url string) (image.Image, error)

func (f imageFunc) LoadImage(ctx context.Context, url string) (image.Image, error) {
	return f(ctx, url)
}

// TestPanicsReleaseSlots: a panic while fetching an image or a code is a
// 500 with the request id, logged with its stack, and every slot and
// ticket is given back: with one of each, the next poster is made.
func TestPanicsReleaseSlots(t *testing.T) {
	h := newHarnessWith(t, harnessOptions{
		set:    func(c *Config) { c.MaxRequests, c.FetchConcurrency, c.RenderConcurrency, c.QueueSize = 1, 1, 1, 0 },
		images: imageFunc(func(context.Context, string) (image.Image, error) { panic("image loader exploded") }),
		codes: codeFunc(func(ctx context.Context, req poster.CodeRequest) (image.Image, error) {
			if req.Scene == "boom" {
				panic("code source exploded")
			}
			return image.NewGray(image.Rect(0, 0, 430, 430)), nil
		}),
	})
	for _, tc := range []struct{ name, body, target, panic string }{
		{"image", inviteWithAvatar(t, "https://img.example/a.png"), "/v1/posters/invite", "image loader exploded"},
		{"code", `{"data": {"name": "n", "achievement": "a", "body": "b", "date": "d", "page": "pages/a", "scene": "boom"}}`, "/v1/posters/certificate", "code source exploded"},
	} {
		rec := h.do("POST", tc.target, tc.body, "X-Request-Id", "req-"+tc.name)
		code, _ := errorCode(t, rec)
		var b errorBody
		_ = json.Unmarshal(rec.Body.Bytes(), &b)
		if rec.Code != 500 || code != CodeInternal || b.Error.RequestID != "req-"+tc.name {
			t.Errorf("%s: %d %s", tc.name, rec.Code, rec.Body.String())
		}
		h.mu.Lock()
		logs := h.logs.String()
		h.mu.Unlock()
		if !strings.Contains(logs, `"request_id":"req-`+tc.name+`"`) || !strings.Contains(logs, tc.panic) || !strings.Contains(logs, "goroutine") {
			t.Errorf("%s: panic not logged with its request id and stack", tc.name)
		}
	}
	if h.srv.requests.InUse()+h.srv.fetches.InUse()+h.srv.renders.InUse() != 0 {
		t.Fatalf("slots leaked: %d tickets, %d fetch, %d render", h.srv.requests.InUse(), h.srv.fetches.InUse(), h.srv.renders.InUse())
	}
	if rec := h.do("POST", "/v1/posters/product", sampleBody(t, "product", "")); rec.Code != 200 {
		t.Errorf("after the panics: %d %s", rec.Code, rec.Body.String())
	}
}

// TestClientGoneIs499: a client that leaves mid-render is logged once, at
// info, with status 499; no error line, no 500.
func TestClientGoneIs499(t *testing.T) {
	entered := make(chan struct{})
	h := newHarnessWith(t, harnessOptions{
		codes: codeFunc(func(ctx context.Context, req poster.CodeRequest) (image.Image, error) {
			close(entered)
			<-ctx.Done()
			return nil, ctx.Err()
		}),
	})
	ctx, cancel := context.WithCancel(context.Background())
	req := httptest.NewRequest("POST", "/v1/posters/product", strings.NewReader(sampleBody(t, "product", ""))).WithContext(ctx)
	req.Header.Set("X-Request-Id", "gone-1")
	done := make(chan struct{})
	go func() {
		defer close(done)
		h.srv.Handler().ServeHTTP(httptest.NewRecorder(), req)
	}()
	<-entered
	cancel()
	<-done
	h.mu.Lock()
	logs := h.logs.String()
	h.mu.Unlock()
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(logs), "\n") {
		if strings.Contains(l, "gone-1") {
			lines = append(lines, l)
		}
	}
	if len(lines) != 1 || !strings.Contains(lines[0], `"level":"INFO"`) || !strings.Contains(lines[0], `"status":499`) {
		t.Errorf("log lines for the request: %q", lines)
	}
	if strings.Contains(logs, `"level":"ERROR"`) {
		t.Errorf("an error was logged: %s", logs)
	}
}

// TestOverloadBeforeBody: beyond MaxRequests a request is refused with 429
// before its body is read.
func TestOverloadBeforeBody(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	h := newHarnessWith(t, harnessOptions{
		set: func(c *Config) { c.MaxRequests = 1 },
		codes: codeFunc(func(ctx context.Context, req poster.CodeRequest) (image.Image, error) {
			close(entered)
			<-release
			return image.NewGray(image.Rect(0, 0, 430, 430)), nil
		}),
	})
	done := make(chan int)
	go func() { done <- h.do("POST", "/v1/posters/product", sampleBody(t, "product", "")).Code }()
	<-entered
	req := httptest.NewRequest("POST", "/v1/posters/product", failingReader{t})
	rec := httptest.NewRecorder()
	h.srv.Handler().ServeHTTP(rec, req)
	code, msg := errorCode(t, rec)
	if rec.Code != 429 || code != CodeOverloaded || msg != "too many posters in progress; retry shortly" || rec.Header().Get("Retry-After") != "5" {
		t.Errorf("%d %s %q", rec.Code, code, msg)
	}
	close(release)
	if s := <-done; s != 200 {
		t.Errorf("the admitted request: %d", s)
	}
}

// TestHTTPCaching: signed answers never outlive their URL, open POSTs are
// public, If-None-Match compares ETags (weak or in a list) and "*" is not
// a blanket 304.
func TestHTTPCaching(t *testing.T) {
	h := newHarness(t, nil)
	data := map[string]any{"nickname": "小明", "event": "e", "time": "t", "place": "p", "page": "pages/a", "scene": "s=1"}
	u, _ := signurl.URL("", signKey, signurl.Poster{Layout: "invite", Ext: "png", Data: data, Expires: time.Now().Add(90 * time.Second)})
	rec := h.do("GET", u, "")
	cc := rec.Header().Get("Cache-Control")
	age, err := strconv.Atoi(strings.TrimPrefix(cc, "public, max-age="))
	if rec.Code != 200 || err != nil || age > 90 || age < 1 {
		t.Errorf("signed URL valid 90 s: %d, Cache-Control %q", rec.Code, cc)
	}
	long, _ := signurl.URL("", signKey, signurl.Poster{Layout: "invite", Ext: "png", Data: data, Expires: time.Now().Add(30 * 24 * time.Hour)})
	if cc := h.do("GET", long, "").Header().Get("Cache-Control"); cc != "public, max-age=86400" {
		t.Errorf("signed URL valid a month: Cache-Control %q", cc)
	}
	body := sampleBody(t, "product", "")
	rec = h.do("POST", "/v1/posters/product", body)
	etag := rec.Header().Get("ETag")
	if rec.Code != 200 || rec.Header().Get("Cache-Control") != "public, max-age=86400" || etag == "" {
		t.Fatalf("open POST: %d %q %q", rec.Code, rec.Header().Get("Cache-Control"), etag)
	}
	for _, tc := range []struct {
		header string
		status int
	}{
		{etag, 304},
		{"W/" + etag, 304},
		{`"other", ` + etag, 304},
		{"*", 200},
		{`"other"`, 200},
		{strings.Trim(etag, `"`), 200},
	} {
		rec := h.do("POST", "/v1/posters/product", body, "If-None-Match", tc.header)
		if rec.Code != tc.status {
			t.Errorf("If-None-Match %s: %d, want %d", tc.header, rec.Code, tc.status)
		}
		if rec.Header().Get("ETag") != etag {
			t.Errorf("If-None-Match %s: ETag %q", tc.header, rec.Header().Get("ETag"))
		}
	}
	// Every part of the answer's bytes changes the ETag.
	for _, other := range []string{
		sampleBody(t, "product", `, "format": "jpeg"`),
		sampleBody(t, "product", `, "format": "jpeg", "quality": 50`),
		sampleBody(t, "product", `, "scale": 1.5`),
		strings.Replace(body, `"price":89`, `"price":90`, 1),
	} {
		if e := h.do("POST", "/v1/posters/product", other).Header().Get("ETag"); e == etag || e == "" {
			t.Errorf("same ETag for %s", other)
		}
	}
}
