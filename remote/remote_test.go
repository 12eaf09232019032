package remote

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"image"
	"image/jpeg"
	"image/png"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/haibao/haibao/internal/testimg"
	"github.com/haibao/haibao/poster/picture"
)

// patience is how long a test waits for something that should happen
// promptly: generous, so a loaded machine running -race never flakes.
const patience = 60 * time.Second

func encodePNG(img image.Image) []byte {
	var b bytes.Buffer
	png.Encode(&b, img)
	return b.Bytes()
}

// png16Header is the header of a 16-bit RGBA PNG of w×h pixels: 310 kB of
// such a file can hold 40 MP, which decodes to 320 MB.
func png16Header(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 16, 6
	binary.Write(&b, binary.BigEndian, uint32(13))
	chunk := append([]byte("IHDR"), ihdr...)
	b.Write(chunk)
	binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(chunk))
	return b.Bytes()
}

type imageServer struct {
	*httptest.Server
	port string
	hits atomic.Int32
}

func newImageServer(t *testing.T) *imageServer {
	s := &imageServer{}
	mux := http.NewServeMux()
	mux.HandleFunc("/ok.png", func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		w.Write(encodePNG(image.NewNRGBA(image.Rect(0, 0, 8, 8))))
	})
	mux.HandleFunc("/bomb.png", func(w http.ResponseWriter, r *http.Request) { w.Write(testimg.BombPNG(100000, 100000)) })
	mux.HandleFunc("/deep.png", func(w http.ResponseWriter, r *http.Request) { w.Write(png16Header(8000, 5000)) })
	mux.HandleFunc("/big.png", func(w http.ResponseWriter, r *http.Request) { w.Write(bytes.Repeat([]byte("x"), 5000)) })
	mux.HandleFunc("/big-chunked.png", func(w http.ResponseWriter, r *http.Request) {
		for range 5 {
			w.Write(bytes.Repeat([]byte("x"), 1000))
			w.(http.Flusher).Flush() // no Content-Length: the limit is met while reading
		}
	})
	mux.HandleFunc("/text", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("<html>not an image</html>")) })
	mux.HandleFunc("/missing", http.NotFound)
	mux.HandleFunc("/to-loopback", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://127.0.0.1:"+s.port+"/ok.png", http.StatusFound)
	})
	mux.HandleFunc("/to-ftp", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "ftp://localhost/a.png", http.StatusFound)
	})
	mux.HandleFunc("/to-ok", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/ok.png", http.StatusFound) })
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop", http.StatusFound) })
	s.Server = httptest.NewServer(mux)
	s.port = s.URL[strings.LastIndex(s.URL, ":")+1:]
	t.Cleanup(s.Close)
	return s
}

