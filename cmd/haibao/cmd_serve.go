package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/haibao/haibao/internal/wxcode"
	"github.com/haibao/haibao/poster"
	"github.com/haibao/haibao/preview"
	"github.com/haibao/haibao/remote"
	"github.com/haibao/haibao/server"
	"github.com/haibao/haibao/signurl"
	"github.com/haibao/haibao/wxa/wxatest"
)

// envOr returns the environment value of key, or def.
func envOr(sio stdio, key, def string) string {
	if v := sio.getenv(key); v != "" {
		return v
	}
	return def
}

func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// serviceConfig reads the HAIBAO_* settings of the service.
func serviceConfig(sio stdio) (server.Config, []string, error) {
	cfg := server.DefaultConfig()
	var err error
	cfg.APIKeys = splitList(sio.getenv("HAIBAO_API_KEYS"))
	if cfg.SigningKeys, err = signurl.ParseKeys(sio.getenv("HAIBAO_SIGNING_KEYS")); err != nil {
		return cfg, nil, fmt.Errorf("HAIBAO_SIGNING_KEYS: %w", err)
	}
	cacheMB := cfg.OutputCacheBytes >> 20
	ints := []struct {
		key string
		dst *int
	}{{"HAIBAO_RENDER_CONCURRENCY", &cfg.RenderConcurrency}, {"HAIBAO_QUEUE_SIZE", &cfg.QueueSize}, {"HAIBAO_OUTPUT_CACHE_MB", &cacheMB}}
	for _, v := range ints {
		if s := sio.getenv(v.key); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 1 {
				return cfg, nil, fmt.Errorf("%s must be a positive whole number, got %q", v.key, s)
			}
			*v.dst = n
		}
	}
	cfg.OutputCacheBytes = cacheMB << 20
	if s := sio.getenv("HAIBAO_BODY_LIMIT"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 1 {
			return cfg, nil, fmt.Errorf("HAIBAO_BODY_LIMIT must be a positive number of bytes, got %q", s)
		}
		cfg.BodyLimit = n
	}
	if s := sio.getenv("HAIBAO_REQUEST_TIMEOUT"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			return cfg, nil, fmt.Errorf("HAIBAO_REQUEST_TIMEOUT must be a duration like 15s, got %q", s)
		}
		cfg.RequestTimeout = d
	}
	return cfg, splitList(sio.getenv("HAIBAO_IMAGE_HOSTS")), cfg.Validate()
}

func runServe(ctx context.Context, sio stdio, args []string) int {
	fl := flag.NewFlagSet("serve", flag.ContinueOnError)
	fl.SetOutput(sio.err)
	addr := fl.String("addr", envOr(sio, "HAIBAO_ADDR", "127.0.0.1:8080"), "listen address (HAIBAO_ADDR)")
	dir := fl.String("layouts", sio.getenv("HAIBAO_LAYOUTS"), "layouts folder (HAIBAO_LAYOUTS; default ./layouts when present, else the embedded samples)")
	withPreview := fl.Bool("preview", sio.getenv("HAIBAO_PREVIEW") == "true", "serve the designers' preview at /preview/ (HAIBAO_PREVIEW; needs an API key when keys are set)")
	fl.Usage = func() {
		fmt.Fprintln(sio.err, "usage: haibao serve [--addr 127.0.0.1:8080] [--layouts DIR]   (settings: see README, HAIBAO_*)")
		fl.PrintDefaults()
	}
	if code, done := parseFlags(fl, args); done {
		return code
	}
	log := slog.New(slog.NewJSONHandler(sio.err, nil))
	cfg, imageHosts, err := serviceConfig(sio)
	if err != nil {
		return fail(sio, err)
	}
	settings, err := wxcode.FromEnv(sio.getenv)
	if err != nil {
		return fail(sio, err)
	}
	if !settings.Configured() {
		// Development mode: an in-process fake answers with plain QR codes.
		fake := wxatest.NewServer(wxatest.Options{})
		defer fake.Close()
		tmp, err := os.MkdirTemp("", "haibao-fake-codes-")
		if err != nil {
			return fail(sio, err)
		}
		defer os.RemoveAll(tmp)
		settings.AppID, settings.Secret, settings.BaseURL, settings.CacheDir = wxatest.DefaultAppID, wxatest.DefaultSecret, fake.URL, tmp
		log.Warn("no WeChat credentials (HAIBAO_WECHAT_APPID, HAIBAO_WECHAT_SECRET): codes come from a built-in fake WeChat and are plain QR codes, not real mini-program codes")
	}
	metrics := server.NewMetrics()
	client, err := settings.Client(log, metrics)
	if err != nil {
		return fail(sio, err)
	}
	loader, err := remote.New(remote.Config{AllowHosts: imageHosts})
	if err != nil {
		return fail(sio, err)
	}
	engine, err := poster.NewEngine(poster.Config{Images: loader, Codes: wxcode.Source{Client: client}})
	if err != nil {
		return fail(sio, err)
	}
	fsys, label, err := layoutsFS(*dir)
	if err != nil {
		return fail(sio, err)
	}
	ls, err := engine.LoadDir(fsys)
	if err != nil {
		return fail(sio, prefixProblems(err, label))
	}
	if len(cfg.APIKeys) == 0 {
		log.Warn("no API keys (HAIBAO_API_KEYS): POST /v1/posters is open to anyone who can reach this address")
	}
	deps := server.Deps{Engine: engine, Layouts: ls, WeChat: client, Metrics: metrics, Logger: log}
	srv, err := server.New(cfg, deps)
	if err != nil {
		return fail(sio, err)
	}
	if *withPreview && label == "(embedded)" {
		log.Warn("no preview: --preview needs a layouts folder to watch (--layouts)")
	}
	if *withPreview && label != "(embedded)" {
		pcfg := preview.DefaultConfig()
		// The service admits the preview's renders: same slots, queue and 429s.
		pcfg.Dir, pcfg.Engine, pcfg.Logger, pcfg.Admission = label, engine, log, srv
		p, err := preview.New(pcfg)
		if err != nil {
			return fail(sio, err)
		}
		pctx, cancel := context.WithCancel(ctx)
		defer cancel()
		go func() {
			if err := p.Run(pctx); err != nil {
				log.Error("preview watching stopped", "err", err)
			}
		}()
		srv.MountPreview(p.Handler())
		log.Info("designers' preview at /preview/", "layouts", label)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fail(sio, err)
	}
	log.Info("serving posters", "url", "http://"+ln.Addr().String(), "layouts", len(ls), "from", label)
	if err := serveUntil(ctx, ln, srv.Handler(), 30*time.Second); err != nil {
		return fail(sio, err)
	}
	log.Info("stopped; requests in flight were finished")
	return exitOK
}
