package batch

import (
	"testing"
	"time"
)

func TestETA(t *testing.T) {
	tests := []struct {
		name       string
		left, done int64
		elapsed    time.Duration
		fresh      int64
		rate       int
		want       time.Duration
	}{
		// 100,000 new codes at 4,500 a minute: WeChat's pace, not the
		// renderer's, decides (22m13s).
		{"budget bound", 100000, 1000, 5 * time.Second, 1000, 4500, 22*time.Minute + 13*time.Second + 333333333},
		{"codes cached", 100000, 1000, 5 * time.Second, 0, 4500, 500 * time.Second},
		{"half the codes new", 9000, 1000, 5 * time.Second, 500, 4500, time.Minute},
		{"render bound", 100, 100, 100 * time.Second, 100, 4500, 100 * time.Second},
		{"nothing done yet", 100, 0, time.Second, 0, 4500, 0},
	}
	for _, tt := range tests {
		got := ETA(tt.left, tt.done, tt.elapsed, tt.fresh, tt.rate).Round(time.Millisecond)
		if got != tt.want.Round(time.Millisecond) {
			t.Errorf("%s: ETA = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestProgressLine(t *testing.T) {
	st := &Stats{}
	st.Total.Store(100000)
	st.Stored.Store(900)
	st.Existing.Store(90)
	st.Failed.Store(10)
	m := &CodeMeter{}
	m.fresh.Store(1000)
	p := &Progress{Stats: st, Codes: m, CodeRate: 4500}
	want := "batch: 1000/100000 rows (900 stored, 90 existing, 10 failed), 100.0 rows/s, ETA 22m0s, codes 1000 new, 0 cached (WeChat 4500/min)\n"
	if got := p.line(10 * time.Second); got != want {
		t.Fatalf("line = %q\nwant   %q", got, want)
	}
	p.TTY = true
	want = "\r\033[K[........................] 1000/100000  100.0 rows/s  ETA 22m0s  10 failed  codes 1000 new, 0 cached (WeChat 4500/min)"
	if got := p.line(10 * time.Second); got != want {
		t.Fatalf("bar = %q\nwant  %q", got, want)
	}
}
