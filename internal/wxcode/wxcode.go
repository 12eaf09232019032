// Package wxcode connects the poster engine to WeChat: it serves poster
// code elements from a wxa client and builds that client from the
// HAIBAO_WECHAT_* settings shared by the CLI and the service.
package wxcode

import (
	"context"
	"fmt"
	"image"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"

	"github.com/haibao/haibao/poster"
	"github.com/haibao/haibao/wxa"
)

// Source is a poster.CodeSource backed by WeChat.
type Source struct {
	Client *wxa.Client
}

// Request turns a poster code request into a WeChat one: page and scene
// use getUnlimited, a path uses get.
func Request(req poster.CodeRequest) wxa.CodeRequest {
	r := wxa.CodeRequest{
		Width:       req.Width,
		AutoColor:   req.AutoColor,
		LineColor:   req.LineColor,
		Transparent: req.Transparent,
		EnvVersion:  wxa.EnvVersion(req.EnvVersion),
	}
	if req.Path != "" {
		r.API, r.Path = wxa.APIGet, req.Path
	} else {
		r.API, r.Page, r.Scene = wxa.APIUnlimited, req.Page, req.Scene
	}
	return r
}

// Code fetches (or reads from the cache) and decodes the code.
func (s Source) Code(ctx context.Context, req poster.CodeRequest) (image.Image, error) {
	code, err := s.Client.Code(ctx, Request(req))
	if err != nil {
		return nil, err
	}
	img, err := code.Image()
	if err != nil {
		return nil, fmt.Errorf("%w: code image: %v", wxa.ErrUpstream, err)
	}
	return img, nil
}

// Settings are the WeChat settings read from the environment.
type Settings struct {
	AppID     string // HAIBAO_WECHAT_APPID
	Secret    string // HAIBAO_WECHAT_SECRET
	BaseURL   string // HAIBAO_WECHAT_BASE_URL; default WeChat's API host
	CacheDir  string // HAIBAO_CACHE_DIR; default <user cache dir>/haibao/codes
	TokenMode string // HAIBAO_WECHAT_TOKEN_MODE: stable (default) or legacy
	Rate      int    // HAIBAO_WECHAT_RATE: getUnlimited calls a minute, default 5000
}

// FromEnv reads Settings through getenv.
func FromEnv(getenv func(string) string) (Settings, error) {
	s := Settings{
		AppID:     getenv("HAIBAO_WECHAT_APPID"),
		Secret:    getenv("HAIBAO_WECHAT_SECRET"),
		BaseURL:   getenv("HAIBAO_WECHAT_BASE_URL"),
		CacheDir:  getenv("HAIBAO_CACHE_DIR"),
		TokenMode: getenv("HAIBAO_WECHAT_TOKEN_MODE"),
		Rate:      wxa.DefaultRatePerMinute,
	}
	if v := getenv("HAIBAO_WECHAT_RATE"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return s, fmt.Errorf("HAIBAO_WECHAT_RATE must be a whole number of calls a minute, got %q", v)
		}
		s.Rate = n
	}
	if s.CacheDir == "" {
		s.CacheDir = DefaultCacheDir()
	}
	switch s.TokenMode {
	case "", "stable", "legacy":
	default:
		return s, fmt.Errorf("HAIBAO_WECHAT_TOKEN_MODE must be stable or legacy, got %q", s.TokenMode)
	}
	return s, nil
}

// Configured reports whether credentials were given.
func (s Settings) Configured() bool { return s.AppID != "" && s.Secret != "" }

// DefaultCacheDir is where codes are kept when HAIBAO_CACHE_DIR is unset.
func DefaultCacheDir() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	return filepath.Join(dir, "haibao", "codes")
}

// Client builds a wxa client with a memory cache over the disk cache.
func (s Settings) Client(logger *slog.Logger, obs wxa.Observer) (*wxa.Client, error) {
	disk, err := wxa.NewDiskCache(s.CacheDir)
	if err != nil {
		return nil, fmt.Errorf("code cache %s: %w", s.CacheDir, err)
	}
	cfg := wxa.Config{
		AppID: s.AppID, Secret: s.Secret, BaseURL: s.BaseURL,
		Cache:    wxa.Layered{wxa.NewMemoryCache(64 << 20), disk},
		Limiter:  wxa.NewRateLimiter(s.Rate),
		Observer: obs,
		Logger:   logger,
	}
	if s.TokenMode == "legacy" {
		ts, err := wxa.NewLegacyTokenSource(wxa.TokenConfig{AppID: s.AppID, Secret: s.Secret, BaseURL: s.BaseURL, Observer: obs})
		if err != nil {
			return nil, err
		}
		cfg.Tokens = ts
	}
	return wxa.New(cfg)
}
