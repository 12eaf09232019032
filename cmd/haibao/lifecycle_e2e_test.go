package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/haibao/haibao/signurl"
)

// TestLayoutChangesGoLive: the built service picks up a layout changed on
// disk while requests flow (none fails), serves the new version to new
// requests, keeps rendering a pinned signed URL with the old one, and
// keeps the last good version when the file turns invalid.
func TestLayoutChangesGoLive(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := filepath.Join(t.TempDir(), "haibao")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	dir := t.TempDir()
	for _, name := range []string{"product.yaml", "invite.yaml"} {
		b, err := os.ReadFile(filepath.Join("../../layouts", name))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, name), b, 0o644)
	}
	addr := freeAddr(t)
	cmd := exec.Command(bin, "serve", "--addr", addr, "--layouts", dir)
	var logs lockedBuffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	cmd.Env = append(os.Environ(), "HAIBAO_SIGNING_KEYS="+e2eSigningKey, "HAIBAO_LAYOUT_VERSIONS_DIR="+t.TempDir(),
		"HAIBAO_CACHE_DIR="+t.TempDir(), "HAIBAO_WECHAT_APPID=", "HAIBAO_WECHAT_SECRET=")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("serve log:\n%s", logs.String())
		}
	})
	base := "http://" + addr
	waitHTTP(t, base+"/healthz")

	version := func() string {
		resp, err := http.Get(base + "/v1/layouts")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var list struct {
			Layouts []struct{ Name, Version string }
		}
		json.NewDecoder(resp.Body).Decode(&list)
		for _, l := range list.Layouts {
			if l.Name == "product" {
				return l.Version
			}
		}
		t.Fatal("no product layout")
		return ""
	}
	src, _ := os.ReadFile(filepath.Join(dir, "product.yaml"))
	sample := sampleOf(t, src)
	body, _ := json.Marshal(map[string]any{"data": sample})
	post := func() (int, []byte) {
		resp, err := http.Post(base+"/v1/posters/product", "application/json", bytes.NewReader(body))
		if err != nil {
			return 0, []byte(err.Error())
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	get := func(u string) (int, []byte) {
		resp, err := http.Get(base + u)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}

	v1 := version()
	pinned, err := signurl.URL("", []byte(e2eSigningKey), signurl.Poster{Layout: "product", Ext: "png", Data: sample, Version: v1, Expires: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	code, before := get(pinned)
	if code != 200 {
		t.Fatalf("pinned URL: %d %s", code, before)
	}
	_, postedBefore := post()

	// Requests flow while the file changes.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	statuses := map[int]int{}
	for range 3 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				c, _ := post()
				mu.Lock()
				statuses[c]++
				mu.Unlock()
			}
		})
	}
	changed := strings.Replace(string(src), `color: "#f5222d"`, `color: "#1677ff"`, 1)
	if changed == string(src) {
		t.Fatal("the product sample no longer has the red price this test recolours")
	}
	save := func(s string) { // as editors do: write aside, rename over
		tmp := filepath.Join(dir, ".product.yaml.swp")
		os.WriteFile(tmp, []byte(s), 0o644)
		os.Rename(tmp, filepath.Join(dir, "product.yaml"))
	}
	save(changed)
	deadline := time.Now().Add(60 * time.Second)
	for version() == v1 {
		if time.Now().After(deadline) {
			t.Fatal("the changed layout did not go live within 60 s")
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond)
	close(stop)
	wg.Wait()
	if len(statuses) != 1 || statuses[200] == 0 {
		t.Fatalf("statuses while the layout changed: %v", statuses)
	}
	if _, after := post(); bytes.Equal(after, postedBefore) {
		t.Error("a new request still got the old design")
	}
	if code, again := get(pinned); code != 200 || !bytes.Equal(again, before) {
		t.Errorf("pinned URL after the change: %d, same bytes %v", code, bytes.Equal(again, before))
	}
	if code, _ := get(strings.Replace(pinned, "v="+v1, "v="+strings.Repeat("0", 32), 1)); code != 403 {
		t.Errorf("pinned URL with another version: %d, want 403", code)
	}

	// A broken save keeps the last good version serving and says so.
	v2 := version()
	save("canvas: {width: nope}\n")
	deadline = time.Now().Add(60 * time.Second)
	for {
		_, ready := get("/readyz")
		if strings.Contains(string(ready), "layout_problems") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz does not report the broken file: %s", ready)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if c, b := post(); c != 200 || version() != v2 {
		t.Errorf("after a broken save: %d %.100s, version changed: %v", c, b, version() != v2)
	}
	if !strings.Contains(logs.String(), "last good version keeps serving") {
		t.Error("the broken file was not logged")
	}
}
