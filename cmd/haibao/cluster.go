package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/haibao/haibao/wxa"
	"github.com/haibao/haibao/wxa/wxaredis"
)

// services builds the WeChat clients of a long-running command, one per
// app: the usual ones, or in cluster mode ones whose limiter, code cache,
// quota and token sit in Redis, all apps through one connection. The
// returned store is nil outside cluster mode; close it with closeStore.
// cobs, when not nil, is told what the cluster layer does (metrics).
func (s wechatConfig) services(ctx context.Context, log *slog.Logger, obs wxa.Observer, cobs wxaredis.Observer) (*wxa.Apps, *wxaredis.Store, error) {
	cs := s.Cluster
	if cs.RedisURL == "" {
		apps, err := s.newApps(log, obs)
		return apps, nil, err
	}
	codes, err := s.localCaches()
	if err != nil {
		return nil, nil, err
	}
	store, err := wxaredis.Open(ctx, wxaredis.Config{URL: cs.RedisURL, Topology: wxaredis.Topology(cs.Topology), Instances: cs.Instances, Logger: log, Observer: cobs})
	if err != nil {
		return nil, nil, err
	}
	clients := map[string]*wxa.Client{}
	for _, a := range s.appList() {
		one := s.forApp(a)
		client, err := clusterClient(ctx, store, one.Cluster, one, s.appLogger(log, a), obs, codes)
		if err != nil {
			_ = store.Close()
			return nil, nil, fmt.Errorf("app %s: %w", a.Name, err)
		}
		clients[a.Name] = client
	}
	apps, err := wxa.NewApps(s.defaultApp(), clients)
	if err != nil {
		_ = store.Close()
		return nil, nil, err
	}
	log.Info("cluster mode: WeChat budget, codes and tokens shared through Redis", "mode", store.Mode().String(), "instances", store.Instances(), "apps", len(clients))
	return apps, store, nil
}

func clusterClient(ctx context.Context, store *wxaredis.Store, cs clusterConfig, s wechatConfig, log *slog.Logger, obs wxa.Observer, local localCaches) (*wxa.Client, error) {
	perMinute := 0 // wxaredis's default, below WeChat's limit
	if s.RateSet {
		perMinute = s.Rate
	}
	lim, err := store.NewLimiter(wxaredis.LimiterConfig{AppID: s.AppID, PerMinute: perMinute, Burst: cs.Burst, BulkPerMinute: cs.BulkRate})
	if err != nil {
		return nil, err
	}
	quota, err := store.NewQuota(ctx, wxaredis.QuotaConfig{AppID: s.AppID, StopAt: cs.QuotaStop, Start: cs.QuotaUsed})
	if err != nil {
		return nil, err
	}
	codes, err := store.NewCache(wxaredis.CacheConfig{AppID: s.AppID, Memory: local.memory, Disk: local.disk,
		Lease: cs.Lease, Limiter: lim, Quota: quota})
	if err != nil {
		return nil, err
	}
	cfg := wxa.Config{AppID: s.AppID, Secret: s.Secret, BaseURL: s.BaseURL, Cache: codes, Limiter: lim, Observer: obs, Logger: log}
	if s.TokenMode == tokenLegacy || cs.SharedToken {
		tokens, err := store.NewTokens(wxaredis.TokenConfig{Legacy: s.TokenMode == tokenLegacy,
			TokenConfig: wxa.TokenConfig{AppID: s.AppID, Secret: s.Secret, BaseURL: s.BaseURL, Observer: obs}})
		if err != nil {
			return nil, err
		}
		cfg.Tokens = tokens
	}
	return wxa.New(cfg)
}

// closeStore closes a store from services, if there is one.
func closeStore(s *wxaredis.Store) {
	if s != nil {
		_ = s.Close()
	}
}