func newLoader(t *testing.T, cfg Config) *Loader {
	t.Helper()
	l, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// leaksAddress reports text that names an IP address, a port or a lookup:
// what Go's network errors say and a refusal must not.
var addressPattern = regexp.MustCompile(`\d+\.\d+\.\d+\.\d+|[0-9a-fA-F]*::|\[|:\d+|dial |lookup |127\.|localhost`)

func leaksAddress(s string) bool { return addressPattern.MatchString(s) }

func TestAllowlistAndRedirects(t *testing.T) {
	srv := newImageServer(t)
	l := newLoader(t, Config{AllowHosts: []string{"localhost"}, MaxBytes: 4000})
	base := "http://localhost:" + srv.port
	img, err := l.LoadImage(context.Background(), base+"/ok.png")
	if err != nil || img.Bounds().Dx() != 8 {
		t.Fatalf("allowed local host: %v", err)
	}
	// Cached: no second fetch.
	l.LoadImage(context.Background(), base+"/ok.png")
	if srv.hits.Load() != 1 {
		t.Errorf("hits %d, want 1 (cached)", srv.hits.Load())
	}
	if img, err := l.LoadImage(context.Background(), base+"/to-ok"); err != nil || img.Bounds().Dx() != 8 {
		t.Errorf("redirect within the allowed host: %v", err)
	}
	tests := []struct {
		url    string
		reason error
		also   error // another error the chain must match
		msg    string
	}{
		{base + "/to-loopback", ErrAddressNotAllowed, nil, "address not allowed: host is not in the allowed image hosts"},
		{base + "/to-ftp", ErrSchemeNotAllowed, nil, "scheme not allowed: only http and https are fetched"},
		{base + "/loop", ErrFetchFailed, nil, "fetch failed: too many redirects"},
		{base + "/bomb.png", ErrTooLarge, picture.ErrTooLarge, "too large: 100000×100000 pixels, limit 40000000"},
		{base + "/deep.png", ErrTooLarge, picture.ErrTooLarge, "too large: 8000×5000 pixels need 306 MB decoded, limit 64 MB"},
		{base + "/big.png", ErrTooLarge, picture.ErrTooLarge, "too large: more than 4000 bytes"},
		{base + "/big-chunked.png", ErrTooLarge, picture.ErrTooLarge, "too large: more than 4000 bytes"},
		{base + "/text", ErrNotImage, picture.ErrUnsupported, "not an image: not a PNG, JPEG, GIF or WebP image"},
		{base + "/missing", ErrFetchFailed, nil, "fetch failed: HTTP 404"},
		{"http://other.example/a.png", ErrAddressNotAllowed, nil, "address not allowed: host is not in the allowed image hosts"},
	}
	for _, tt := range tests {
		_, err := l.LoadImage(context.Background(), tt.url)
		var re *Error
		if !errors.Is(err, tt.reason) || (tt.also != nil && !errors.Is(err, tt.also)) || !errors.As(err, &re) || err.Error() != tt.msg {
			t.Errorf("%s: err = %v, want %q", tt.url, err, tt.msg)
			continue
		}
		// What the engine sees through an interface of its own.
		var pub interface{ Public() string }
		if !errors.As(fmt.Errorf("element avatar: %w", err), &pub) || pub.Public() != tt.reason.Error() {
			t.Errorf("%s: Public() is not the class %q", tt.url, tt.reason)
		}
	}
}

// TestErrorsNameNoAddress fails real fetches in the ways Go's network
// errors would name an address or a resolver, and checks the wording.
func TestErrorsNameNoAddress(t *testing.T) {
	// A port nothing listens on: take one and close it.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedPort := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	l := newLoader(t, Config{AllowHosts: []string{"localhost", "no-such-host.invalid"}})
	for _, tt := range []struct {
		url  string
		want string
	}{
		{fmt.Sprintf("http://localhost:%d/a.png", closedPort), "fetch failed: connection refused"},
		// Whether or not this machine has a resolver, the lookup fails.
		{"http://no-such-host.invalid/a.png", "fetch failed: host "},
	} {
		_, err := l.LoadImage(context.Background(), tt.url)
		if !errors.Is(err, ErrFetchFailed) || !strings.HasPrefix(err.Error(), tt.want) || leaksAddress(err.Error()) {
			t.Errorf("%s: %v, want %q", tt.url, err, tt.want)
		}
	}
}

// TestNetErrorWording feeds netError the errors Go's client returns, with
// the addresses they carry.
func TestNetErrorWording(t *testing.T) {
	op := func(err error) error {
		return &url.Error{Op: "Get", URL: "http://x.example/a.png", Err: &net.OpError{
			Op: "dial", Net: "tcp", Addr: &net.TCPAddr{IP: net.IPv4(10, 0, 0, 1), Port: 80}, Err: err,
		}}
	}
	for _, tt := range []struct {
		err  error
		want string
	}{
		{op(&net.DNSError{Err: "no such host", Name: "x.example", Server: "127.0.0.53:53", IsNotFound: true}), "fetch failed: host not found"},
		{op(&net.DNSError{Err: "server misbehaving", Name: "x.example", Server: "10.0.0.2:53"}), "fetch failed: host lookup failed"},
		{op(&net.DNSError{Err: "i/o timeout", Name: "x.example", Server: "[fd00::53]:53", IsTimeout: true}), "timed out"},
		{op(os.NewSyscallError("connect", syscall.ECONNREFUSED)), "fetch failed: connection refused"},
		{op(os.NewSyscallError("read", syscall.ECONNRESET)), "fetch failed: connection reset"},
		{op(os.NewSyscallError("connect", syscall.EHOSTUNREACH)), "fetch failed: host unreachable"},
		{op(fail(ErrAddressNotAllowed, "")), "address not allowed"},
		{op(context.DeadlineExceeded), "timed out"},
		{op(errors.New("something else at 10.0.0.1:80")), "fetch failed: network error"},
	} {
		got := netError(tt.err)
		if got.Error() != tt.want {
			t.Errorf("%v: %q, want %q", tt.err, got, tt.want)
		}
		if !strings.Contains(tt.err.Error(), "10.0.0.1") {
			t.Fatalf("the test error %q should carry an address", tt.err)
		}
	}
}

// TestSlowServerTimedOut: a server that sends its image a byte at a time
// is cut by the whole-fetch timeout, and its connection is closed.
func TestSlowServerTimedOut(t *testing.T) {
	gone := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer close(gone)
		w.Header().Set("Content-Length", "100000")
		body := encodePNG(image.NewNRGBA(image.Rect(0, 0, 100, 100)))
		for _, c := range body {
			if _, err := w.Write([]byte{c}); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	}))
	defer srv.Close()
	l := newLoader(t, Config{AllowHosts: []string{"127.0.0.1"}, Timeout: 500 * time.Millisecond})
	done := make(chan error, 1)
	go func() {
		_, err := l.LoadImage(context.Background(), srv.URL+"/slow.png")
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, ErrTimedOut) || err.Error() != "timed out" {
			t.Errorf("err = %v, want timed out", err)
		}
	case <-time.After(patience):
		t.Fatal("a server sending a byte at a time held the fetch past any timeout")
	}
	select {
	case <-gone:
	case <-time.After(patience):
		t.Fatal("the slow server's connection stayed open")
	}
}

