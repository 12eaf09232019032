package admission

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestGateQueueAndRelease(t *testing.T) {
	g, err := New(Config{Slots: 1, Queue: 1, Wait: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	release, err := g.Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan error, 1)
	go func() {
		r, err := g.Acquire(context.Background())
		if err == nil {
			defer r()
		}
		got <- err
	}()
	for g.Waiting() != 1 { // poll: the goroutine queues when it gets CPU
		time.Sleep(time.Millisecond)
	}
	if _, err := g.Acquire(context.Background()); !errors.Is(err, ErrOverloaded) {
		t.Errorf("queue full: %v, want ErrOverloaded", err)
	}
	release()
	release() // twice is harmless: must not free a second slot
	if err := <-got; err != nil {
		t.Errorf("queued caller: %v", err)
	}
	if g.InUse() != 0 {
		t.Errorf("%d slots in use after all released", g.InUse())
	}
}

func TestGateWaitAndContext(t *testing.T) {
	g, _ := New(Config{Slots: 1, Queue: 4, Wait: 10 * time.Millisecond})
	release, _ := g.Acquire(context.Background())
	defer release()
	if _, err := g.Acquire(context.Background()); !errors.Is(err, ErrOverloaded) {
		t.Errorf("wait ran out: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := g.Acquire(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

func TestConfigValidate(t *testing.T) {
	for _, c := range []Config{{}, {Slots: 1, Queue: -1}, {Slots: 1, Queue: 1}} {
		if c.Validate() == nil {
			t.Errorf("%+v accepted", c)
		}
	}
	if err := (Config{Slots: 2}).Validate(); err != nil {
		t.Error(err)
	}
}
