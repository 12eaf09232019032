package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/haibao/haibao/wxa/wxatest"
)

func runFakeWechat(ctx context.Context, sio stdio, args []string) int {
	fl := flag.NewFlagSet("fake-wechat", flag.ContinueOnError)
	fl.SetOutput(sio.err)
	addr := fl.String("addr", "127.0.0.1:9090", "listen address")
	appid := fl.String("appid", "", "app id to accept (default "+wxatest.DefaultAppID+")")
	secret := fl.String("secret", "", "app secret to accept (default: a fixed fake secret, printed at start)")
	ttl := fl.Duration("token-ttl", 7200*time.Second, "lifetime of issued access_tokens")
	pages := fl.String("pages", "", "comma-separated pages of the published app; getUnlimited with check_path refuses others (default: accept any)")
	rate := fl.Int("rate", 5000, "code API calls per minute before errcode 45009")
	quota := fl.Int("quota", 100000, "lifetime total of get + createQRCode codes before errcode 45029")
	more := fl.String("apps", "", "more apps to accept, as appid:secret,appid2:secret2 (each has its own tokens, limits and quota)")
	fl.Usage = func() {
		fmt.Fprintln(sio.err, "usage: haibao fake-wechat [--addr 127.0.0.1:9090] [--appid ID --secret S] [--token-ttl 7200s] [--pages p1,p2]")
		fl.PrintDefaults()
	}
	if code, done := parseFlags(fl, args); done {
		return code
	}
	if *ttl < time.Second || *rate < 1 || *quota < 1 {
		return usageError(sio, fl, "--token-ttl, --rate and --quota must be positive")
	}
	opts := wxatest.Options{AppID: *appid, Secret: *secret, TokenTTL: *ttl, RatePerMinute: *rate, Quota: *quota}
	if *more != "" {
		opts.Apps = map[string]string{}
		for i, entry := range strings.Split(*more, ",") {
			id, sec, _ := strings.Cut(strings.TrimSpace(entry), ":")
			if id == "" || sec == "" {
				// The entry may be a secret: say where, not what.
				return usageError(sio, fl, fmt.Sprintf("--apps entry %d: want appid:secret", i+1))
			}
			opts.Apps[id] = sec
		}
	}
	for _, p := range strings.Split(*pages, ",") {
		if p = strings.TrimSpace(p); p != "" {
			opts.Pages = append(opts.Pages, p)
		}
	}
	fake := wxatest.New(opts)
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fail(sio, err)
	}
	log := slog.New(slog.NewTextHandler(sio.err, nil))
	url := "http://" + ln.Addr().String()
	log.Info("fake WeChat listening; codes from it are plain QR codes, not real mini-program codes", "url", url, "appid", fake.Options().AppID, "more_apps", len(opts.Apps))
	if *secret == "" {
		// The fake's built-in credentials are public test values.
		fmt.Fprintf(sio.err, "point haibao at it with:\n  export HAIBAO_WECHAT_BASE_URL=%s HAIBAO_WECHAT_APPID=%s HAIBAO_WECHAT_SECRET=%s\n",
			url, fake.Options().AppID, wxatest.DefaultSecret)
	}
	if err := serveUntil(ctx, ln, fake.Handler(), shortGrace()); err != nil {
		return fail(sio, err)
	}
	return exitOK
}
