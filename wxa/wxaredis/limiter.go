package wxaredis

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/time/rate"

	"github.com/haibao/haibao/wxa"
)

// Budget defaults: below WeChat's 5,000 getUnlimited calls a minute, as
// other services may call for the same app.
const (
	DefaultPerMinute     = 4500
	DefaultBurst         = 100
	DefaultBulkPerMinute = 1500
	DefaultBulkBurst     = 10
)

// LimiterConfig sets one app's budget.
type LimiterConfig struct {
	AppID     string
	PerMinute int // whole cluster, live and bulk together; 0 means 4,500
	Burst     int // calls that may go at once; 0 means 100
	// Bulk work (wxa.ClassBulk) also draws from its own smaller budget,
	// so live requests always keep PerMinute − BulkPerMinute.
	BulkPerMinute int // 0 means 1,500
	BulkBurst     int // 0 means 10
	// CallTime is kept free before the caller's deadline for the call
	// itself; a wait that leaves less is refused, so that a slot is never
	// spent on a call its caller will not wait for. 0 means 1 s.
	CallTime time.Duration
	// MaxWait bounds the wait of callers without a deadline; 0 means 60 s.
	MaxWait time.Duration
}

// Validate checks the budget.
func (c LimiterConfig) Validate() error {
	if err := validAppID(c.AppID); err != nil {
		return err
	}
	if c.PerMinute < 0 || c.Burst < 0 || c.BulkPerMinute < 0 || c.BulkBurst < 0 || c.CallTime < 0 || c.MaxWait < 0 {
		return errors.New("wxaredis: budget numbers must not be negative")
	}
	if c.PerMinute > 0 && c.BulkPerMinute > c.PerMinute {
		return errors.New("wxaredis: the bulk budget must not exceed the whole budget")
	}
	return nil
}

func (c LimiterConfig) withDefaults() LimiterConfig {
	if c.PerMinute == 0 {
		c.PerMinute = DefaultPerMinute
	}
	if c.Burst == 0 {
		c.Burst = DefaultBurst
	}
	if c.BulkPerMinute == 0 {
		c.BulkPerMinute = min(DefaultBulkPerMinute, c.PerMinute)
	}
	if c.BulkBurst == 0 {
		c.BulkBurst = min(DefaultBulkBurst, c.Burst)
	}
	if c.CallTime == 0 {
		c.CallTime = time.Second
	}
	if c.MaxWait == 0 {
		c.MaxWait = time.Minute
	}
	return c
}

// Limiter is a wxa.Limiter whose budget holds across every instance using
// the same Redis: GCRA (generic cell rate algorithm) in one script on the
// Redis server's clock, so the instances' clocks do not matter and one key
// per budget is all it stores.
type Limiter struct {
	s    *Store
	cfg  LimiterConfig
	keys keys

	mu     sync.Mutex
	local  *rate.Limiter // fallback at the budget ÷ instances
	localN int
	// localCooldown is the end of a 45009 pause seen by this instance
	// (unix ns), honoured while Redis is down.
	localCooldown atomic.Int64
}

// NewLimiter builds the limiter of one app.
func (s *Store) NewLimiter(cfg LimiterConfig) (*Limiter, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Limiter{s: s, cfg: cfg.withDefaults(), keys: keysFor(cfg.AppID)}, nil
}

// gcra reserves a slot on the budget (and the bulk budget when a third key
// is given) if the wait for it is at most ARGV[3] µs, after any cooldown.
// It returns {allowed, wait µs, reason}, reason 1 when the cooldown is
// what the caller waits for.
var gcra = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local start = now
local cd = redis.call('PTTL', KEYS[2])
if cd > 0 then start = now + cd * 1000 end
local function slot(key, interval, burst)
  local tat = tonumber(redis.call('GET', key) or '0')
  if tat < start then tat = start end
  return tat, tat + interval - burst
