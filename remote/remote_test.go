package remote

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/png"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/haibao/haibao/internal/testimg"
	"github.com/haibao/haibao/poster/picture"
)

func pngBytes(w, h int) []byte {
	var b bytes.Buffer
	png.Encode(&b, image.NewNRGBA(image.Rect(0, 0, w, h)))
	return b.Bytes()
}

type imageServer struct {
	*httptest.Server
	hits atomic.Int32
}

func newImageServer(t *testing.T) *imageServer {
	s := &imageServer{}
	mux := http.NewServeMux()
	mux.HandleFunc("/ok.png", func(w http.ResponseWriter, r *http.Request) { s.hits.Add(1); w.Write(pngBytes(8, 8)) })
	mux.HandleFunc("/bomb.png", func(w http.ResponseWriter, r *http.Request) { w.Write(testimg.BombPNG(100000, 100000)) })
	mux.HandleFunc("/big.png", func(w http.ResponseWriter, r *http.Request) { w.Write(bytes.Repeat([]byte("x"), 5000)) })
	mux.HandleFunc("/text", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("<html>not an image</html>")) })
	mux.HandleFunc("/missing", http.NotFound)
	mux.HandleFunc("/to-loopback", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://127.0.0.1:"+strings.Split(r.Host, ":")[1]+"/ok.png", http.StatusFound)
	})
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop", http.StatusFound) })
	s.Server = httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

// TestRefusesInternalAddresses is the SSRF table: none of these may be
// fetched, whatever is listening there.
func TestRefusesInternalAddresses(t *testing.T) {
	srv := newImageServer(t)
	port := srv.URL[strings.LastIndex(srv.URL, ":")+1:]
	l, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ url, why string }{
		{"http://127.0.0.1:" + port + "/ok.png", "loopback"},
		{"http://[::1]:" + port + "/ok.png", "loopback"},
		{"http://10.0.0.1/a.png", "private"},
		{"http://192.168.1.1/a.png", "private"},
		{"http://169.254.169.254/latest/meta-data", "link-local"},
		{"http://[::ffff:127.0.0.1]:" + port + "/ok.png", "loopback"},
		{"http://localhost:" + port + "/ok.png", "loopback"},
		{"http://0.0.0.0:" + port + "/ok.png", "unspecified"},
		{"http://[fe80::1]/a.png", "link-local"},
		{"http://224.0.0.1/a.png", "link-local"},
		{"http://239.1.1.1/a.png", "multicast"},
		{"file:///etc/passwd", "only http and https"},
		{"ftp://example.com/a.png", "only http and https"},
		{"http://user:pw@example.com/a.png", "credentials"},
		{"gopher://127.0.0.1/", "only http and https"},
	}
	for _, tt := range tests {
		_, err := l.LoadImage(context.Background(), tt.url)
		if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), tt.why) {
			t.Errorf("%s: err = %v, want refusal for %s", tt.url, err, tt.why)
		}
	}
	if n := srv.hits.Load(); n != 0 {
		t.Errorf("the local server was reached %d times", n)
	}
}

func TestAllowlistAndRedirects(t *testing.T) {
	srv := newImageServer(t)
	port := srv.URL[strings.LastIndex(srv.URL, ":")+1:]
	l, err := New(Config{AllowHosts: []string{"localhost"}, MaxBytes: 4000})
	if err != nil {
		t.Fatal(err)
	}
	base := "http://localhost:" + port
	img, err := l.LoadImage(context.Background(), base+"/ok.png")
	if err != nil || img.Bounds().Dx() != 8 {
		t.Fatalf("allowed local host: %v", err)
	}
	// Cached: no second fetch.
	l.LoadImage(context.Background(), base+"/ok.png")
	if srv.hits.Load() != 1 {
		t.Errorf("hits %d, want 1 (cached)", srv.hits.Load())
	}
	tests := []struct {
		path string
		err  error
		msg  string
	}{
		{"/to-loopback", ErrRefused, "host 127.0.0.1 is not in the allowed image hosts"},
		{"/loop", ErrRefused, "redirects"},
		{"/bomb.png", picture.ErrTooLarge, "pixels"},
		{"/big.png", picture.ErrTooLarge, "bytes"},
		{"/text", picture.ErrUnsupported, ""},
		{"/missing", nil, "HTTP 404"},
	}
	for _, tt := range tests {
		_, err := l.LoadImage(context.Background(), base+tt.path)
		if err == nil || (tt.err != nil && !errors.Is(err, tt.err)) || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("%s: err = %v", tt.path, err)
		}
	}
	if _, err := l.LoadImage(context.Background(), "http://other.example/a.png"); !errors.Is(err, ErrRefused) {
		t.Errorf("host outside the allowlist: %v", err)
	}
}

func TestBlockedTable(t *testing.T) {
	for addr, want := range map[string]string{
		"127.0.0.1": "loopback", "::1": "loopback", "10.1.2.3": "private", "172.16.0.1": "private",
		"192.168.0.1": "private", "169.254.169.254": "link-local", "::ffff:10.0.0.1": "private",
		"fc00::1": "private", "100.64.0.1": "reserved", "0.0.0.0": "unspecified", "::": "unspecified",
		"8.8.8.8": "", "2001:4860:4860::8888": "",
	} {
		if got := blocked(netip.MustParseAddr(addr)); got != want {
			t.Errorf("%s: %q, want %q", addr, got, want)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	for _, bad := range []Config{{MaxBytes: -1}, {AllowHosts: []string{"http://x"}}, {AllowHosts: []string{""}}} {
		if bad.Validate() == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
}