// blockingServer holds each request until release is closed, counting
// requests in flight per path.
type blockingServer struct {
	*httptest.Server
	release  chan struct{}
	mu       sync.Mutex
	inFlight int
	maxSeen  int
	hits     map[string]int
}

func newBlockingServer(t *testing.T) *blockingServer {
	s := &blockingServer{release: make(chan struct{}), hits: map[string]int{}}
	body := encodePNG(image.NewNRGBA(image.Rect(0, 0, 4, 4)))
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.inFlight++
		s.maxSeen = max(s.maxSeen, s.inFlight)
		s.hits[r.URL.Path]++
		s.mu.Unlock()
		defer func() {
			s.mu.Lock()
			s.inFlight--
			s.mu.Unlock()
		}()
		select {
		case <-s.release:
			w.Write(body)
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *blockingServer) stats() (inFlight, maxSeen, total int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, n := range s.hits {
		total += n
	}
	return s.inFlight, s.maxSeen, total
}

// waitFor polls cond until it holds or patience runs out.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(patience); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("waited %v for %s", patience, what)
		}
	}
}

// TestConcurrencyBound: fetches beyond MaxConcurrent wait, with their own
// context, and never reach the server meanwhile.
func TestConcurrencyBound(t *testing.T) {
	srv := newBlockingServer(t)
	l := newLoader(t, Config{AllowHosts: []string{"127.0.0.1"}, MaxConcurrent: 2, Timeout: patience})
	errs := make(chan error, 6)
	for i := range 6 {
		go func() {
			_, err := l.LoadImage(context.Background(), fmt.Sprintf("%s/%d.png", srv.URL, i))
			errs <- err
		}()
	}
	waitFor(t, "two fetches to reach the server", func() bool { n, _, _ := srv.stats(); return n >= 2 })
	// A seventh caller gives up while waiting for a slot.
	ctx, cancel := context.WithCancel(context.Background())
	waiting := make(chan error, 1)
	go func() {
		_, err := l.LoadImage(ctx, srv.URL+"/impatient.png")
		waiting <- err
	}()
	cancel()
	select {
	case err := <-waiting:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled waiter: %v", err)
		}
	case <-time.After(patience):
		t.Fatal("a waiter's cancelled context did not end its wait")
	}
	close(srv.release)
	for range 6 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	_, maxSeen, total := srv.stats()
	if maxSeen != 2 || total != 6 {
		t.Errorf("at most %d fetches at once (want 2), %d fetches in all (want 6)", maxSeen, total)
	}
	if srv.hits["/impatient.png"] != 0 {
		t.Error("the cancelled waiter's fetch reached the server")
	}
}

