package wxa

import (
	"math"
	"testing"
	"time"
)

// TestBackoffNeverOverflows: however many retries are configured, the
// delay stays within [limit/2, limit] once the doubling reaches the limit,
// instead of wrapping to zero or a negative value.
func TestBackoffNeverOverflows(t *testing.T) {
	tests := []struct{ base, limit time.Duration }{
		{200 * time.Millisecond, 2 * time.Second},
		{time.Second, 5 * time.Minute},
		{time.Duration(1) << 62, math.MaxInt64},
		{time.Nanosecond, time.Hour},
	}
	for _, tt := range tests {
		for n := range 200 {
			d := backoff(tt.base, tt.limit, n)
			if d <= 0 || d > tt.limit {
				t.Fatalf("backoff(%v, %v, %d) = %v", tt.base, tt.limit, n, d)
			}
			if n >= 64 && d < tt.limit/2 {
				t.Fatalf("backoff(%v, %v, %d) = %v, below half the limit", tt.base, tt.limit, n, d)
			}
		}
	}
	if d := backoff(time.Second, 5*time.Minute, 0); d < 500*time.Millisecond || d > time.Second {
		t.Errorf("first delay %v, want 0.5–1 s", d)
	}
}
