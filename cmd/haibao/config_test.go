package main

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/haibao/haibao/server"
	"github.com/haibao/haibao/wxa"
)

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestWechatConfigDefaultsAndEnv(t *testing.T) {
	c, err := readWechatConfig(envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	if want := defaultWechatConfig(); !reflect.DeepEqual(c, want) || c.Configured() {
		t.Errorf("defaults: %+v, want %+v", c, want)
	}
	if c.TokenMode != tokenStable || c.Rate != wxa.DefaultRatePerMinute || c.DiskCacheBytes != 1<<30 || c.CacheDir == "" {
		t.Errorf("defaults: %+v", c)
	}
	c, err = readWechatConfig(envOf(map[string]string{
		"HAIBAO_WECHAT_APPID": "wx1", "HAIBAO_WECHAT_SECRET": "s", "HAIBAO_WECHAT_BASE_URL": "http://127.0.0.1:9",
		"HAIBAO_WECHAT_TOKEN_MODE": "legacy", "HAIBAO_WECHAT_RATE": "60", "HAIBAO_CACHE_DIR": "/tmp/codes", "HAIBAO_CODE_CACHE_MB": "5",
	}))
	want := wechatConfig{AppID: "wx1", Secret: "s", BaseURL: "http://127.0.0.1:9", TokenMode: tokenLegacy, Rate: 60,
		CacheDir: "/tmp/codes", DiskCacheBytes: 5 << 20, MemCacheBytes: defaultCodeMemBytes, RateSet: true}
	if err != nil || !reflect.DeepEqual(c, want) || !c.Configured() {
		t.Errorf("got %+v %v\nwant %+v", c, err, want)
	}
	// Validate only checks: a zero config is refused, not filled in.
	var zero wechatConfig
	if err := zero.Validate(); err == nil {
		t.Error("zero config accepted")
	}
	if !reflect.DeepEqual(zero, wechatConfig{}) {
		t.Error("Validate changed the config")
	}
}

func TestServeConfigEnv(t *testing.T) {
	c, err := readServeConfig(envOf(map[string]string{
		"HAIBAO_ADDR": "127.0.0.1:9999", "HAIBAO_LAYOUTS": "/srv/layouts", "HAIBAO_PREVIEW": "true",
		"HAIBAO_API_KEYS": "k1, k2,", "HAIBAO_SIGNING_KEYS": "signing-key-0123456789",
		"HAIBAO_RENDER_CONCURRENCY": "3", "HAIBAO_QUEUE_SIZE": "7", "HAIBAO_OUTPUT_CACHE_MB": "32",
		"HAIBAO_BODY_LIMIT": "2048", "HAIBAO_REQUEST_TIMEOUT": "9s", "HAIBAO_BODY_TIMEOUT": "3s", "HAIBAO_IMAGE_HOSTS": "cdn.example.com, .img.example.com",
		"HAIBAO_FETCH_CONCURRENCY": "5", "HAIBAO_MAX_REQUESTS": "11",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:9999" || c.Layouts != "/srv/layouts" || !c.Preview {
		t.Errorf("flags' settings: %+v", c)
	}
	wantServer := server.DefaultConfig()
	wantServer.APIKeys, wantServer.SigningKeys = []string{"k1", "k2"}, [][]byte{[]byte("signing-key-0123456789")}
	wantServer.RenderConcurrency, wantServer.QueueSize, wantServer.OutputCacheBytes = 3, 7, 32<<20
	wantServer.BodyLimit, wantServer.RequestTimeout, wantServer.BodyTimeout = 2048, 9*time.Second, 3*time.Second
	wantServer.FetchConcurrency, wantServer.MaxRequests = 5, 11
	if !reflect.DeepEqual(c.Server, wantServer) {
		t.Errorf("server config %+v\nwant %+v", c.Server, wantServer)
	}
	if !reflect.DeepEqual(c.Remote.AllowHosts, []string{"cdn.example.com", ".img.example.com"}) {
		t.Errorf("image hosts %q", c.Remote.AllowHosts)
	}
	before := c.Server
	if err := c.Validate(); err != nil || !reflect.DeepEqual(c.Server, before) {
		t.Errorf("Validate: %v, changed %+v", err, c.Server)
	}
	wantHTTP := defaultHTTPConfig()
	wantHTTP.BodyTimeout = 3 * time.Second
	if c.HTTP != wantHTTP {
		t.Errorf("http %+v", c.HTTP)
	}
}

// TestServePreviewOnlyWhenAsked: the preview renders on request, so serve
// mounts it only with --preview or HAIBAO_PREVIEW=true.
func TestServePreviewOnlyWhenAsked(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		args []string
		want int
	}{
		{nil, nil, 404},
		{nil, []string{"--preview"}, 200},
		{map[string]string{"HAIBAO_PREVIEW": "true"}, nil, 200},
	} {
		addr := freeAddr(t)
		env := map[string]string{"HAIBAO_CACHE_DIR": t.TempDir()}
		for k, v := range tc.env {
			env[k] = v
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan int, 1)
		args := append([]string{"serve", "--addr", addr, "--layouts", "../../layouts"}, tc.args...)
		go func() {
			code, _, _ := runCLIEnv(t, ctx, env, "", args...)
			done <- code
		}()
		waitHTTP(t, "http://"+addr+"/healthz")
		resp, err := http.Get("http://" + addr + "/preview/")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("%v %v: /preview/ %d, want %d", tc.env, tc.args, resp.StatusCode, tc.want)
		}
		cancel()
		if code := <-done; code != exitOK {
			t.Errorf("%v %v: exit %d", tc.env, tc.args, code)
		}
	}
}

// TestSettingsReadInOnePlace: HAIBAO_* variables are read in config.go
// only, so its list and the README's stay the one source.
func TestSettingsReadInOnePlace(t *testing.T) {
	files, _ := filepath.Glob("*.go")
	for _, f := range files {
		if f == "config.go" || strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(src), `getenv("`) || strings.Contains(string(src), "os.Getenv(") {
			t.Errorf("%s reads a setting itself; read it in config.go", f)
		}
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	src, _ := os.ReadFile("config.go")
	for _, m := range regexp.MustCompile(`"(HAIBAO_[A-Z_]+)"`).FindAllStringSubmatch(string(src), -1) {
		if !strings.Contains(string(readme), "`"+m[1]+"`") {
			t.Errorf("README does not list %s", m[1])
		}
	}
}

func TestStorageConfigFromEnv(t *testing.T) {
	c := readStorageConfig(envOf(map[string]string{"HAIBAO_STORAGE_URL": "s3://b", "HAIBAO_STORAGE_PUBLIC_URL": "https://cdn.example.com",
		"AWS_ACCESS_KEY_ID": "id", "AWS_SECRET_ACCESS_KEY": "sk"}))
	if c.URL != "s3://b" || c.PublicURL != "https://cdn.example.com" || c.AccessKey != "id" || c.SecretKey != "sk" {
		t.Fatalf("%+v", c)
	}
}
