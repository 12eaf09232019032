package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/haibao/haibao/internal/scan"
	"github.com/haibao/haibao/wxa/wxatest"
)

func fakeEnv(t *testing.T, fake *wxatest.Server) map[string]string {
	return map[string]string{
		"HAIBAO_WECHAT_APPID":    wxatest.DefaultAppID,
		"HAIBAO_WECHAT_SECRET":   wxatest.DefaultSecret,
		"HAIBAO_WECHAT_BASE_URL": fake.URL,
		"HAIBAO_CACHE_DIR":       t.TempDir(),
	}
}

func TestCodeCommand(t *testing.T) {
	fake := wxatest.NewServer(wxatest.Options{})
	defer fake.Close()
	env := fakeEnv(t, fake)
	dir := t.TempDir()
	for _, name := range []string{"code.jpg", "code.png"} {
		out := filepath.Join(dir, name)
		code, _, errs := runCLIEnv(t, context.Background(), env, "", "code", "--page", "pages/index", "--scene", "a=1&b=2", "--out", out)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errs)
		}
		img, format := decodeFile(t, out)
		if got, err := scan.QR(img); err != nil || got != "pages/index?scene=a=1&b=2" {
			t.Errorf("%s: scanned %q, %v", name, got, err)
		}
		if img.Bounds().Dx() != 430 || format != strings.TrimSuffix(strings.Replace(filepath.Ext(name)[1:], "jpg", "jpeg", 1), "") {
			t.Errorf("%s: %s %v", name, format, img.Bounds())
		}
	}
	if n := fake.Stats().CodeCalls["getUnlimited"]; n != 1 {
		t.Errorf("second code came from %d calls, want the cache", n)
	}
	tests := []struct {
		env  map[string]string
		args []string
		exit int
		msg  string
	}{
		{nil, []string{"code", "--scene", "x"}, exitUsage, "no WeChat credentials"},
		{env, []string{"code", "--scene", "has space"}, exitUsage, "--scene: contains ' '"},
		{env, []string{"code", "--scene", "x", "--width", "100"}, exitUsage, "--width: must be from 280 to 1280"},
		{env, []string{"code", "--scene", "x", "--out", filepath.Join(dir, "c.gif")}, exitUsage, "--out must end in .png or .jpg"},
		{env, []string{"code", "--scene", "x", "--line-color", "blue"}, exitUsage, "--line-color"},
	}
	for _, tt := range tests {
		code, _, errs := runCLIEnv(t, context.Background(), tt.env, "", tt.args...)
		if code != tt.exit || !strings.Contains(errs, tt.msg) {
			t.Errorf("%v: exit %d, %q", tt.args, code, errs)
		}
		if strings.Contains(errs, wxatest.DefaultSecret) {
			t.Errorf("%v: secret in output", tt.args)
		}
	}
}

// TestPregenResume interrupts a pre-generation run and runs it again: the
// second run skips what the first cached, and every scene costs exactly
// one upstream call in all.
func TestPregenResume(t *testing.T) {
	fake := wxatest.NewServer(wxatest.Options{})
	defer fake.Close()
	fake.SetFaults(wxatest.Faults{LatencyMS: 25})
	env := fakeEnv(t, fake)
	var b strings.Builder
	b.WriteString("# campaign scenes\n")
	for i := range 40 {
		fmt.Fprintf(&b, "u=%d\n", i)
	}
	b.WriteString("bad scene\n\nu=1\n")
	file := filepath.Join(t.TempDir(), "scenes.txt")
	os.WriteFile(file, []byte(b.String()), 0o644)
	args := []string{"pregen", "--page", "pages/index", "--scenes", file, "--concurrency", "2"}

	// Interrupt as Ctrl-C does: calls already on their way finish and are
	// cached, nothing new starts.
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for fake.Stats().CodeCalls["getUnlimited"] < 4 {
			time.Sleep(5 * time.Millisecond)
		}
		cancel()
	}()
	code, _, errs := runCLIEnv(t, ctx, env, "", args...)
	cancel()
	if code == 0 {
		t.Fatalf("interrupted run exited 0: %s", errs)
	}
	if !strings.Contains(errs, file+`:42: scene "bad scene" contains ' '`) {
		t.Errorf("bad line not reported with its number:\n%s", errs)
	}
	first := fake.Stats().CodeCalls["getUnlimited"]
	if first == 0 || first >= 40 {
		t.Fatalf("first run made %d calls; want it interrupted part way", first)
	}
	code, _, errs = runCLIEnv(t, context.Background(), env, "", args...)
	if code != exitFailure { // the bad line still counts
		t.Errorf("second run exit %d", code)
	}
	if !strings.Contains(errs, fmt.Sprintf("%d already cached", first)) || !strings.Contains(errs, "0 failed, 1 invalid lines, 0 not done") {
		t.Errorf("summary: %s", errs)
	}
	if n := fake.Stats().CodeCalls["getUnlimited"]; n != 40 {
		t.Errorf("%d upstream calls in all for 40 scenes", n)
	}
	// Failures are counted and make the exit non-zero.
	fake.SetFaults(wxatest.Faults{ErrCode: 45009})
	os.WriteFile(file, []byte("new=1\n"), 0o644)
	code, _, errs = runCLIEnv(t, context.Background(), env, "", args...)
	if code != exitFailure || !strings.Contains(errs, ":1: scene \"new=1\"") || !strings.Contains(errs, "1 failed") {
		t.Errorf("failure run: exit %d\n%s", code, errs)
	}
}

func TestParseRate(t *testing.T) {
	for in, want := range map[string]int{"5000/m": 5000, "100/s": 6000, "600/h": 10, "30": 30} {
		if got, err := parseRate(in); err != nil || got != want {
			t.Errorf("%s: %d %v", in, got, err)
		}
	}
	for _, bad := range []string{"fast", "-1/m", "10/d", "0"} {
		if _, err := parseRate(bad); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

func TestFakeWechatCommand(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	go func() {
		code, _, _ := runCLIEnv(t, ctx, nil, "", "fake-wechat", "--addr", addr, "--pages", "pages/a,pages/b")
		done <- code
	}()
	var resp *http.Response
	waitFor(t, "fake-wechat to answer", func() bool {
		resp, err = http.Get("http://" + addr + "/_fake/stats")
		return err == nil
	})
	var st map[string]any
	json.NewDecoder(resp.Body).Decode(&st)
	resp.Body.Close()
	for _, k := range []string{"token_calls", "stable_token_calls", "code_calls"} {
		if _, ok := st[k]; !ok {
			t.Errorf("stats lack %q: %v", k, st)
		}
	}
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("exit %d after shutdown", code)
	}
	if code, _, _ := runCLI(t, "", "fake-wechat", "--token-ttl", "0s"); code != exitUsage {
		t.Errorf("bad ttl: exit %d", code)
	}
}
