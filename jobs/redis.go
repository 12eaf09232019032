package jobs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/haibao/haibao/internal/atomicfile"
)

// Redis keys of jobs. The hash tag {haibao:jobs} keeps them on one slot
// of a Redis Cluster, which the scripts below need.
const (
	keyPrefix  = "haibao:{haibao:jobs}:"
	keyQueue   = keyPrefix + "queue"   // list of queued job ids, oldest first
	keyRunning = keyPrefix + "running" // list of claimed job ids
)

func keyState(id string) string  { return keyPrefix + "state:" + id }  // the State as JSON
func keyInput(id string) string  { return keyPrefix + "input:" + id }  // the uploaded rows, until the job ends
func keyLease(id string) string  { return keyPrefix + "lease:" + id }  // the worker running it, expiring
func keyCancel(id string) string { return keyPrefix + "cancel:" + id } // set by DELETE while it runs

const (
	// lease is how long a claim lasts without renewal: an instance killed
	// while running a job holds it no longer than this.
	lease = 15 * time.Second
	// keepEnded is how long an ended job's state stays readable.
	keepEnded = 7 * 24 * time.Hour
	// pollQueue is how often an idle worker looks for queued jobs and
	// for claims that expired.
	pollQueue = 500 * time.Millisecond
)

// redisBackend keeps jobs in Redis: any instance answers for any job, a
// worker on any instance runs the next queued one, and a job whose
// worker's lease expired (the instance died) is queued again.
type redisBackend struct {
	rdb       redis.UniversalClient
	maxQueued int
	log       *slog.Logger
	worker    string // this instance's claim token
	dir       string // working copies of inputs and outputs

	mu       sync.Mutex
	suspects map[string]bool // running jobs seen without a lease at the last reap
}

func openRedis(rdb redis.UniversalClient, dir string, maxQueued int, log *slog.Logger) *redisBackend {
	var b [12]byte
	rand.Read(b[:])
	return &redisBackend{rdb: rdb, maxQueued: maxQueued, log: log, worker: hex.EncodeToString(b[:]), dir: dir}
}

// createScript queues a job if fewer than ARGV[4] are queued or running.
var createScript = redis.NewScript(`
if redis.call('LLEN', KEYS[1]) + redis.call('LLEN', KEYS[2]) >= tonumber(ARGV[4]) then return 0 end
redis.call('SET', KEYS[3], ARGV[2])
redis.call('SET', KEYS[4], ARGV[3])
redis.call('RPUSH', KEYS[1], ARGV[1])
return 1
`)

func (r *redisBackend) create(ctx context.Context, st State, input string) error {
	rows, err := os.ReadFile(input)
	if err != nil {
		return err
	}
	b, err := marshalState(st)
	if err != nil {
		return err
	}
	ok, err := createScript.Run(ctx, r.rdb, []string{keyQueue, keyRunning, keyState(st.ID), keyInput(st.ID)},
		st.ID, b, rows, r.maxQueued).Int()
	if err != nil {
		return fmt.Errorf("jobs: redis: %w", err)
	}
	if ok == 0 {
		return errQueueFull
	}
	return nil
}

func (r *redisBackend) get(ctx context.Context, id string) (State, bool, error) {
	if !validID(id) {
		return State{}, false, nil
	}
	b, err := r.rdb.Get(ctx, keyState(id)).Bytes()
	if errors.Is(err, redis.Nil) {
		return State{}, false, nil
	}
	if err != nil {
		return State{}, false, fmt.Errorf("jobs: redis: %w", err)
	}
	st, err := unmarshalState(b)
	if err != nil {
		return State{}, false, fmt.Errorf("jobs: redis: job %s: %w", id, err)
	}
	return st, true, nil
}

// validID keeps ids from outside to the shape newID makes, so a request
// cannot name another key.
func validID(id string) bool {
	if len(id) != 24 {
		return false
	}
	_, err := hex.DecodeString(id)
	return err == nil
}

func (r *redisBackend) put(ctx context.Context, st State, ttl time.Duration) error {
	b, err := marshalState(st)
	if err != nil {
		return err
	}
	return r.rdb.Set(ctx, keyState(st.ID), b, ttl).Err()
}

func (r *redisBackend) cancel(ctx context.Context, id string) (State, bool, error) {
	st, ok, err := r.get(ctx, id)
	if err != nil || !ok || st.Status.final() {
		return st, ok, err
	}
	// Taken off the queue by this call: it never starts.
	n, err := r.rdb.LRem(ctx, keyQueue, 1, id).Result()
	if err != nil {
		return st, true, fmt.Errorf("jobs: redis: %w", err)
	}
	if n > 0 {
		st.Status, st.Finished = Cancelled, time.Now().UTC()
		return st, true, r.finish(ctx, st)
	}
	// Running somewhere: its worker sees this within progressEvery.
	if err := r.rdb.Set(ctx, keyCancel(id), "1", keepEnded).Err(); err != nil {
		return st, true, fmt.Errorf("jobs: redis: %w", err)
	}
	return st, true, nil
}

