package wxa

import (
	"context"
	"time"
)

// FetchToken asks WeChat for one token, without caching it, and returns it
// with its lifetime: for token stores shared between instances, which keep
// the token themselves. legacy selects /cgi-bin/token over stable_token.
func FetchToken(ctx context.Context, cfg TokenConfig, legacy bool) (string, time.Duration, error) {
	newSource := NewStableTokenSource
	if legacy {
		newSource = NewLegacyTokenSource
	}
	ts, err := newSource(cfg)
	if err != nil {
		return "", 0, err
	}
	tok, ttl, err := ts.(*cachedToken).fetch(ctx)
	cfg.withDefaults().Observer.TokenRefresh(err == nil)
	return tok, ttl, err
}
