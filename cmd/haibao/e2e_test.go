package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
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

// waitHTTP polls url until it answers, with a limit generous enough for
// a busy machine.
func waitHTTP(t *testing.T, url string) {
	t.Helper()
	waitFor(t, url+" to answer", func() bool {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
		}
		return err == nil
	})
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
		"HAIBAO_SIGNING_KEYS=" + e2eSigningKey,
		// Only the shutdown may cut the slow body below, not its deadline.
		"HAIBAO_BODY_TIMEOUT=5m",
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
	signedURLs(t, bin, base)
	// Without --preview there is no preview, even with the layouts folder.
	if resp, err := http.Get(base + "/preview/"); err != nil || resp.StatusCode != 404 {
		t.Errorf("preview mounted without --preview: %v %v", resp.StatusCode, err)
	} else {
		resp.Body.Close()
	}

	// SIGTERM shuts down cleanly, and a client sending its body at 1 byte/s
	// does not hold it for the 30 s grace period.
	conn, status := slowPost(t, serveAddr, "/v1/posters/invite")
	conn.Write([]byte(`"data"`))
	serve.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- serve.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve exited with %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Error("serve did not stop on SIGTERM within 20 s")
	}
	if got := <-status; got != "" && !strings.HasPrefix(got, "HTTP/1.1 4") {
		t.Errorf("slow client got %q", got)
	}
	if strings.Contains(logs.String(), wxatest.DefaultSecret) || strings.Contains(logs.String(), "FAKE_") {
		t.Error("secret or token in the service log")
	}
}

const e2eSigningKey = "e2e-signing-key-0123456789"

// signedURLs signs a URL with the binary and checks the service renders
// it, and refuses it once any signed parameter is changed or added.
func signedURLs(t *testing.T, bin, base string) {
	t.Helper()
	src, _ := os.ReadFile("../../layouts/invite.yaml")
	data, _ := json.Marshal(sampleOf(t, src))
	file := filepath.Join(t.TempDir(), "invite.json")
	os.WriteFile(file, data, 0o644)
	cmd := exec.Command(bin, "sign", "--layout", "invite", "--data", file, "--format", "jpg", "--scale", "1.5", "--quality", "80", "--base", base, "--layouts", "../../layouts")
	cmd.Env = append(os.Environ(), "HAIBAO_SIGNING_KEYS="+e2eSigningKey)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("sign: %v", err)
	}
	u := strings.TrimSpace(string(out))
	get := func(u string) (int, []byte) {
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	code, b := get(u)
	if code != 200 {
		t.Fatalf("signed URL: %d %s", code, b)
	}
	img, _, err := image.Decode(bytes.NewReader(b))
	if err != nil || img.Bounds().Dx() != 1125 {
		t.Errorf("signed URL at scale 1.5: %v, %v", img.Bounds(), err)
	}
	for name, bad := range map[string]string{
		"scale added":     strings.Replace(u, "scale=1.5", "scale=3", 1),
		"quality changed": strings.Replace(u, "quality=80", "quality=100", 1),
		"format changed":  strings.Replace(u, "/invite.jpg?", "/invite.webp?", 1),
		"unsigned option": u + "&width=4000",
		"repeated scale":  u + "&scale=3",
	} {
		if code, b := get(bad); code != 403 {
			t.Errorf("%s: %d %s", name, code, b)
		}
	}
}
