package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/haibao/haibao/internal/wxcode"
	"github.com/haibao/haibao/wxa"
	"github.com/haibao/haibao/wxa/wxaredis"
)

// clusterSettings are the HAIBAO_* settings of cluster mode: several
// instances sharing WeChat state through Redis.
type clusterSettings struct {
	RedisURL    string        // HAIBAO_REDIS_URL; empty: no cluster mode
	Topology    string        // HAIBAO_REDIS_TOPOLOGY: single, sentinel or cluster
	Instances   int           // HAIBAO_INSTANCES: how many share the app (budget split when Redis is down)
	Rate        int           // HAIBAO_WECHAT_RATE when set, else 4,500 a minute
	Burst       int           // HAIBAO_WECHAT_BURST, default 100
	BulkRate    int           // HAIBAO_WECHAT_BULK_RATE, default 1,500 a minute
	SharedToken bool          // HAIBAO_WECHAT_SHARED_TOKEN=true shares the stable token too
	QuotaStop   int64         // HAIBAO_WECHAT_QUOTA_STOP: refuse get/createQRCode at this count
	QuotaUsed   int64         // HAIBAO_WECHAT_QUOTA_USED: count before haibao counted
	Lease       time.Duration // HAIBAO_CODE_LOCK_LEASE, default 10s
}

func clusterFromEnv(getenv func(string) string) (clusterSettings, error) {
	c := clusterSettings{
		RedisURL:    getenv("HAIBAO_REDIS_URL"),
		Topology:    getenv("HAIBAO_REDIS_TOPOLOGY"),
		SharedToken: getenv("HAIBAO_WECHAT_SHARED_TOKEN") == "true",
	}
	ints := []struct {
		key string
		dst *int
	}{{"HAIBAO_INSTANCES", &c.Instances}, {"HAIBAO_WECHAT_RATE", &c.Rate}, {"HAIBAO_WECHAT_BURST", &c.Burst}, {"HAIBAO_WECHAT_BULK_RATE", &c.BulkRate}}
	for _, v := range ints {
		if s := getenv(v.key); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 1 {
				return c, fmt.Errorf("%s must be a positive whole number, got %q", v.key, s)
			}
			*v.dst = n
		}
	}
	for _, v := range []struct {
		key string
		dst *int64
	}{{"HAIBAO_WECHAT_QUOTA_STOP", &c.QuotaStop}, {"HAIBAO_WECHAT_QUOTA_USED", &c.QuotaUsed}} {
		if s := getenv(v.key); s != "" {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil || n < 0 {
				return c, fmt.Errorf("%s must be a whole number of codes, got %q", v.key, s)
			}
			*v.dst = n
		}
	}
	if s := getenv("HAIBAO_CODE_LOCK_LEASE"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d < 300*time.Millisecond {
			return c, fmt.Errorf("HAIBAO_CODE_LOCK_LEASE must be a duration of at least 300ms, got %q", s)
		}
		c.Lease = d
	}
	return c, nil
}

// errLegacyWithoutRedis: /cgi-bin/token retires the previous token on every
// call, so instances fetching their own knock each other out.
var errLegacyWithoutRedis = errors.New("HAIBAO_WECHAT_TOKEN_MODE=legacy with HAIBAO_INSTANCES above 1 needs HAIBAO_REDIS_URL: " +
	"each instance would retire the others' tokens; use the stable token mode or share the token through Redis")

// Validate checks the settings against the token mode.
func (c clusterSettings) Validate(tokenMode string) error {
	if c.RedisURL == "" && tokenMode == "legacy" && c.Instances > 1 {
		return errLegacyWithoutRedis
	}
	return nil
}

// wechatService builds the WeChat client of a long-running command: the
// usual one, or in cluster mode one whose limiter, code cache and token
// sit in Redis. The returned store is nil outside cluster mode; close it
// with closeStore.
func wechatService(ctx context.Context, getenv func(string) string, s wxcode.Settings, log *slog.Logger, obs wxa.Observer) (*wxa.Client, *wxaredis.Store, error) {
	cs, err := clusterFromEnv(getenv)
	if err != nil {
		return nil, nil, err
	}
	if err := cs.Validate(s.TokenMode); err != nil {
		return nil, nil, err
	}
	if cs.RedisURL == "" {
		c, err := s.Client(log, obs)
		return c, nil, err
	}
	store, err := wxaredis.Open(ctx, wxaredis.Config{URL: cs.RedisURL, Topology: wxaredis.Topology(cs.Topology), Instances: cs.Instances, Logger: log})
	if err != nil {
		return nil, nil, err
	}
	client, err := clusterClient(ctx, store, cs, s, log, obs)
	if err != nil {
		_ = store.Close()
		return nil, nil, err
	}
	log.Info("cluster mode: WeChat budget, codes and tokens shared through Redis", "mode", store.Mode().String(), "instances", store.Instances())
	return client, store, nil
}

func clusterClient(ctx context.Context, store *wxaredis.Store, cs clusterSettings, s wxcode.Settings, log *slog.Logger, obs wxa.Observer) (*wxa.Client, error) {
	lim, err := store.NewLimiter(wxaredis.LimiterConfig{AppID: s.AppID, PerMinute: cs.Rate, Burst: cs.Burst, BulkPerMinute: cs.BulkRate})
	if err != nil {
		return nil, err
	}
	quota, err := store.NewQuota(ctx, wxaredis.QuotaConfig{AppID: s.AppID, StopAt: cs.QuotaStop, Start: cs.QuotaUsed})
	if err != nil {
		return nil, err
	}
	disk, err := wxa.NewDiskCache(s.CacheDir)
	if err != nil {
		return nil, fmt.Errorf("code cache %s: %w", s.CacheDir, err)
	}
	codes, err := store.NewCache(wxaredis.CacheConfig{AppID: s.AppID, Memory: wxa.NewMemoryCache(64 << 20), Disk: disk,
		Lease: cs.Lease, Limiter: lim, Quota: quota})
	if err != nil {
		return nil, err
	}
	cfg := wxa.Config{AppID: s.AppID, Secret: s.Secret, BaseURL: s.BaseURL, Cache: codes, Limiter: lim, Observer: obs, Logger: log}
	if s.TokenMode == "legacy" || cs.SharedToken {
		tokens, err := store.NewTokens(wxaredis.TokenConfig{Legacy: s.TokenMode == "legacy",
			TokenConfig: wxa.TokenConfig{AppID: s.AppID, Secret: s.Secret, BaseURL: s.BaseURL, Observer: obs}})
		if err != nil {
			return nil, err
		}
		cfg.Tokens = tokens
	}
	return wxa.New(cfg)
}

// closeStore closes a store from wechatService, if there is one.
func closeStore(s *wxaredis.Store) {
	if s != nil {
		_ = s.Close()
	}
}