// TestSharedFetch: callers asking for one URL at once share one fetch; one
// caller leaving early does not fail the others.
func TestSharedFetch(t *testing.T) {
	srv := newBlockingServer(t)
	l := newLoader(t, Config{AllowHosts: []string{"127.0.0.1"}, Timeout: patience})
	const callers = 10
	errs := make(chan error, callers)
	for range callers {
		go func() {
			img, err := l.LoadImage(context.Background(), srv.URL+"/same.png")
			if err == nil && img.Bounds().Dx() != 4 {
				err = fmt.Errorf("got %v", img.Bounds())
			}
			errs <- err
		}()
	}
	waitFor(t, "the fetch to reach the server", func() bool { n, _, _ := srv.stats(); return n == 1 })
	ctx, cancel := context.WithCancel(context.Background())
	early := make(chan error, 1)
	go func() {
		_, err := l.LoadImage(ctx, srv.URL+"/same.png")
		early <- err
	}()
	cancel()
	if err := <-early; !errors.Is(err, context.Canceled) {
		t.Errorf("caller that left: %v", err)
	}
	close(srv.release)
	for range callers {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if _, _, total := srv.stats(); total != 1 {
		t.Errorf("%d fetches for one URL, want 1", total)
	}
}

// TestCacheChargesDecodedBytes: the cache counts what a decoded image
// holds: 8 bytes a pixel for 16-bit PNG, the three planes of a JPEG.
func TestCacheChargesDecodedBytes(t *testing.T) {
	var jpg bytes.Buffer
	jpeg.Encode(&jpg, image.NewRGBA(image.Rect(0, 0, 64, 64)), nil)
	files := map[string][]byte{
		"/deep.png":  encodePNG(image.NewNRGBA64(image.Rect(0, 0, 64, 64))),
		"/photo.jpg": jpg.Bytes(),
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(files[r.URL.Path]) }))
	defer srv.Close()
	l := newLoader(t, Config{AllowHosts: []string{"127.0.0.1"}})
	if _, err := l.LoadImage(context.Background(), srv.URL+"/deep.png"); err != nil {
		t.Fatal(err)
	}
	if got := l.cache.Size(); got != 64*64*8 {
		t.Errorf("16-bit PNG charged %d bytes, want %d", got, 64*64*8)
	}
	if _, err := l.LoadImage(context.Background(), srv.URL+"/photo.jpg"); err != nil {
		t.Fatal(err)
	}
	if got := l.cache.Size() - 64*64*8; got != 64*64+2*32*32 {
		t.Errorf("4:2:0 JPEG charged %d bytes, want %d", got, 64*64+2*32*32)
	}
}

func TestConfigValidate(t *testing.T) {
	for _, bad := range []Config{
		{MaxBytes: -1}, {MaxConcurrent: -1}, {MaxDecodedBytes: -1}, {DecodingBytes: -5}, {CacheTTL: -time.Second},
		{DecodingBytes: 1 << 20}, // below the default MaxDecodedBytes: nothing could decode
		{MaxDecodedBytes: 100 << 20, DecodingBytes: 99 << 20},
		{FetchingBytes: 1 << 20}, // below the default MaxBytes
		{MaxBytes: 2 << 20, FetchingBytes: 1 << 20}, {FetchingBytes: -1},
		{AllowHosts: []string{"http://x"}}, {AllowHosts: []string{""}}, {AllowHosts: []string{"x:80"}},
	} {
		if bad.Validate() == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
	for _, good := range []Config{
		{}, {MaxDecodedBytes: 1 << 20, DecodingBytes: 1 << 20}, {MaxBytes: 1 << 20, FetchingBytes: 1 << 20},
		{AllowHosts: []string{".example.com"}},
	} {
		if err := good.Validate(); err != nil {
			t.Errorf("%+v: %v", good, err)
		}
	}
	if got := (Config{MaxDecodedBytes: 300 << 20}).withDefaults().DecodingBytes; got != 300<<20 {
		t.Errorf("default DecodingBytes %d, want at least MaxDecodedBytes", got)
	}
	if got := (Config{MaxBytes: 200 << 20}).withDefaults().FetchingBytes; got != 200<<20 {
		t.Errorf("default FetchingBytes %d, want at least MaxBytes", got)
	}
}

// TestTenDeepPNGs is the hostile load of issue 9: ten distinct 310 kB
// 16-bit 40 MP PNGs fetched at once (320 MB each once decoded, 1.9 GB in
// all before) are refused from their headers, so the whole load allocates
// little more than the bytes received.
func TestTenDeepPNGs(t *testing.T) {
	file := append(png16Header(8000, 5000), make([]byte, 310<<10)...) // the rest would be IDAT
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(file) }))
	defer srv.Close()
	l := newLoader(t, Config{AllowHosts: []string{"127.0.0.1"}})
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	var wg sync.WaitGroup
	for i := range 10 {
		wg.Go(func() {
			_, err := l.LoadImage(context.Background(), fmt.Sprintf("%s/deep-%d.png", srv.URL, i))
			if !errors.Is(err, ErrTooLarge) {
				t.Errorf("deep PNG %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	runtime.ReadMemStats(&after)
	// Ten bodies of 310 kB, read into buffers that may double as they grow,
	// and the HTTP machinery: well under 32 MB, against 3.2 GB decoded.
	got := after.TotalAlloc - before.TotalAlloc
	t.Logf("ten refused deep PNGs allocated %.1f MB", float64(got)/(1<<20))
	if got > 32<<20 {
		t.Errorf("ten refused deep PNGs allocated %d MB", got>>20)
	}
}
