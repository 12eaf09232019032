package wxaredis

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/sync/singleflight"

	"github.com/haibao/haibao/wxa"
)

// TokenConfig sets up an access_token shared by the cluster.
type TokenConfig struct {
	wxa.TokenConfig
	// Legacy uses /cgi-bin/token, which retires the previous token on
	// every call: in a cluster only a shared token keeps instances from
	// knocking each other's token out. Otherwise stable_token is used,
	// which needs no sharing to be correct; sharing it only saves calls.
	Legacy bool
	// Lease bounds how long a refresh lock holds; 0 means 15 s.
	Lease time.Duration
}

// tokenMargin is taken off WeChat's expires_in so a token never expires
// on its way to WeChat (WxJava keeps 200 s).
const tokenMargin = 200 * time.Second

// Tokens is a wxa.TokenSource keeping one token per app in Redis. A
// refresh takes a lock, looks again (another instance may have refreshed
// meanwhile) and only then calls WeChat; a refused token is deleted only
// if Redis still holds exactly that token, never a newer one.
type Tokens struct {
	s        *Store
	cfg      TokenConfig
	key      string
	lockKey  string
	fallback wxa.TokenSource
	flight   singleflight.Group

	mu     sync.Mutex
	token  string
	expiry time.Time
}

// NewTokens builds the shared token source of one app. While Redis is down
// it uses a token source of its own, as a single instance would.
func (s *Store) NewTokens(cfg TokenConfig) (*Tokens, error) {
	if err := validAppID(cfg.AppID); err != nil {
		return nil, err
	}
	if cfg.Lease == 0 {
		cfg.Lease = 15 * time.Second
	}
	newSource, mode := wxa.NewStableTokenSource, "stable"
	if cfg.Legacy {
		newSource, mode = wxa.NewLegacyTokenSource, "legacy"
	}
	fb, err := newSource(cfg.TokenConfig)
	if err != nil {
		return nil, err
	}
	k := keysFor(cfg.AppID)
	return &Tokens{s: s, cfg: cfg, key: k.token(mode), lockKey: k.tokenLock(mode), fallback: fb}, nil
}

var delIfEqual = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`)

// Token returns the shared token, fetching it when Redis has none.
func (t *Tokens) Token(ctx context.Context) (string, error) {
	t.mu.Lock()
	if t.token != "" && time.Now().Before(t.expiry) {
		tok := t.token
		t.mu.Unlock()
		return tok, nil
	}
	t.mu.Unlock()
	if t.s.Mode() != ModeCluster {
		return t.fallback.Token(ctx)
	}
	ch := t.flight.DoChan("", func() (any, error) {
		// Shared by this instance's callers; bounded on its own so one
		// caller's cancellation does not fail the others.
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), t.cfg.Lease+5*time.Second)
		defer cancel()
		return t.shared(fctx)
	})
	select {
	case r := <-ch:
		if errors.Is(r.Err, errFellBack) {
			return t.fallback.Token(ctx)
		}
		if r.Err != nil {
			return "", r.Err
		}
		return r.Val.(string), nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// read takes the token from Redis and keeps a copy for as long as Redis
// keeps it.
func (t *Tokens) read(ctx context.Context) (string, bool, error) {
	pipe := t.s.rdb.Pipeline()
	get := pipe.Get(ctx, t.key)
	ttl := pipe.PTTL(ctx, t.key)
	_, err := pipe.Exec(ctx)
	if errors.Is(err, redis.Nil) {
		return "", false, nil
	}
	if t.s.failed(err) {
		return "", false, err
	}
	tok := get.Val()
	t.mu.Lock()
	t.token, t.expiry = tok, time.Now().Add(ttl.Val())
	t.mu.Unlock()
	return tok, true, nil
}

func (t *Tokens) shared(ctx context.Context) (string, error) {
	for n := 0; ; n++ {
		tok, ok, err := t.read(ctx)
		if err != nil {
			return "", t.fellBack(err)
		}
		if ok {
			return tok, nil
		}
		owner, won, err := t.s.tryLock(ctx, t.lockKey, t.cfg.Lease)
		if t.s.failed(err) {
			return "", t.fellBack(err)
		}
		if !won {
			// Another instance is fetching: wait for it to store its token.
			if err := sleep(ctx, pollDelay(n)); err != nil {
				return "", err
			}
			continue
		}
		return t.refresh(ctx, owner)
	}
}

func (t *Tokens) refresh(ctx context.Context, owner string) (string, error) {
	stop := t.s.keepLock(t.lockKey, owner, t.cfg.Lease)
	defer stop()
	if tok, ok, err := t.read(ctx); err != nil {
		return "", t.fellBack(err)
	} else if ok {
		return tok, nil
	}
	tok, ttl, err := wxa.FetchToken(ctx, t.cfg.TokenConfig, t.cfg.Legacy)
	if err != nil {
		return "", err
	}
	keep := ttl - tokenMargin
	if keep < ttl/2 {
		keep = ttl / 2
	}
	if err := t.s.rdb.Set(ctx, t.key, tok, keep).Err(); t.s.failed(err) {
		t.s.log.WarnContext(ctx, "shared token not stored", "err", err)
	}
	t.mu.Lock()
	t.token, t.expiry = tok, time.Now().Add(keep)
	t.mu.Unlock()
	return tok, nil
}

func (t *Tokens) fellBack(err error) error {
	if t.s.Mode() == ModeLocal {
		return errFellBack
	}
	return fmt.Errorf("wxaredis: shared token: %w", err)
}

// Invalidate drops token after WeChat refused it: from this instance's
// copy, and from Redis only if Redis still holds exactly this token.
func (t *Tokens) Invalidate(token string) {
	t.mu.Lock()
	if t.token == token {
		t.token = ""
	}
	t.mu.Unlock()
	t.fallback.Invalidate(token)
	if t.s.Mode() != ModeCluster {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	t.s.failed(delIfEqual.Run(ctx, t.s.rdb, []string{t.key}, token).Err())
}
