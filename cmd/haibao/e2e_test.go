package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image/png"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/haibao/haibao/internal/scan"
	"github.com/haibao/haibao/wxa/wxatest"
)

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func waitHTTP(t *testing.T, url string) {
	t.Helper()
	for range 200 {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			return
		}
		time.Sleep(25 * time.Millisecond)
	}
	t.Fatalf("%s never answered", url)
}

// TestServiceEndToEnd builds the real binary, runs `haibao fake-wechat` and
// `haibao serve` against it over HTTP, posts every sample layout and scans
// page and scene back out of the returned posters.
func TestServiceEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := filepath.Join(t.TempDir(), "haibao")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	fakeAddr, serveAddr := freeAddr(t), freeAddr(t)
	start := func(env []string, args ...string) (*exec.Cmd, *bytes.Buffer) {
		cmd := exec.Command(bin, args...)
		var logs bytes.Buffer
		cmd.Stdout, cmd.Stderr = &logs, &logs
		cmd.Env = append(os.Environ(), env...)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		return cmd, &logs
	}
	start(nil, "fake-wechat", "--addr", fakeAddr, "--pages", "pages/product/detail,pages/event/join,pages/achievement/show,pages/run/signup")
	waitHTTP(t, "http://"+fakeAddr+"/_fake/stats")
	serve, logs := start([]string{
		"HAIBAO_WECHAT_APPID=" + wxatest.DefaultAppID, "HAIBAO_WECHAT_SECRET=" + wxatest.DefaultSecret,
		"HAIBAO_WECHAT_BASE_URL=http://" + fakeAddr, "HAIBAO_CACHE_DIR=" + t.TempDir(), "HAIBAO_API_KEYS=e2e-key",
	}, "serve", "--addr", serveAddr, "--layouts", "../../layouts")
	base := "http://" + serveAddr
	waitHTTP(t, base+"/healthz")

	var list struct {
		Layouts []struct {
			Name string `json:"name"`
		} `json:"layouts"`
	}
	resp, err := http.Get(base + "/v1/layouts")
	if err != nil {
		t.Fatal(err)
	}
	json.NewDecoder(resp.Body).Decode(&list)
	resp.Body.Close()
	if len(list.Layouts) < 4 {
		t.Fatalf("layouts: %+v", list)
	}
	for _, l := range list.Layouts {
		src, _ := os.ReadFile(filepath.Join("../../layouts", l.Name+".yaml"))
		sample := sampleOf(t, src)
		body, _ := json.Marshal(map[string]any{"data": sample, "format": "png"})
		req, _ := http.NewRequest("POST", base+"/v1/posters/"+l.Name, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer e2e-key")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", l.Name, resp.StatusCode, b)
		}
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		got, err := scan.QR(img)
		want := fmt.Sprintf("%v?scene=%v", sample["page"], sample["scene"])
		if err != nil || got != want {
			t.Errorf("%s: code says %q (%v), want %q", l.Name, got, err, want)
		}
	}
	resp, err = http.Get("http://" + fakeAddr + "/_fake/stats")
	if err != nil {
		t.Fatal(err)
	}
	var st wxatest.Stats
	json.NewDecoder(resp.Body).Decode(&st)
	resp.Body.Close()
	if st.CodeCalls["getUnlimited"] != len(list.Layouts) || st.StableTokenCalls != 1 {
		t.Errorf("fake stats %+v", st)
	}
	// SIGTERM shuts down cleanly.
	serve.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- serve.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve exited with %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Error("serve did not stop on SIGTERM")
	}
	if strings.Contains(logs.String(), wxatest.DefaultSecret) || strings.Contains(logs.String(), "FAKE_") {
		t.Error("secret or token in the service log")
	}
}
