package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/haibao/haibao/catalog"
	"github.com/haibao/haibao/jobs"
	"github.com/haibao/haibao/storage"
	"github.com/haibao/haibao/wxa"
	"github.com/redis/go-redis/v9"

	"github.com/haibao/haibao/internal/wxcode"
	"github.com/haibao/haibao/poster"
	"github.com/haibao/haibao/preview"
	"github.com/haibao/haibao/remote"
	"github.com/haibao/haibao/server"
	"github.com/haibao/haibao/wxa/wxaredis"
	"github.com/haibao/haibao/wxa/wxatest"
)

func runServe(ctx context.Context, sio stdio, args []string) int {
	fl := flag.NewFlagSet("serve", flag.ContinueOnError)
	fl.SetOutput(sio.err)
	// Settings are read first for the flags' defaults, but a bad one is
	// reported only after the flags parsed, so -h always works.
	cfg, cfgErr := readServeConfig(sio.getenv)
	fl.StringVar(&cfg.Addr, "addr", cfg.Addr, "listen address (HAIBAO_ADDR)")
	fl.StringVar(&cfg.Layouts, "layouts", cfg.Layouts, "layouts folder (HAIBAO_LAYOUTS; default ./layouts when present, else the embedded samples)")
	fl.BoolVar(&cfg.Preview, "preview", cfg.Preview, "serve the designers' preview of the layouts folder at /preview/ (HAIBAO_PREVIEW)")
	fl.Usage = func() {
		fmt.Fprintln(sio.err, "usage: haibao serve [--addr 127.0.0.1:8080] [--layouts DIR] [--preview]   (settings: see README, HAIBAO_*)")
		fl.PrintDefaults()
	}
	if code, done := parseFlags(fl, args); done {
		return code
	}
	if cfgErr != nil {
		return fail(sio, cfgErr)
	}
	if cfg.PublicURL == "" {
		cfg.PublicURL = "http://" + cfg.Addr
	}
	if err := cfg.Validate(); err != nil {
		return fail(sio, badUsage(err))
	}
	fsys, label, err := layoutsFS(cfg.Layouts)
	if err != nil {
		return fail(sio, err)
	}
	embedded := label == embeddedLabel
	if cfg.Preview && embedded {
		return usageError(sio, fl, "--preview (HAIBAO_PREVIEW) needs a layouts folder to show: give --layouts DIR")
	}
	log := slog.New(slog.NewJSONHandler(sio.err, nil))
	build := readBuildInfo()
	log.Info("haibao build", build.logAttrs()...)
	wcfg := cfg.WeChat
	if !wcfg.Configured() {
		// Development mode: an in-process fake answers with plain QR codes.
		fake := wxatest.NewServer(wxatest.Options{})
		defer fake.Close()
		tmp, err := os.MkdirTemp("", "haibao-fake-codes-")
		if err != nil {
			return fail(sio, err)
		}
		defer os.RemoveAll(tmp)
		wcfg.AppID, wcfg.Secret, wcfg.BaseURL, wcfg.CacheDir = wxatest.DefaultAppID, wxatest.DefaultSecret, fake.URL, tmp
		log.Warn("no WeChat credentials (HAIBAO_WECHAT_APPID, HAIBAO_WECHAT_SECRET): codes come from a built-in fake WeChat and are plain QR codes, not real mini-program codes")
	}
	metrics := server.NewMetrics()
	metrics.SetBuildInfo(build.Version, build.Commit, build.GoVersion, build.JPEG, build.PNG, build.WebP)
	var cobs wxaredis.Observer
	if wcfg.Cluster.RedisURL != "" {
		cobs = metrics.ClusterObserver()
	}
	apps, store, err := wcfg.services(ctx, log, metrics, cobs)
	if err != nil {
		return fail(sio, err)
	}
	defer closeStore(store)
	appNames := apps.Names() // layouts must name one of them
	if !cfg.WeChat.Configured() {
		// The fake makes every app's codes: layouts naming apps work as is.
		apps, appNames = apps.Lenient(), nil
	}
	loader, err := remote.New(cfg.Remote)
	if err != nil {
		return fail(sio, err)
	}
	engine, err := poster.NewEngine(poster.Config{Images: loader, Codes: wxcode.Source{Apps: apps}, Apps: appNames})
	if err != nil {
		return fail(sio, err)
	}
	// The catalog watches a layouts folder and swaps changed layouts in
	// without a restart, keeping older versions for pinned signed URLs.
	ccfg := catalog.Config{Engine: engine, Logger: log}
	if embedded {
		ccfg.FS = fsys
	} else {
		ccfg.Dir, ccfg.ArchiveDir, ccfg.ArchiveBytes = label, cfg.VersionsDir, cfg.VersionsBytes
	}
	layouts, err := catalog.New(ccfg)
	if err != nil {
		return fail(sio, err)
	}
	if ps := layouts.Problems(); len(ps) > 0 {
		// At start there is no last good version to fall back on.
		return fail(sio, prefixProblems(&poster.ValidationError{Problems: ps}, label))
	}
	ls := layouts.Layouts()
	cctx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	go func() {
		if err := layouts.Run(cctx); err != nil {
			log.Error("layout watching stopped", "err", err)
		}
	}()
	if len(cfg.Server.APIKeys) == 0 {
		log.Warn("no API keys (HAIBAO_API_KEYS): POST /v1/posters is open to anyone who can reach this address")
	}
	deps := server.Deps{Engine: engine, Catalog: layouts, Apps: apps, Metrics: metrics, Logger: log}
	if store != nil {
		deps.ClusterMode = func() string { return store.Mode().String() }
	}
	var rdb redis.UniversalClient
	if store != nil {
		rdb = store.Client() // jobs are shared through the same Redis
	}
	mgr, err := openJobs(cfg, engine, layouts, metrics, log, rdb, apps.Has, &deps)
	if err != nil {
		return fail(sio, err)
	}
	if mgr != nil {
		defer mgr.Close() // a running job stops where it is and resumes at the next start
	}
	srv, err := server.New(cfg.Server, deps)
	if err != nil {
		return fail(sio, err)
	}
	// The preview renders on request, so it is mounted only when asked for.
	if cfg.Preview {
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
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fail(sio, err)
	}
	log.Info("serving posters", "url", "http://"+ln.Addr().String(), "layouts", len(ls), "from", label)
	if err := serveUntil(ctx, ln, srv.Handler(), cfg.HTTP); err != nil {
		return fail(sio, err)
	}
	log.Info("stopped; requests in flight were finished")
	return exitOK
}

