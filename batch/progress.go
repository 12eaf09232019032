package batch

import (
	"fmt"
	"io"
	"math"
	"strings"
	"sync"
	"time"
)

// Progress reports a run: a bar redrawn in place on a terminal, else a
// plain line every Every.
type Progress struct {
	Out      io.Writer
	TTY      bool
	Every    time.Duration // plain lines; default 10s (terminal: 250ms)
	Stats    *Stats
	Codes    *CodeMeter // optional
	CodeRate int        // new codes WeChat allows a minute; 0: codes are not paced

	mu    sync.Mutex // serialises writes to Out
	start time.Time
	stop  chan struct{}
	done  chan struct{}
}

// Start begins reporting; Stop ends it (and clears the bar).
func (p *Progress) Start() {
	p.start = time.Now()
	p.stop, p.done = make(chan struct{}), make(chan struct{})
	every := p.Every
	if every == 0 {
		every = 10 * time.Second
		if p.TTY {
			every = 250 * time.Millisecond
		}
	}
	go func() {
		defer close(p.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-p.stop:
				if p.TTY {
					p.Printf("")
				}
				return
			case <-t.C:
				p.report()
			}
		}
	}()
}

// Stop ends the report.
func (p *Progress) Stop() {
	close(p.stop)
	<-p.done
}

// Printf writes a line without tearing the bar.
func (p *Progress) Printf(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.TTY {
		fmt.Fprint(p.Out, "\r\033[K")
	}
	if format != "" {
		fmt.Fprintf(p.Out, format, args...)
	}
}

func (p *Progress) report() {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprint(p.Out, p.line(time.Since(p.start)))
}

// line is one report at elapsed.
func (p *Progress) line(elapsed time.Duration) string {
	s := p.Stats
	done, total, failed := s.Done(), s.Total.Load(), s.Failed.Load()
	rate := 0.0
	if secs := elapsed.Seconds(); secs > 0 {
		rate = float64(done) / secs
	}
	fresh, cached := p.Codes.Counts()
	eta := "?"
	if total > 0 && done > 0 {
		eta = formatETA(ETA(total-done, done, elapsed, fresh, p.CodeRate))
	}
	count := fmt.Sprintf("%d", done)
	if total > 0 {
		count = fmt.Sprintf("%d/%d", done, total)
	}
	codes := ""
	if fresh+cached > 0 {
		codes = fmt.Sprintf("codes %d new, %d cached", fresh, cached)
		if p.CodeRate > 0 {
			codes += fmt.Sprintf(" (WeChat %d/min)", p.CodeRate)
		}
	}
	if !p.TTY {
		if codes != "" {
			codes = ", " + codes
		}
		return fmt.Sprintf("batch: %s rows (%d stored, %d existing, %d failed), %.1f rows/s, ETA %s%s\n",
			count, s.Stored.Load(), s.Existing.Load(), failed, rate, eta, codes)
	}
	if codes != "" {
		codes = "  " + codes
	}
	const width = 24
	filled := 0
	if total > 0 {
		filled = int(min(done, total) * width / total)
	}
	return fmt.Sprintf("\r\033[K[%s%s] %s  %.1f rows/s  ETA %s  %d failed%s",
		strings.Repeat("#", filled), strings.Repeat(".", width-filled), count, rate, eta, failed, codes)
}

// ETA estimates the time left for left rows: the slower of the pace seen
// so far and the pace WeChat's code budget allows for the new codes the
// remaining rows will likely need (in the proportion seen so far). At the
// start the code budget dominates: the client's limiter lets a first
// burst through faster than it sustains.
func ETA(left, done int64, elapsed time.Duration, freshCodes int64, ratePerMin int) time.Duration {
	if left <= 0 || done <= 0 {
		return 0
	}
	byPace := time.Duration(float64(elapsed) / float64(done) * float64(left))
	if ratePerMin <= 0 || freshCodes == 0 {
		return byPace
	}
	newPerRow := float64(freshCodes) / float64(done)
	byBudget := time.Duration(float64(left) * newPerRow / float64(ratePerMin) * float64(time.Minute))
	return max(byPace, byBudget)
}

func formatETA(d time.Duration) string {
	if d <= 0 {
		return "0s"
	}
	d = time.Duration(math.Ceil(d.Seconds())) * time.Second
	if d >= time.Hour {
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	}
	return d.String()
}