// requeueScript puts a claimed job back at the head of the queue when its
// lease (KEYS[3]) has run out: its worker stopped or died.
var requeueScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[3]) == 1 then return 0 end
if redis.call('LREM', KEYS[2], 1, ARGV[1]) == 0 then return 0 end
redis.call('LPUSH', KEYS[1], ARGV[1])
return 1
`)

// claimScript moves the oldest queued job to the running list. The lease
// is taken right after; a worker dying in between leaves a job without a
// lease, which the next reap queues again.
var claimScript = redis.NewScript(`
return redis.call('LMOVE', KEYS[1], KEYS[2], 'LEFT', 'RIGHT')
`)

// reap queues again every claimed job whose lease ran out. A job is
// queued again only when it had no lease at two reaps in a row, so one
// claimed a moment ago, whose lease is being taken, is left alone.
func (r *redisBackend) reap(ctx context.Context) error {
	ids, err := r.rdb.LRange(ctx, keyRunning, 0, -1).Result()
	if err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	suspects := map[string]bool{}
	for _, id := range ids {
		n, err := r.rdb.Exists(ctx, keyLease(id)).Result()
		if err != nil {
			return err
		}
		if n == 1 {
			continue
		}
		if !r.suspects[id] {
			suspects[id] = true
			continue
		}
		if err := requeueScript.Run(ctx, r.rdb, []string{keyQueue, keyRunning, keyLease(id)}, id).Err(); err != nil {
			return err
		}
	}
	r.suspects = suspects
	return nil
}

func (r *redisBackend) next(ctx context.Context) (State, error) {
	for {
		if err := r.reap(ctx); err != nil {
			return State{}, fmt.Errorf("jobs: redis: %w", err)
		}
		id, err := claimScript.Run(ctx, r.rdb, []string{keyQueue, keyRunning}).Text()
		if err == nil {
			err = r.rdb.Set(ctx, keyLease(id), r.worker, lease).Err()
		}
		switch {
		case errors.Is(err, redis.Nil):
			select {
			case <-ctx.Done():
				return State{}, ctx.Err()
			case <-time.After(pollQueue):
			}
			continue
		case err != nil:
			return State{}, fmt.Errorf("jobs: redis: %w", err)
		}
		st, ok, err := r.get(ctx, id)
		if err != nil {
			return State{}, err
		}
		if !ok || st.Status.final() { // gone, or cancelled as it was claimed
			r.rdb.LRem(ctx, keyRunning, 1, id)
			r.rdb.Del(ctx, keyLease(id))
			continue
		}
		if st.Status == Running {
			r.log.Info("resuming job", "job", id)
		}
		st.Status = Running
		if err := r.put(ctx, st, 0); err != nil {
			return State{}, fmt.Errorf("jobs: redis: %w", err)
		}
		return st, nil
	}
}

// input writes the job's rows to this instance's working folder, unless
// this instance has them already (it took the upload).
func (r *redisBackend) input(ctx context.Context, st State) (string, error) {
	p := filepath.Join(r.dir, st.ID, st.Input)
	if _, err := os.Stat(p); err == nil {
		return p, nil
	}
	b, err := r.rdb.Get(ctx, keyInput(st.ID)).Bytes()
	if err != nil {
		return "", fmt.Errorf("redis: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return "", err
	}
	return p, atomicfile.Write(p, 0o644, func(w io.Writer) error {
		_, err := w.Write(b)
		return err
	})
}

// renewScript renews the lease if this worker still holds it and saves
// the running state; it answers -1 when the lease is someone else's, else
// whether the job was cancelled.
var renewScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('SET', KEYS[2], ARGV[3])
return redis.call('EXISTS', KEYS[3])
`)

func (r *redisBackend) progress(ctx context.Context, st State) (bool, error) {
	b, err := marshalState(st)
	if err != nil {
		return false, err
	}
	n, err := renewScript.Run(ctx, r.rdb, []string{keyLease(st.ID), keyState(st.ID), keyCancel(st.ID)}, r.worker, lease.Milliseconds(), b).Int()
	switch {
	case err != nil:
		return false, fmt.Errorf("jobs: redis: %w", err)
	case n < 0:
		return false, errLost
	}
	return n == 1, nil
}

func (r *redisBackend) finish(ctx context.Context, st State) error {
	b, err := marshalState(st)
	if err != nil {
		return err
	}
	_, err = r.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, keyState(st.ID), b, keepEnded)
		p.LRem(ctx, keyRunning, 1, st.ID)
		p.Del(ctx, keyLease(st.ID), keyInput(st.ID), keyCancel(st.ID))
		return nil
	})
	if err != nil {
		return fmt.Errorf("jobs: redis: %w", err)
	}
	return nil
}

// release drops the lease, so the next claim by any instance queues the
// job again at once.
func (r *redisBackend) release(st State) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := r.rdb.Del(ctx, keyLease(st.ID)).Err(); err != nil {
		r.log.Warn("job lease not released; it resumes when the lease expires", "job", st.ID, "err", err)
	}
}

func (r *redisBackend) active(ctx context.Context) (int, error) {
	q, err := r.rdb.LLen(ctx, keyQueue).Result()
	if err != nil {
		return 0, err
	}
	n, err := r.rdb.LLen(ctx, keyRunning).Result()
	return int(q + n), err
}

// forget has nothing to do: Redis expires ended jobs itself.
func (r *redisBackend) forget(id string) {}

func (r *redisBackend) close() {}
