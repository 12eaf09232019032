package wxa

import (
	"math/rand/v2"
	"time"
)

// backoff is the delay before retry n (0-based): base doubled n times, at
// most limit, then jittered into [d/2, d] so many clients that failed
// together do not retry together. The shift is checked before it is made,
// so no n overflows.
func backoff(base, limit time.Duration, n int) time.Duration {
	d := limit
	if n >= 0 && n < 63 && base > 0 && base <= limit>>n {
		d = base << n
	}
	if d <= 0 {
		return 0
	}
	return d - rand.N(d/2+1)
}
