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
		{"problems for the page", "POST", "/api/layouts/snap/edit", `{"digest":"` + d0 + `","ops":[{"op":"set","index":0,"path":["fill"],"value":"nocolour"}]}`, true, 422, `"problems":[{"file":"snap.yaml","line":10`, snapLayout},
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

// TestElementKeys: an element without an id is matched to its box by the
// engine's default id, type-N.
func TestElementKeys(t *testing.T) {
	dir := copyLayouts(t)
	src := "canvas: {width: 100, height: 100}\nelements:\n  - type: rect\n    width: 10\n    height: 10\n    fill: \"#ff0000\"\n  - id: named\n    type: rect\n    width: 5\n    height: 5\n    fill: \"#0000ff\"\n"
	if err := os.WriteFile(filepath.Join(dir, "noid.yaml"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	srv := newServer(t, dir)
	_, body := call(t, "GET", srv.URL+"/api/layouts/noid", "", false)
	var st state
	if err := json.Unmarshal([]byte(body), &st); err != nil {
		t.Fatal(err)
	}
	_, body = call(t, "POST", srv.URL+"/api/layouts/noid/render", `{}`, true)
	var rr renderResult
	if err := json.Unmarshal([]byte(body), &rr); err != nil {
		t.Fatal(err)
	}
	if len(st.Elements) != 2 || len(rr.Boxes) != 2 {
		t.Fatalf("elements %+v, boxes %+v", st.Elements, rr.Boxes)
	}
	for i, el := range st.Elements {
		if el.Key != rr.Boxes[i].ID {
			t.Errorf("element %d: key %q, box id %q", i, el.Key, rr.Boxes[i].ID)
		}
	}
	if st.Elements[0].ID != "" || st.Elements[0].Key != "rect-1" {
		t.Errorf("first element: id %q key %q, want no id and key rect-1", st.Elements[0].ID, st.Elements[0].Key)
	}
}
