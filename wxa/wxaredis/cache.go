package wxaredis

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/haibao/haibao/wxa"
)

// CacheConfig sets up the code cache of one app on one instance.
type CacheConfig struct {
	AppID string
	// Memory and Disk are this instance's own layers; either may be nil.
	Memory, Disk wxa.Cache
	// Shared sits between the disk and WeChat; nil means codes in Redis.
	// It is an interface so an object store can take Redis's place.
	Shared wxa.Cache
	// CodeTTL is how long a code stays in Redis since it was stored; 0
	// means 30 days. It lets maxmemory-policy volatile-lru evict old codes
	// before anything else (they stay on every instance's disk).
	CodeTTL time.Duration
	// Lease is how long a fetch lock holds without being renewed; a
	// killed instance blocks a code at most this long. 0 means 10 s.
	Lease time.Duration
	// Limiter, when set, is told about 45009 answers (shared cooldown).
	Limiter *Limiter
	// Quota, when set, counts get/createQRCode calls and may stop them.
	Quota *Quota
}

// Validate checks the configuration.
func (c CacheConfig) Validate() error {
	if err := validAppID(c.AppID); err != nil {
		return err
	}
	if c.CodeTTL < 0 || c.Lease < 0 {
		return errors.New("wxaredis: CodeTTL and Lease must not be negative")
	}
	if c.Lease > 0 && c.Lease < 300*time.Millisecond {
		return errors.New("wxaredis: Lease must be at least 300ms")
	}
	return nil
}

// Layers is the code cache of a cluster member: memory, then the local
// disk, then the shared store, then WeChat, with one fetch per code across
// the cluster. It implements wxa.Cache and wxa.SharedLoader.
type Layers struct {
	s     *Store
	cfg   CacheConfig
	keys  keys
	local []named
	log   *slog.Logger
}

type named struct {
	layer Layer
	c     wxa.Cache
}

// NewCache builds the layered cache of one app.
func (s *Store) NewCache(cfg CacheConfig) (*Layers, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.CodeTTL == 0 {
		cfg.CodeTTL = 30 * 24 * time.Hour
	}
	if cfg.Lease == 0 {
		cfg.Lease = 10 * time.Second
	}
	l := &Layers{s: s, cfg: cfg, keys: keysFor(cfg.AppID), log: s.log}
	if cfg.Memory != nil {
		l.local = append(l.local, named{LayerMemory, cfg.Memory})
	}
	if cfg.Disk != nil {
		l.local = append(l.local, named{LayerDisk, cfg.Disk})
	}
	if cfg.Shared == nil {
		cfg.Shared = &redisCodes{s: s, keys: l.keys, ttl: cfg.CodeTTL}
		l.cfg.Shared = cfg.Shared
	}
	return l, nil
}

// Get looks in each layer in turn and copies a hit into the faster ones.
func (l *Layers) Get(ctx context.Context, key string) ([]byte, bool, error) {
	all := append(l.local[:len(l.local):len(l.local)], named{LayerShared, l.cfg.Shared})
	for i, n := range all {
		b, ok, err := n.c.Get(ctx, key)
		if err != nil {
			// One broken layer must not fail the request: the next one,
			// or WeChat, still has the code.
			l.log.WarnContext(ctx, "code cache layer failed", "layer", string(n.layer), "err", err)
			continue
		}
		if ok {
			l.s.obs.CacheLookup(l.cfg.AppID, n.layer)
			for _, faster := range all[:i] {
				_ = faster.c.Set(ctx, key, b)
			}
			return b, true, nil
		}
	}
	l.s.obs.CacheLookup(l.cfg.AppID, LayerMiss)
	return nil, false, nil
}

// Set stores the code in every layer.
func (l *Layers) Set(ctx context.Context, key string, data []byte) error {
	var errs []error
	for _, n := range l.local {
		errs = append(errs, n.c.Set(ctx, key, data))
	}
	return errors.Join(append(errs, l.cfg.Shared.Set(ctx, key, data))...)
}

