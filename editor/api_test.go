package editor

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/haibao/haibao/layoutedit"
)

func call(t *testing.T, method, url, body string, hdr bool) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	if hdr {
		req.Header.Set("X-Haibao-Edit", "1")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestAPI(t *testing.T) {
	dir := copyLayouts(t)
	srv := newServer(t, dir)
	file := filepath.Join(dir, "snap.yaml")
	orig, _ := os.ReadFile(file)
	d0 := layoutedit.Digest(orig)
	moved := strings.Replace(snapLayout, "    x: 40\n", "    x: 45\n", 1)
	for _, tc := range []struct {
		name, method, path, body string
		hdr                      bool
		status                   int
		want                     string // in the body
		file                     string // on disk afterwards
	}{
		{"no header, no write", "POST", "/api/layouts/snap/edit", `{"digest":"` + d0 + `","ops":[{"op":"move","index":0,"dx":5}]}`, false, 403, "missing X-Haibao-Edit header", snapLayout},
		{"stale digest", "POST", "/api/layouts/snap/edit", `{"digest":"00","ops":[{"op":"move","index":0,"dx":5}]}`, true, 409, `"conflict":true`, snapLayout},
		{"unknown field", "POST", "/api/layouts/snap/edit", `{"digest":"` + d0 + `","opz":[]}`, true, 422, "bad request body", snapLayout},
		{"bad name", "POST", "/api/layouts/..%2fx/edit", `{"digest":"` + d0 + `","ops":[{"op":"move","index":0,"dx":1}]}`, true, 422, "is not a layout name", snapLayout},
		{"missing layout", "GET", "/api/layouts/nope", ``, false, 404, "no such layout", snapLayout},
		{"no operations", "POST", "/api/layouts/snap/edit", `{"digest":"` + d0 + `","ops":[]}`, true, 422, "an edit holds 1 to 64 operations", snapLayout},
		{"invalid result refused", "POST", "/api/layouts/snap/edit", `{"digest":"` + d0 + `","ops":[{"op":"set","index":0,"path":["width"],"value":-3}]}`, true, 422, "the change would make the layout invalid", snapLayout},
		{"move", "POST", "/api/layouts/snap/edit", `{"digest":"` + d0 + `","ops":[{"op":"move","index":0,"id":"a","dx":5}]}`, true, 200, `"digest":"` + layoutedit.Digest([]byte(moved)), moved},
		{"undo puts the bytes back", "PUT", "/api/layouts/snap/source", `{"digest":"` + layoutedit.Digest([]byte(moved)) + `","source":` + string(must(json.Marshal(snapLayout))) + `}`, true, 200, `"digest":"` + d0, snapLayout},
		{"render", "POST", "/api/layouts/snap/render", `{"case":"sample"}`, true, 200, `"boxes":[{"id":"a","type":"rect","x":40,"y":40,"w":100,"h":100}`, snapLayout},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := call(t, tc.method, srv.URL+tc.path, tc.body, tc.hdr)
			if status != tc.status || !strings.Contains(body, tc.want) {
				t.Errorf("%s %s = %d %.300s, want %d with %q", tc.method, tc.path, status, body, tc.status, tc.want)
			}
			if b, _ := os.ReadFile(file); string(b) != tc.file {
				t.Errorf("file afterwards:\n%s", b)
			}
		})
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

func TestGuard(t *testing.T) {
	dir := copyLayouts(t)
	srv := newServer(t, dir)
	req, _ := http.NewRequest("GET", srv.URL+"/api/layouts", nil)
	req.Host = "evil.example:80" // DNS rebinding: another site's name on 127.0.0.1
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("foreign Host: status %d, want 403", resp.StatusCode)
	}
	for _, tc := range []struct {
		addr string
		want bool
	}{{"127.0.0.1:5", true}, {"[::1]:5", true}, {"10.0.0.2:5", false}, {"192.168.1.1:80", false}} {
		if got := loopbackAddr(tc.addr); got != tc.want {
			t.Errorf("loopbackAddr(%s) = %v", tc.addr, got)
		}
	}
}
