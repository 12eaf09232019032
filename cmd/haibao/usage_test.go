package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/haibao/haibao/signurl"
)

const testSecret = "half-set-secret-value-0123"

// TestBadUsageExits2 runs every subcommand with bad flags, arguments or
// settings: each must exit 2 with a message naming what is wrong, and do
// nothing else (no output, no secret in the message).
func TestBadUsageExits2(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data.json")
	os.WriteFile(data, inviteSample(t, nil), 0o644)
	var scenes strings.Builder
	for i := range 50 {
		fmt.Fprintf(&scenes, "u=%d\n", i)
	}
	scenesFile := filepath.Join(dir, "scenes.txt")
	os.WriteFile(scenesFile, []byte(scenes.String()), 0o644)
	missing := filepath.Join(dir, "missing.json")

	creds := map[string]string{
		"HAIBAO_WECHAT_APPID": "wx-test-app", "HAIBAO_WECHAT_SECRET": testSecret,
		// Nothing may be called: this address refuses connections.
		"HAIBAO_WECHAT_BASE_URL": "http://127.0.0.1:1", "HAIBAO_CACHE_DIR": filepath.Join(dir, "codes"),
	}
	appOnly := map[string]string{"HAIBAO_WECHAT_APPID": "wx-test-app"}
	secretOnly := map[string]string{"HAIBAO_WECHAT_SECRET": testSecret}
	signing := map[string]string{"HAIBAO_SIGNING_KEYS": "signing-key-0123456789"}
	with := func(base map[string]string, kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	const halfSet = "HAIBAO_WECHAT_APPID and HAIBAO_WECHAT_SECRET must be set together"
	render := []string{"render", "--layout", "product", "--layouts", "../../layouts"}
	tests := []struct {
		name string
		env  map[string]string
		args []string
		msg  string
	}{
		{"render: unknown flag", nil, []string{"render", "--colour", "red"}, "flag provided but not defined: -colour"},
		{"render: argument", nil, []string{"render", "--layout", "product", "extra"}, `unexpected argument "extra"`},
		{"render: no layout", nil, []string{"render"}, "--layout is required"},
		{"render: unknown layout", nil, []string{"render", "--layout", "nope", "--layouts", "../../layouts"}, `no layout named "nope"`},
		{"render: missing layouts folder", nil, []string{"render", "--layout", "nope", "--layouts", missing}, "layouts folder"},
		{"render: missing data file", nil, append(render, "--data", missing), "data: open " + missing},
		{"render: format", nil, append(render, "--format", "gif"), `--format: unknown format "gif"`},
		{"render: quality", nil, append(render, "--quality", "101"), "--quality must be from 1 to 100"},
		{"render: scale NaN", nil, append(render, "--scale", "NaN"), "--scale must be a number greater than 0 and at most 4, got NaN"},
		{"render: scale Inf", nil, append(render, "--scale", "Inf"), "--scale must be a number greater than 0 and at most 4, got +Inf"},
		{"render: scale -Inf", nil, append(render, "--scale", "-Inf"), "--scale must be a number greater than 0 and at most 4, got -Inf"},
		{"render: scale 0", nil, append(render, "--scale", "0"), "--scale must be a number greater than 0 and at most 4, got 0"},
		{"render: scale -1", nil, append(render, "--scale", "-1"), "--scale must be a number greater than 0 and at most 4, got -1"},
		{"render: scale 5", nil, append(render, "--scale", "5"), "--scale must be a number greater than 0 and at most 4, got 5"},
		{"render: scale not a number", nil, append(render, "--scale", "big"), `invalid value "big" for flag -scale`},
		{"render: scale below a pixel", nil, append(render, "--scale", "0.0001"), "--scale: scale must be a number greater than 0 and at most 4: scale 0.0001 gives a 0×0 pixel canvas"},
		{"render: app id only", appOnly, render, halfSet},
		{"render: secret only", secretOnly, render, halfSet},
		{"render: bad rate", with(creds, "HAIBAO_WECHAT_RATE", "fast"), render, `HAIBAO_WECHAT_RATE must be a positive whole number, got "fast"`},
		{"render: bad token mode", with(creds, "HAIBAO_WECHAT_TOKEN_MODE", "shared"), render, `HAIBAO_WECHAT_TOKEN_MODE must be stable or legacy, got "shared"`},
		{"render: bad base URL", with(creds, "HAIBAO_WECHAT_BASE_URL", "ftp://wechat.example.com"), render, `base URL "ftp://wechat.example.com" must be an http(s) URL`},
		{"render: bad code cache size", with(creds, "HAIBAO_CODE_CACHE_MB", "0"), render, `HAIBAO_CODE_CACHE_MB must be a positive whole number of megabytes, got "0"`},

		{"validate: unknown flag", nil, []string{"validate", "--strict"}, "flag provided but not defined: -strict"},
		{"validate: missing path", nil, []string{"validate", missing}, "no such file"},
		{"validate: secret only", secretOnly, []string{"validate", "../../layouts"}, halfSet},

		{"schema: no layout", nil, []string{"schema"}, "--layout is required"},
		{"schema: unknown layout", nil, []string{"schema", "--layout", "nope", "--layouts", "../../layouts"}, `no layout named "nope"`},
		{"schema: app id only", appOnly, []string{"schema", "--layout", "invite", "--layouts", "../../layouts"}, halfSet},
		{"bench: no layout", nil, []string{"bench"}, "--layout is required"},
		{"bench: n", nil, []string{"bench", "--layout", "product", "--n", "0"}, "--n must be from 1 to 100000"},
		{"bench: scale", nil, []string{"bench", "--layout", "product", "--scale", "NaN"}, "--scale must be a number greater than 0"},
		{"bench: unknown layout", nil, []string{"bench", "--layout", "nope", "--layouts", "../../layouts"}, `no layout named "nope"`},

		{"serve: unknown flag", nil, []string{"serve", "--port", "80"}, "flag provided but not defined: -port"},
		{"serve: argument", nil, []string{"serve", "now"}, `unexpected argument "now"`},
		{"serve: app id only", appOnly, []string{"serve", "--layouts", "../../layouts"}, halfSet},
		{"serve: secret only", secretOnly, []string{"serve", "--layouts", "../../layouts"}, halfSet},
		{"serve: preview of the embedded layouts", nil, []string{"serve", "--preview"}, "--preview (HAIBAO_PREVIEW) needs a layouts folder"},
		{"serve: preview setting", map[string]string{"HAIBAO_PREVIEW": "yes please"}, []string{"serve"}, `HAIBAO_PREVIEW must be true or false, got "yes please"`},
		{"serve: concurrency", map[string]string{"HAIBAO_RENDER_CONCURRENCY": "0"}, []string{"serve"}, `HAIBAO_RENDER_CONCURRENCY must be a positive whole number, got "0"`},
		{"serve: queue", map[string]string{"HAIBAO_QUEUE_SIZE": "many"}, []string{"serve"}, `HAIBAO_QUEUE_SIZE must be a positive whole number, got "many"`},
		{"serve: output cache", map[string]string{"HAIBAO_OUTPUT_CACHE_MB": "-1"}, []string{"serve"}, `HAIBAO_OUTPUT_CACHE_MB must be a positive whole number of megabytes, got "-1"`},
		{"serve: body limit", map[string]string{"HAIBAO_BODY_LIMIT": "1MB"}, []string{"serve"}, `HAIBAO_BODY_LIMIT must be a positive number of bytes, got "1MB"`},
		{"serve: timeout", map[string]string{"HAIBAO_REQUEST_TIMEOUT": "15"}, []string{"serve"}, `HAIBAO_REQUEST_TIMEOUT must be a positive duration like 15s, got "15"`},
		{"serve: body timeout", map[string]string{"HAIBAO_BODY_TIMEOUT": "0s"}, []string{"serve"}, `HAIBAO_BODY_TIMEOUT must be a positive duration like 15s, got "0s"`},
		{"serve: short signing key", map[string]string{"HAIBAO_SIGNING_KEYS": "short"}, []string{"serve"}, "HAIBAO_SIGNING_KEYS: signing keys must be at least 16 characters"},
		{"serve: image host", map[string]string{"HAIBAO_IMAGE_HOSTS": "cdn.example.com/path"}, []string{"serve"}, "HAIBAO_IMAGE_HOSTS: remote: allowed host"},
		{"serve: empty address", nil, []string{"serve", "--addr", ""}, "HAIBAO_ADDR (--addr) must not be empty"},
		{"serve: missing layouts folder", nil, []string{"serve", "--layouts", missing}, "layouts folder"},

		{"sign: unknown flag", signing, []string{"sign", "--key", "k"}, "flag provided but not defined: -key"},
		{"sign: no layout", signing, []string{"sign", "--data", data}, "--layout and --data are required"},
		{"sign: unknown layout", signing, []string{"sign", "--layout", "nope", "--data", data, "--layouts", "../../layouts"}, `no layout named "nope"`},
		{"sign: path as layout", signing, []string{"sign", "--layout", "../../layouts/invite.yaml", "--data", data}, "--layout must be a layout name, not a path"},
		{"sign: format", signing, []string{"sign", "--layout", "invite", "--data", data, "--format", "gif"}, "--format must be png, jpg, jpeg or webp"},
		{"sign: scale below a pixel", signing, []string{"sign", "--layout", "invite", "--data", data, "--layouts", "../../layouts", "--scale", "0.0001"}, "--scale: scale must be"},
		{"sign: scale", signing, []string{"sign", "--layout", "invite", "--data", data, "--scale", "5"}, "--scale must be a number greater than 0 and at most 4, got 5"},
		{"sign: quality", signing, []string{"sign", "--layout", "invite", "--data", data, "--quality", "0"}, "--quality must be from 1 to 100"},
		{"sign: ttl", signing, []string{"sign", "--layout", "invite", "--data", data, "--ttl", "-1h"}, "--ttl must be positive"},
		{"sign: missing data file", signing, []string{"sign", "--layout", "invite", "--data", missing, "--layouts", "../../layouts"}, "data: open " + missing},
		{"sign: no key", nil, []string{"sign", "--layout", "invite", "--data", data}, "no signing key: set HAIBAO_SIGNING_KEYS"},
		{"sign: short key", map[string]string{"HAIBAO_SIGNING_KEYS": "short"}, []string{"sign", "--layout", "invite", "--data", data}, "HAIBAO_SIGNING_KEYS: signing keys must be at least 16 characters"},
		{"sign: base", signing, []string{"sign", "--layout", "invite", "--data", data, "--base", "posters.example.com"}, "HAIBAO_PUBLIC_URL (--base) must be an http(s) URL"},

		{"preview: unknown flag", nil, []string{"preview", "--open"}, "flag provided but not defined: -open"},
		{"preview: argument", nil, []string{"preview", "layouts"}, `unexpected argument "layouts"`},
		{"preview: app id only", appOnly, []string{"preview", "--layouts", "../../layouts", "--addr", "127.0.0.1:0"}, halfSet},

		// Flags are checked before settings: a typo is reported as such.
		{"code: unknown flag", nil, []string{"code", "--sceen", "x"}, "flag provided but not defined: -sceen"},
		{"code: width before credentials", nil, []string{"code", "--scene", "x", "--width", "100"}, "--width: must be from 280 to 1280, got 100"},
		{"code: scene", nil, []string{"code", "--scene", "has space"}, "--scene: contains ' '"},
		{"code: page", nil, []string{"code", "--page", "/pages/index", "--scene", "x"}, `--page: must not start with "/"`},
		{"code: env version", nil, []string{"code", "--scene", "x", "--env-version", "beta"}, `--env-version: must be release, trial or develop, got "beta"`},
		{"code: out", nil, []string{"code", "--scene", "x", "--out", "c.gif"}, "--out must end in .png or .jpg"},
		{"code: no credentials", nil, []string{"code", "--scene", "x"}, "no WeChat credentials"},
		{"code: app id only", appOnly, []string{"code", "--scene", "x"}, halfSet},
		{"code: secret only", secretOnly, []string{"code", "--scene", "x"}, halfSet},

		{"pregen: unknown flag", creds, []string{"pregen", "--scene", "x"}, "flag provided but not defined: -scene"},
		{"pregen: no scenes", creds, []string{"pregen", "--page", "pages/index"}, "--scenes is required"},
		{"pregen: concurrency", creds, []string{"pregen", "--scenes", scenesFile, "--concurrency", "0"}, "--concurrency must be from 1 to 256"},
		{"pregen: rate", creds, []string{"pregen", "--scenes", scenesFile, "--rate", "fast"}, `--rate: rate "fast"`},
		{"pregen: width", creds, []string{"pregen", "--scenes", scenesFile, "--width", "5000"}, "--width: must be from 280 to 1280, got 5000"},
		{"pregen: missing scenes file", creds, []string{"pregen", "--scenes", missing}, "no such file"},
		{"pregen: no credentials", nil, []string{"pregen", "--scenes", scenesFile}, "no WeChat credentials"},
		{"pregen: secret only", secretOnly, []string{"pregen", "--scenes", scenesFile}, halfSet},

		{"fake-wechat: ttl", nil, []string{"fake-wechat", "--token-ttl", "0s"}, "--token-ttl, --rate and --quota must be positive"},
		{"fake-wechat: unknown flag", nil, []string{"fake-wechat", "--port", "1"}, "flag provided but not defined: -port"},
		{"unknown command", nil, []string{"paint"}, `unknown command "paint"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := runCLIEnv(t, context.Background(), tt.env, "", tt.args...)
			if code != exitUsage || !strings.Contains(errs, tt.msg) {
				t.Errorf("exit %d, stderr %q\nwant exit 2 containing %q", code, errs, tt.msg)
			}
			if out != "" {
				t.Errorf("wrote to stdout: %q", out)
			}
			if strings.Contains(errs, testSecret) {
				t.Error("the secret is in the message")
			}
		})
	}
}

// TestPregenBadPageOnce: a bad --page is one error, not one per scene.
func TestPregenBadPageOnce(t *testing.T) {
	var scenes strings.Builder
	for i := range 50 {
		fmt.Fprintf(&scenes, "u=%d\n", i)
	}
	env := map[string]string{"HAIBAO_WECHAT_APPID": "wx-test-app", "HAIBAO_WECHAT_SECRET": testSecret,
		"HAIBAO_WECHAT_BASE_URL": "http://127.0.0.1:1", "HAIBAO_CACHE_DIR": t.TempDir()}
	code, _, errs := runCLIEnv(t, context.Background(), env, scenes.String(), "pregen", "--page", "/x", "--scenes", "-")
	want := "haibao pregen: --page: must not start with \"/\"\n"
	if code != exitUsage || errs != want {
		t.Errorf("exit %d, stderr %q; want exit 2 and only %q", code, errs, want)
	}
}

func TestSignCommand(t *testing.T) {
	env := map[string]string{"HAIBAO_SIGNING_KEYS": "signing-key-0123456789, old-signing-key-0123456789", "HAIBAO_PUBLIC_URL": "https://posters.example.com"}
	data := string(inviteSample(t, map[string]any{"nickname": "小明", "price": json.Number("12.50")}))
	code, out, errs := runCLIEnv(t, context.Background(), env, data, "sign", "--layout", "invite", "--layouts", "../../layouts",
		"--data", "-", "--format", "webp", "--scale", "2", "--quality", "70", "--ttl", "1h")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	u, err := url.Parse(strings.TrimSpace(out))
	if err != nil || u.Host != "posters.example.com" || u.Path != "/v1/posters/invite.webp" {
		t.Fatalf("URL %q %v", out, err)
	}
	p, err := signurl.Verify([][]byte{[]byte("signing-key-0123456789")}, "invite", "webp", u.Query(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Version) != 32 {
		t.Errorf("the URL does not pin the layout's version: %q", p.Version)
	}
	want := signurl.Poster{Layout: "invite", Ext: "webp", Scale: 2, Quality: 70, Expires: p.Expires, Version: p.Version}
	if left := time.Until(p.Expires); left < 50*time.Minute || left > time.Hour {
		t.Errorf("--ttl 1h: expires in %s", left)
	}
	if err := json.Unmarshal([]byte(data), &want.Data); err != nil {
		t.Fatal(err)
	}
	want.Data["price"] = json.Number("12.50")
	if !reflect.DeepEqual(p, want) {
		t.Errorf("signed %+v\nwant %+v", p, want)
	}
	if _, err := signurl.Verify([][]byte{[]byte("signing-key-0123456789")}, "invite", "webp", u.Query(), time.Now().Add(2*time.Hour)); err == nil {
		t.Error("--ttl 1h still valid after 2 h")
	}
	// Data the layout cannot use would give a URL that only ever fails.
	code, out, errs = runCLIEnv(t, context.Background(), env, `{"nickname": "x"}`, "sign", "--layout", "invite", "--layouts", "../../layouts", "--data", "-")
	if code != exitFailure || out != "" || !strings.Contains(errs, "missing from the data") {
		t.Errorf("unusable data: exit %d, %q %q", code, out, errs)
	}
}

// inviteSample is the invite layout's sample data as JSON, with extra
// fields set.
func inviteSample(t *testing.T, extra map[string]any) []byte {
	t.Helper()
	src, err := os.ReadFile("../../layouts/invite.yaml")
	if err != nil {
		t.Fatal(err)
	}
	data := sampleOf(t, src)
	for k, v := range extra {
		data[k] = v
	}
	b, err := json.Marshal(data)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
