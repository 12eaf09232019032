package cache

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func byteLen(b []byte) int64 { return int64(len(b)) }

func TestEvictsLeastRecentlyUsed(t *testing.T) {
	c := New[string, []byte](100, byteLen, Options{})
	for i := range 3 {
		c.Add(fmt.Sprint(i), make([]byte, 30))
	}
	c.Get("0") // 0 is now the most recent; 1 the least
	c.Add("3", make([]byte, 30))
	if _, ok := c.Get("1"); ok {
		t.Error("least recently used value kept")
	}
	for _, k := range []string{"0", "2", "3"} {
		if _, ok := c.Get(k); !ok {
			t.Errorf("%s evicted", k)
		}
	}
	if c.Size() != 90 {
		t.Errorf("size %d, want 90", c.Size())
	}
	c.Add("huge", make([]byte, 101))
	if _, ok := c.Get("huge"); ok || c.Len() != 3 {
		t.Error("value over the whole limit stored")
	}
	c.Add("0", make([]byte, 90)) // replacing frees the old size first
	if c.Len() != 1 || c.Size() != 90 {
		t.Errorf("len %d size %d after a large replacement, want 1 and 90", c.Len(), c.Size())
	}
	c.Remove("0")
	if c.Len() != 0 || c.Size() != 0 {
		t.Error("remove")
	}
}

func TestMaxEntryAndReplaceByOversize(t *testing.T) {
	c := New[string, []byte](100, byteLen, Options{MaxEntry: 25})
	c.Add("a", make([]byte, 20))
	c.Add("a", make([]byte, 26)) // too big: the old value must not linger either
	if _, ok := c.Get("a"); ok || c.Size() != 0 {
		t.Errorf("oversized replacement kept something: size %d", c.Size())
	}
}

func TestTTL(t *testing.T) {
	c := New[string, []byte](100, byteLen, Options{TTL: time.Minute})
	now := time.Unix(1000, 0)
	c.now = func() time.Time { return now }
	c.Add("a", []byte("x"))
	now = now.Add(59 * time.Second)
	if _, ok := c.Get("a"); !ok {
		t.Fatal("expired early")
	}
	now = now.Add(2 * time.Second)
	if _, ok := c.Get("a"); ok || c.Size() != 0 {
		t.Fatal("kept past its TTL")
	}
}

func TestDoSharesOneLoad(t *testing.T) {
	c := New[string, []byte](1000, byteLen, Options{})
	var loads atomic.Int32
	release := make(chan struct{})
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, err := c.Do(context.Background(), "k", func(context.Context) ([]byte, error) {
				loads.Add(1)
				<-release
				return []byte("v"), nil
			})
			if err != nil || string(v) != "v" {
				t.Errorf("got %q, %v", v, err)
			}
		}()
	}
	// Every caller must have joined before the load ends; poll rather than sleep a fixed time.
	for deadline := time.Now().Add(30 * time.Second); ; {
		c.mu.Lock()
		f := c.flights["k"]
		n := 0
		if f != nil {
			n = f.waiters
		}
		c.mu.Unlock()
		if n == 20 || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Millisecond)
	}
	close(release)
	wg.Wait()
	if loads.Load() != 1 {
		t.Fatalf("%d loads, want 1", loads.Load())
	}
	if _, ok := c.Get("k"); !ok {
		t.Fatal("loaded value not cached")
	}
}

func TestDoCallerLeavingDoesNotFailOthers(t *testing.T) {
	c := New[string, []byte](1000, byteLen, Options{})
	started, release := make(chan struct{}), make(chan struct{})
	var loadCtx context.Context
	load := func(ctx context.Context) ([]byte, error) {
		loadCtx = ctx
		close(started)
		<-release
		return []byte("v"), ctx.Err()
	}
	ctx1, cancel1 := context.WithCancel(context.Background())
	first := make(chan error, 1)
	go func() { _, err := c.Do(ctx1, "k", load); first <- err }()
	<-started
	second := make(chan error, 1)
	go func() { _, err := c.Do(context.Background(), "k", load); second <- err }()
	for { // wait for the second caller to join
		c.mu.Lock()
		n := c.flights["k"].waiters
		c.mu.Unlock()
		if n == 2 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	cancel1()
	if err := <-first; !errors.Is(err, context.Canceled) {
		t.Fatalf("first caller: %v, want its own cancellation", err)
	}
	if loadCtx.Err() != nil {
		t.Fatal("load cancelled while another caller still waits")
	}
	close(release)
	if err := <-second; err != nil {
		t.Fatalf("second caller failed by the first one leaving: %v", err)
	}
}

func TestDoCancelsLoadWhenEveryoneLeft(t *testing.T) {
	c := New[string, []byte](1000, byteLen, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancelled := make(chan struct{})
	go func() {
		_, _ = c.Do(ctx, "k", func(lctx context.Context) ([]byte, error) {
			<-lctx.Done()
			close(cancelled)
			return nil, lctx.Err()
		})
	}()
	for {
		c.mu.Lock()
		_, ok := c.flights["k"]
		c.mu.Unlock()
		if ok {
			break
		}
		time.Sleep(time.Millisecond)
	}
	cancel()
	<-cancelled // would hang if the load were not told
}

func TestDoRecoversPanicAndDoesNotCacheErrors(t *testing.T) {
	c := New[string, []byte](1000, byteLen, Options{})
	_, err := c.Do(context.Background(), "k", func(context.Context) ([]byte, error) { panic("boom") })
	var pe *PanicError
	if !errors.As(err, &pe) || pe.Value != "boom" || len(pe.Stack) == 0 {
		t.Fatalf("got %v, want a PanicError with a stack", err)
	}
	v, err := c.Do(context.Background(), "k", func(context.Context) ([]byte, error) { return []byte("ok"), nil })
	if err != nil || string(v) != "ok" {
		t.Fatalf("after a panic: %q, %v", v, err)
	}
}
