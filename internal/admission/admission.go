// Package admission owns the bound on work running at once: a fixed number
// of slots, a short queue in front of them and a longest wait, so work
// beyond them is refused at once (HTTP 429) instead of piling up memory.
// The poster service and the preview take their fetch and render slots
// from the same gates.
package admission

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// ErrOverloaded is returned by Acquire when the slots are busy and the
// queue is full, or the wait for a slot ran out.
var ErrOverloaded = errors.New("admission: too much work in progress")

// Config sizes a Gate.
type Config struct {
	Slots int           // work at once; at least 1
	Queue int           // callers that may wait for a slot; 0 refuses at once when all are busy
	Wait  time.Duration // longest wait in the queue; must be positive when Queue > 0
}

// Validate checks c; it fills nothing in.
func (c Config) Validate() error {
	switch {
	case c.Slots < 1:
		return fmt.Errorf("admission: Slots must be at least 1, got %d", c.Slots)
	case c.Queue < 0:
		return fmt.Errorf("admission: Queue must not be negative, got %d", c.Queue)
	case c.Queue > 0 && c.Wait <= 0:
		return errors.New("admission: Wait must be positive when there is a queue")
	}
	return nil
}

// Gate hands out slots. It is safe for concurrent use.
type Gate struct {
	cfg     Config
	slots   chan struct{}
	waiting atomic.Int64
}

// New makes a gate.
func New(cfg Config) (*Gate, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Gate{cfg: cfg, slots: make(chan struct{}, cfg.Slots)}, nil
}

// Acquire takes a slot, waiting in the queue when there is room in it. The
// caller must call release exactly once when its work is done, with
// defer, so a panic cannot leak the slot; calling it again is harmless.
// Errors: ErrOverloaded, or ctx's error when ctx ended first.
func (g *Gate) Acquire(ctx context.Context) (release func(), err error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	select {
	case g.slots <- struct{}{}:
		return g.releaser(), nil
	default:
	}
	if g.waiting.Add(1) > int64(g.cfg.Queue) {
		g.waiting.Add(-1)
		return nil, ErrOverloaded
	}
	defer g.waiting.Add(-1)
	t := time.NewTimer(g.cfg.Wait)
	defer t.Stop()
	select {
	case g.slots <- struct{}{}:
		return g.releaser(), nil
	case <-t.C:
		return nil, ErrOverloaded
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (g *Gate) releaser() func() {
	var once sync.Once
	return func() { once.Do(func() { <-g.slots }) }
}

// Waiting is the number of callers in the queue.
func (g *Gate) Waiting() int { return int(g.waiting.Load()) }

// InUse is the number of slots taken.
func (g *Gate) InUse() int { return len(g.slots) }
