package wxaredis

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/redis/go-redis/v9"

	"github.com/haibao/haibao/wxa"
)

// DefaultQuota is the lifetime total of get + createQRCode codes per app.
const DefaultQuota = 100000

// QuotaConfig sets up the shared quota counter of one app.
type QuotaConfig struct {
	AppID string
	Limit int64 // 0 means 100,000
	// StopAt refuses get/createQRCode calls once this many were made, so
	// the last codes stay for what matters; 0 means no hard stop.
	StopAt int64
	// Start is the count before haibao counted (e.g. from WeChat's
	// console); it is written only when Redis has no count yet.
	Start int64
}

// Validate checks the numbers.
func (c QuotaConfig) Validate() error {
	if err := validAppID(c.AppID); err != nil {
		return err
	}
	if c.Limit < 0 || c.StopAt < 0 || c.Start < 0 {
		return errors.New("wxaredis: quota numbers must not be negative")
	}
	return nil
}

// Quota counts, across the cluster, the calls that burn an app's lifetime
// quota, and warns at 80 % and 95 % of it.
type Quota struct {
	s       *Store
	cfg     QuotaConfig
	key     string
	pending atomic.Int64 // counted while Redis was down, added when it is back
}

// NewQuota builds the counter of one app.
func (s *Store) NewQuota(ctx context.Context, cfg QuotaConfig) (*Quota, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Limit == 0 {
		cfg.Limit = DefaultQuota
	}
	q := &Quota{s: s, cfg: cfg, key: keysFor(cfg.AppID).quota()}
	if cfg.Start > 0 && s.Mode() == ModeCluster {
		s.failed(s.rdb.SetNX(ctx, q.key, cfg.Start, 0).Err())
	}
	return q, nil
}

func quotaCounts(api wxa.API) bool { return api == wxa.APIGet || api == wxa.APIQRCode }

// Used is the count so far.
func (q *Quota) Used(ctx context.Context) (int64, error) {
	n, err := q.s.rdb.Get(ctx, q.key).Int64()
	if errors.Is(err, redis.Nil) {
		return q.pending.Load(), nil
	}
	if q.s.failed(err) {
		return 0, fmt.Errorf("wxaredis: quota count: %w", err)
	}
	return n + q.pending.Load(), nil
}

// check refuses a call when the hard stop is reached. Without Redis the
// last count is unknown, so the call goes (WeChat still answers 45029).
func (q *Quota) check(ctx context.Context) error {
	if q.cfg.StopAt == 0 || q.s.Mode() != ModeCluster {
		return nil
	}
	n, err := q.Used(ctx)
	if err != nil || n < q.cfg.StopAt {
		return nil
	}
	return fmt.Errorf("%w: %d of %d get/createQRCode codes used; haibao stops at %d", wxa.ErrQuotaExhausted, n, q.cfg.Limit, q.cfg.StopAt)
}

// add counts one call that produced a code.
func (q *Quota) add(ctx context.Context) {
	q.pending.Add(1)
	if q.s.Mode() != ModeCluster {
		return
	}
	d := q.pending.Swap(0)
	n, err := q.s.rdb.IncrBy(ctx, q.key, d).Result()
	if q.s.failed(err) {
		q.pending.Add(d)
		return
	}
	q.s.obs.QuotaUsed(q.cfg.AppID, n, q.cfg.Limit)
	for _, pct := range []int64{95, 80} {
		mark := q.cfg.Limit * pct / 100
		if n-d < mark && n >= mark {
			// Exactly one increment in the cluster crosses each mark.
			q.s.log.Warn("WeChat lifetime quota of get/createQRCode running out", "appid", q.cfg.AppID, "used", n, "limit", q.cfg.Limit, "percent", pct)
			break
		}
	}
}
