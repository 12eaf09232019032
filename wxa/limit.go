package wxa

import (
	"context"
	"fmt"
	"time"

	"golang.org/x/time/rate"
)

// Limiter paces upstream calls.
type Limiter interface {
	// Wait blocks until a call may go out, or returns an error (matching
	// ErrRateLimited) when that would be after ctx's deadline.
	Wait(ctx context.Context) error
}

// Class is the kind of work a call serves. A Limiter may read it with
// ClassOf to give bulk work its own, smaller budget so live requests keep
// flowing; RateLimiter treats both alike.
type Class int

const (
	ClassLive Class = iota // a request someone is waiting for
	ClassBulk              // pregeneration and other batch work
)

type classKey struct{}

// WithClass marks the calls made under ctx as class c. The mark reaches
// Limiter.Wait even when the call is shared with other callers: the shared
// call carries the values of the ctx of the caller that started it.
func WithClass(ctx context.Context, c Class) context.Context {
	return context.WithValue(ctx, classKey{}, c)
}

// ClassOf is the class ctx was marked with; ClassLive when unmarked.
func ClassOf(ctx context.Context) Class {
	c, _ := ctx.Value(classKey{}).(Class)
	return c
}

// DefaultRatePerMinute is getUnlimited's documented limit per app.
const DefaultRatePerMinute = 5000

// RateLimiter is an in-process token bucket.
type RateLimiter struct{ l *rate.Limiter }

// NewRateLimiter allows perMinute calls a minute, in bursts of up to a
// second's worth.
func NewRateLimiter(perMinute int) *RateLimiter {
	perSec := rate.Limit(float64(perMinute) / 60)
	return &RateLimiter{l: rate.NewLimiter(perSec, max(1, perMinute/60))}
}

func (r *RateLimiter) Wait(ctx context.Context) error {
	if err := r.l.Wait(ctx); err != nil {
		if ctx.Err() != nil && ctx.Err() != context.DeadlineExceeded {
			return ctx.Err()
		}
		return fmt.Errorf("%w: local limit of %.0f calls a minute", ErrRateLimited, float64(r.l.Limit())*60)
	}
	return nil
}

// Observer is told about upstream calls, cache lookups and token
// refreshes, e.g. to count them as metrics. It never sees a token.
type Observer interface {
	// UpstreamCall reports one call to a code API: errcode 0 for an image,
	// WeChat's errcode, or -2 when no answer came (network, HTTP status).
	UpstreamCall(api API, errcode int, d time.Duration)
	CacheLookup(api API, hit bool)
	TokenRefresh(ok bool)
}

type nopObserver struct{}

func (nopObserver) UpstreamCall(API, int, time.Duration) {}
func (nopObserver) CacheLookup(API, bool)                {}
func (nopObserver) TokenRefresh(bool)                    {}