// openJobs opens the poster storage (when configured) and the jobs (in
// Redis when rdb is set, else in the jobs folder), resuming the jobs left
// unfinished, and puts both in deps.
func openJobs(cfg serveConfig, engine *poster.Engine, layouts *catalog.Catalog, metrics *server.Metrics, log *slog.Logger,
	rdb redis.UniversalClient, hasApp func(string) bool, deps *server.Deps) (*jobs.Manager, error) {
	jcfg := jobs.Config{
		Dir: cfg.Jobs.Dir, Engine: engine, Observer: metrics.Jobs(), Redis: rdb, HasApp: hasApp,
		Layouts:       layouts.Layout,
		WebhookSecret: cfg.Jobs.WebhookSecret,
		WebhookClient: remote.NewClient(cfg.Jobs.WebhookHosts, "webhook hosts", 30*time.Second),
		// Codes for jobs come from the bulk budget, never starving live requests.
		Bulk: func(ctx context.Context) context.Context { return wxa.WithClass(ctx, wxa.ClassBulk) },
	}
	if cfg.Storage.URL != "" {
		scfg := cfg.Storage
		if !strings.HasPrefix(scfg.URL, "s3://") && scfg.PublicURL == "" {
			// A folder without a CDN: the service serves it, so the URLs
			// it answers are ones an app can fetch (not file:// paths).
			dir, err := filepath.Abs(strings.TrimPrefix(scfg.URL, "file://"))
			if err != nil {
				return nil, err
			}
			scfg.URL, scfg.PublicURL, deps.StoredDir = dir, strings.TrimRight(cfg.PublicURL, "/")+"/v1/stored", dir
		}
		st, err := storage.Open(scfg)
		if err != nil {
			return nil, err
		}
		deps.Storage, jcfg.Sink = st, st
		log.Info("posters stored", "in", st.String())
	}
	mgr, err := jobs.New(jcfg, log)
	if errors.Is(err, jobs.ErrDirInUse) {
		// Another instance on this machine has the folder: this one
		// serves posters all the same, without jobs.
		log.Warn("jobs are off on this instance: its jobs folder is in use by another process (give each instance its own HAIBAO_JOBS_DIR, or share them through HAIBAO_REDIS_URL)", "dir", cfg.Jobs.Dir)
		deps.Jobs = jobs.Off("its jobs folder is in use by another process")
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	deps.Jobs = mgr.Handler()
	return mgr, nil
}
