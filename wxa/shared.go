package wxa

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// SharedLoader is implemented by a Cache that several instances share
// (see package wxaredis). On a cache miss the client hands it the upstream
// fetch instead of running it directly, so that one instance in the
// cluster calls WeChat for a code while the others wait for its result.
type SharedLoader interface {
	// LoadShared returns the code stored under key, calling load at most
	// once across the instances sharing the cache, and storing its result.
	LoadShared(ctx context.Context, req CodeRequest, key string, load func(context.Context) ([]byte, error)) ([]byte, error)
}

// RateLimitError is a call refused before it went out because the wait
// for the budget (or a cooldown after errcode 45009) does not fit the
// caller's deadline. It matches ErrRateLimited.
type RateLimitError struct {
	Wait   time.Duration // until a call would be allowed
	Reason string        // e.g. "cluster budget of 4500 calls a minute"
}

func (e *RateLimitError) Error() string {
	return fmt.Sprintf("wxa: rate limited: %s; retry after %s", e.Reason, e.Wait.Round(time.Millisecond))
}

func (e *RateLimitError) Is(target error) bool { return target == ErrRateLimited }

// RetryAfter is the wait to report to clients (e.g. in Retry-After).
func (e *RateLimitError) RetryAfter() time.Duration { return e.Wait }

// RetryAfter reports how long the caller should wait before trying again,
// when err carries that.
func RetryAfter(err error) (time.Duration, bool) {
	var r interface{ RetryAfter() time.Duration }
	if errors.As(err, &r) {
		return r.RetryAfter(), true
	}
	return 0, false
}