end
local tat1, at1 = slot(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]))
local at = math.max(start, at1)
local tat2, at2
if KEYS[3] then
  tat2, at2 = slot(KEYS[3], tonumber(ARGV[4]), tonumber(ARGV[5]))
  at = math.max(at, at2)
end
local wait = at - now
local reason = 0
if at == start and cd > 0 then reason = 1 end
if wait > tonumber(ARGV[3]) then return {0, wait, reason} end
local function take(key, tat, interval)
  local new = math.max(tat, at) + interval
  redis.call('SET', key, string.format('%d', new), 'PX', math.ceil((new - now) / 1000) + 1000)
end
take(KEYS[1], tat1, tonumber(ARGV[1]))
if KEYS[3] then take(KEYS[3], tat2, tonumber(ARGV[4])) end
return {1, wait, reason}
`)

// cooldown pauses every instance until the next minute on Redis's clock
// plus ARGV[1] ms of jitter; it never shortens a longer pause.
var cooldown = redis.NewScript(`
local t = redis.call('TIME')
local ms = 60000 - (tonumber(t[1]) % 60) * 1000 - math.floor(tonumber(t[2]) / 1000) + tonumber(ARGV[1])
if redis.call('PTTL', KEYS[1]) < ms then redis.call('SET', KEYS[1], '45009', 'PX', ms) end
return ms
`)

// Wait blocks until a call may go out. When the wait would not leave
// CallTime before ctx's deadline it reserves nothing and returns a
// *wxa.RateLimitError (matching wxa.ErrRateLimited) saying how long.
func (l *Limiter) Wait(ctx context.Context) error {
	class := wxa.ClassOf(ctx)
	maxWait := l.maxWait(ctx)
	if l.s.Mode() == ModeCluster {
		err := l.waitCluster(ctx, class, maxWait)
		if !errors.Is(err, errFellBack) {
			return err
		}
	}
	return l.waitLocal(ctx, class, maxWait)
}

var errFellBack = errors.New("wxaredis: Redis unreachable")

func (l *Limiter) maxWait(ctx context.Context) time.Duration {
	dl, ok := ctx.Deadline()
	if !ok {
		return l.cfg.MaxWait
	}
	return max(0, min(time.Until(dl)-l.cfg.CallTime, l.cfg.MaxWait))
}

func interval(perMinute int) time.Duration { return time.Minute / time.Duration(perMinute) }

func (l *Limiter) waitCluster(ctx context.Context, class wxa.Class, maxWait time.Duration) error {
	api := apiOf(ctx)
	iv := interval(l.cfg.PerMinute)
	keys := []string{l.keys.rate(api), l.keys.cooldown()}
	args := []any{iv.Microseconds(), (iv * time.Duration(l.cfg.Burst)).Microseconds(), maxWait.Microseconds()}
	if class == wxa.ClassBulk {
		biv := interval(l.cfg.BulkPerMinute)
		keys = append(keys, l.keys.bulkRate(api))
		args = append(args, biv.Microseconds(), (biv * time.Duration(l.cfg.BulkBurst)).Microseconds())
	}
	res, err := gcra.Run(ctx, l.s.rdb, keys, args...).Int64Slice()
	if l.s.failed(err) {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if l.s.Mode() == ModeLocal {
			return errFellBack
		}
		return fmt.Errorf("wxaredis: limiter script: %w", err)
	}
	wait := time.Duration(res[1]) * time.Microsecond
	reason := "budget"
	if res[2] == 1 {
		reason = "cooldown"
	}
	if res[0] == 0 {
		l.s.obs.LimiterDenied(l.cfg.AppID, class, reason)
		return &wxa.RateLimitError{Wait: wait, Reason: l.describe(class, reason)}
	}
	l.s.obs.LimiterWait(l.cfg.AppID, class, wait)
	return sleep(ctx, wait)
}

func (l *Limiter) describe(class wxa.Class, reason string) string {
	switch {
	case reason == "cooldown":
		return "WeChat answered 45009; every instance pauses until the next minute"
	case reason == "paused":
		return "bulk work pauses while Redis is unreachable"
	case class == wxa.ClassBulk:
		return fmt.Sprintf("bulk budget of %d calls a minute", l.cfg.BulkPerMinute)
	case reason == "local":
		return fmt.Sprintf("local share (1/%d) of the budget of %d calls a minute while Redis is unreachable", l.localN, l.cfg.PerMinute)
	}
	return fmt.Sprintf("cluster budget of %d calls a minute", l.cfg.PerMinute)
}

// waitLocal is the fallback while Redis is down: live calls share the
// budget ÷ instances, bulk calls wait for Redis to come back.
func (l *Limiter) waitLocal(ctx context.Context, class wxa.Class, maxWait time.Duration) error {
	if class == wxa.ClassBulk {
		for l.s.Mode() == ModeLocal {
			changed := l.s.modeChanged()
			if l.s.Mode() != ModeLocal {
				break
			}
			select {
			case <-changed:
			case <-ctx.Done():
				if errors.Is(ctx.Err(), context.Canceled) {
					return ctx.Err()
				}
				l.s.obs.LimiterDenied(l.cfg.AppID, class, "paused")
				return &wxa.RateLimitError{Wait: 2 * l.s.cfg.Heartbeat, Reason: l.describe(class, "paused")}
			}
		}
		return l.Wait(ctx)
	}
	now := time.Now()
	if until := time.Unix(0, l.localCooldown.Load()); until.After(now) {
		if d := until.Sub(now); d > maxWait {
			l.s.obs.LimiterDenied(l.cfg.AppID, class, "cooldown")
			return &wxa.RateLimitError{Wait: d, Reason: l.describe(class, "cooldown")}
		}
		now = until
	}
	r := l.localLimiter().ReserveN(now, 1)
	d := r.DelayFrom(now) + now.Sub(time.Now())
	if !r.OK() || d > maxWait {
		r.CancelAt(now)
		l.s.obs.LimiterDenied(l.cfg.AppID, class, "budget")
		return &wxa.RateLimitError{Wait: max(d, time.Second), Reason: l.describe(class, "local")}
	}
	l.s.obs.LimiterWait(l.cfg.AppID, class, max(0, d))
	return sleep(ctx, d)
}

// localLimiter is the fallback bucket, rebuilt when the number of
// instances sharing the budget changes.
func (l *Limiter) localLimiter() *rate.Limiter {
	n := l.s.Instances()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.local == nil || l.localN != n {
		perMinute := max(1, l.cfg.PerMinute/n)
		l.local = rate.NewLimiter(rate.Limit(float64(perMinute)/60), max(1, l.cfg.Burst/n))
		l.localN = n
	}
	return l.local
}

// Cooldown pauses every instance's calls until the next minute plus up to
// 2 s of jitter, after WeChat answered 45009. It returns the pause.
func (l *Limiter) Cooldown(ctx context.Context) time.Duration {
	jitter := rand.N(2 * time.Second)
	now := time.Now()
	local := now.Truncate(time.Minute).Add(time.Minute + jitter)
	l.localCooldown.Store(local.UnixNano())
	if l.s.Mode() == ModeCluster {
		ms, err := cooldown.Run(ctx, l.s.rdb, []string{l.keys.cooldown()}, jitter.Milliseconds()).Int64()
		if !l.s.failed(err) {
			return time.Duration(ms) * time.Millisecond
		}
	}
	return local.Sub(now)
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

type apiKey struct{}

// withAPI tells the limiter which code API the call is for: each has its
// own per-minute budget at WeChat.
func withAPI(ctx context.Context, api wxa.API) context.Context {
	return context.WithValue(ctx, apiKey{}, api)
}

func apiOf(ctx context.Context) string {
	if api, ok := ctx.Value(apiKey{}).(wxa.API); ok && api != "" {
		return string(api)
	}
	return string(wxa.APIUnlimited)
}