// LoadShared runs load for key once across the cluster: the instance that
// takes the code's lock fetches and stores the code; the others poll the
// shared store for it within their own deadline, and take over when the
// lock goes away without a code (the holder failed or was killed).
func (l *Layers) LoadShared(ctx context.Context, req wxa.CodeRequest, key string, load func(context.Context) ([]byte, error)) ([]byte, error) {
	ctx = withAPI(ctx, req.API)
	if l.cfg.Quota != nil && quotaCounts(req.API) {
		if err := l.cfg.Quota.check(ctx); err != nil {
			return nil, err
		}
	}
	lockKey := l.keys.lock(key)
	start := time.Now()
	waited := false
	for l.s.Mode() == ModeCluster {
		owner, ok, err := l.s.tryLock(ctx, lockKey, l.cfg.Lease)
		if l.s.failed(err) {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			break
		}
		if ok {
			if waited {
				l.s.obs.LockWait(l.cfg.AppID, time.Since(start), false)
			}
			stop := l.s.keepLock(lockKey, owner, l.cfg.Lease)
			defer stop()
			// Double-check: the previous holder may have stored the code
			// between our cache miss and our lock.
			if b, ok, err := l.cfg.Shared.Get(ctx, key); err == nil && ok {
				return b, nil
			}
			return l.fetch(ctx, req, key, load, true)
		}
		waited = true
		b, err := l.await(ctx, key, lockKey)
		if err != nil {
			l.s.obs.LockWait(l.cfg.AppID, time.Since(start), false)
			return nil, err
		}
		if b != nil {
			l.s.obs.LockWait(l.cfg.AppID, time.Since(start), true)
			return b, nil
		}
	}
	// Redis is down: this instance's own single flight is all there is.
	return l.fetch(ctx, req, key, load, false)
}

// await polls for the code another instance is fetching. It returns the
// code, or nil when the lock is gone without one.
func (l *Layers) await(ctx context.Context, key, lockKey string) ([]byte, error) {
	for n := 0; ; n++ {
		if err := sleep(ctx, pollDelay(n)); err != nil {
			return nil, err
		}
		if b, ok, err := l.cfg.Shared.Get(ctx, key); err == nil && ok {
			return b, nil
		}
		held, err := l.s.rdb.Exists(ctx, lockKey).Result()
		if l.s.failed(err) {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, nil
		}
		if held == 0 {
			// The holder may have stored the code just before unlocking.
			if b, ok, err := l.cfg.Shared.Get(ctx, key); err == nil && ok {
				return b, nil
			}
			return nil, nil
		}
	}
}

// fetch calls load, counts the quota, starts the cluster's cooldown on
// 45009 and, when shared, stores the code for the instances waiting on it.
func (l *Layers) fetch(ctx context.Context, req wxa.CodeRequest, key string, load func(context.Context) ([]byte, error), shared bool) ([]byte, error) {
	b, err := load(ctx)
	if err != nil {
		var ae *wxa.APIError
		if errors.As(err, &ae) && ae.Code == 45009 && l.cfg.Limiter != nil {
			d := l.cfg.Limiter.Cooldown(ctx)
			return nil, fmt.Errorf("%w; %w", err, &wxa.RateLimitError{Wait: d, Reason: "WeChat answered 45009; every instance pauses until the next minute"})
		}
		return nil, err
	}
	if l.cfg.Quota != nil && quotaCounts(req.API) {
		l.cfg.Quota.add(ctx)
	}
	if shared {
		if err := l.cfg.Shared.Set(ctx, key, b); err != nil {
			l.log.WarnContext(ctx, "shared code cache write failed", "err", err)
		}
	}
	return b, nil
}

// redisCodes is the shared layer in Redis. While Redis is down it is an
// empty cache that stores nothing, so requests fall through to WeChat.
type redisCodes struct {
	s    *Store
	keys keys
	ttl  time.Duration
}

func (r *redisCodes) Get(ctx context.Context, key string) ([]byte, bool, error) {
	if r.s.Mode() != ModeCluster {
		return nil, false, nil
	}
	b, err := r.s.rdb.Get(ctx, r.keys.code(key)).Bytes()
	if errors.Is(err, redis.Nil) || r.s.failed(err) {
		return nil, false, nil
	}
	return b, true, nil
}

func (r *redisCodes) Set(ctx context.Context, key string, data []byte) error {
	if r.s.Mode() != ModeCluster {
		return nil
	}
	err := r.s.rdb.Set(ctx, r.keys.code(key), data, r.ttl).Err()
	if r.s.failed(err) && ctx.Err() == nil && r.s.Mode() == ModeCluster {
		return fmt.Errorf("wxaredis: store code: %w", err)
	}
	return nil
}
