package wxaredis

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"
)

// A lock is a key set with SET NX PX to a random owner id. Only the owner
// may extend or delete it (compare-and-…), so an instance whose lease ran
// out never frees or prolongs the lock another instance took since. A
// killed owner stops extending it and it expires after one lease.

var unlock = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`)

var extend = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`)

// tryLock takes key for lease; ok is false when another owner holds it.
func (s *Store) tryLock(ctx context.Context, key string, lease time.Duration) (owner string, ok bool, err error) {
	owner = token()
	ok, err = s.rdb.SetNX(ctx, key, owner, lease).Result()
	return owner, ok, err
}

// keepLock extends the lease every third of it until the returned stop is
// called, which also deletes the lock if this owner still holds it.
func (s *Store) keepLock(key, owner string, lease time.Duration) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(lease / 3)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				ctx, cancel := context.WithTimeout(context.Background(), lease/3)
				_ = extend.Run(ctx, s.rdb, []string{key}, owner, lease.Milliseconds()).Err()
				cancel()
			}
		}
	}()
	return func() {
		close(done)
		<-finished
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = unlock.Run(ctx, s.rdb, []string{key}, owner).Err()
	}
}

// pollDelay is the wait before poll n for a result another instance is
// producing: short at first, as most codes take WeChat well under a
// second, then at most 200 ms between Redis round trips.
func pollDelay(n int) time.Duration {
	return min(20*time.Millisecond<<min(n, 4), 200*time.Millisecond)
}
