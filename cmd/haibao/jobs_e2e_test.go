package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	_ "image/jpeg"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/haibao/haibao/internal/s3test"
	"github.com/haibao/haibao/internal/scan"
	"github.com/haibao/haibao/jobs"
)

const e2eWebhookSecret = "e2e-webhook-secret-0123"

// TestStoredPostersAndJobsEndToEnd runs the built binary against a real
// S3 server: "response": "url" stores a poster once, a job stores the
// rest (the poster stored before is not uploaded again), its webhook
// arrives signed after two failures, and the job is still there after a
// restart.
func TestStoredPostersAndJobsEndToEnd(t *testing.T) {
	bin := haibaoBinary(t)
	s3 := s3test.Start(t)

	var mu sync.Mutex
	var hookCalls int
	hookBody := make(chan []byte, 1)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		hookCalls++
		n := hookCalls
		mu.Unlock()
		if n <= 2 {
			http.Error(w, "not now", http.StatusServiceUnavailable)
			return
		}
		if r.Header.Get("X-Haibao-Signature") != jobs.Sign(e2eWebhookSecret, body) {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		hookBody <- body
	}))
	defer hook.Close()

	addr := freeAddr(t)
	base := "http://" + addr
	env := []string{
		"AWS_ACCESS_KEY_ID=" + s3.AccessKey, "AWS_SECRET_ACCESS_KEY=" + s3.SecretKey,
		"HAIBAO_STORAGE_URL=" + s3.URL("e2e"), "HAIBAO_STORAGE_PUBLIC_URL=https://cdn.example",
		"HAIBAO_JOBS_DIR=" + t.TempDir(), "HAIBAO_CACHE_DIR=" + t.TempDir(), "HAIBAO_LAYOUT_VERSIONS_DIR=" + t.TempDir(),
		"HAIBAO_WEBHOOK_SECRET=" + e2eWebhookSecret, "HAIBAO_WEBHOOK_HOSTS=127.0.0.1", "HAIBAO_API_KEYS=e2e-key",
	}
	r := &rig{t: t, bin: bin}
	serve := func() *instance {
		in := r.start(env, "serve", "--addr", addr, "--layouts", "../../layouts")
		waitHTTP(t, base+"/healthz")
		return in
	}
	in := serve()
	call := func(method, path, ct, body string) (int, []byte) {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer e2e-key")
		if ct != "" {
			req.Header.Set("Content-Type", ct)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}

	row := func(i int) map[string]any {
		return map[string]any{"nickname": fmt.Sprintf("跑友%d", i), "headline": "城市夜跑节", "tagline": "滨江步道",
			"invite": "一起跑", "page": "pages/run/signup", "scene": fmt.Sprintf("u=%d", i)}
	}
	body, _ := json.Marshal(map[string]any{"data": row(0), "format": "jpeg", "response": "url"})
	var stored struct {
		URL, Key      string
		Width, Height int
		Bytes         int64
	}
	for range 2 {
		code, b := call("POST", "/v1/posters/campaign", "application/json", string(body))
		if code != 200 || json.Unmarshal(b, &stored) != nil {
			t.Fatalf("response url: %d %s", code, b)
		}
	}
	if s3.Count(t, "e2e/") != 1 || stored.URL != "https://cdn.example/e2e/"+stored.Key || stored.Width != 750 || stored.Height != 1334 {
		t.Fatalf("stored %+v; %d objects", stored, s3.Count(t, "e2e/"))
	}
	obj, ct := s3.Get(t, "e2e/"+stored.Key)
	img, _, err := image.Decode(bytes.NewReader(obj))
	if err != nil || ct != "image/jpeg" || int64(len(obj)) != stored.Bytes {
		t.Fatalf("stored object: %v %s %d bytes", err, ct, len(obj))
	}
	if got, err := scan.QR(img); err != nil || got != "pages/run/signup?scene=u=0" {
		t.Fatalf("stored poster's code: %q %v", got, err)
	}

	rows := []map[string]any{row(0), row(1), row(2), row(2), {"headline": "much too long for eight"}}
	body, _ = json.Marshal(map[string]any{"layout": "campaign", "format": "jpeg", "rows": rows, "webhook_url": hook.URL + "/done"})
	code, b := call("POST", "/v1/jobs", "application/json", string(body))
	var st jobs.State
	if code != 202 || json.Unmarshal(b, &st) != nil {
		t.Fatalf("POST /v1/jobs: %d %s", code, b)
	}
	select {
	case b := <-hookBody:
		var end jobs.State
		if err := json.Unmarshal(b, &end); err != nil || end.ID != st.ID || end.Status != jobs.Done ||
			end.Counts != (jobs.Counts{Total: 5, Stored: 2, Existing: 2, Failed: 1}) {
			t.Fatalf("webhook body: %s", b)
		}
	case <-time.After(3 * time.Minute):
		t.Fatalf("no signed webhook within 3 minutes (%d calls)", hookCalls)
	}
	if n := s3.Count(t, "e2e/posters/"); n != 3 {
		t.Fatalf("%d posters after the job; want 3 (one per distinct poster)", n)
	}
	if n := s3.Count(t, "e2e/jobs/"+st.ID+"/"); n != 2 {
		t.Fatalf("%d job outputs stored; want the manifest and the errors file", n)
	}
	code, b = call("GET", "/v1/jobs/"+st.ID+"/errors", "", "")
	if code != 200 || !strings.Contains(string(b), "5,headline,\"is 23 characters, at most 8\"") {
		t.Fatalf("errors file: %d %s", code, b)
	}

	// A restart keeps the finished job.
	in.cmd.Process.Signal(syscall.SIGTERM)
	in.cmd.Wait()
	in = serve()
	code, b = call("GET", "/v1/jobs/"+st.ID, "", "")
	if code != 200 || json.Unmarshal(b, &st) != nil || st.Status != jobs.Done {
		t.Fatalf("after a restart: %d %s", code, b)
	}
	code, b = call("GET", "/v1/jobs/"+st.ID+"/manifest", "", "")
	if code != 200 || strings.Count(string(b), "\n") != 4 || !strings.Contains(string(b), stored.Key) {
		t.Fatalf("manifest: %d %s", code, b)
	}
	for _, secret := range []string{s3.SecretKey, e2eWebhookSecret} {
		if strings.Contains(in.logs.String(), secret) {
			t.Fatal("a secret reached the log")
		}
	}
}
