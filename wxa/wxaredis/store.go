package wxaredis

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// Mode says whether the cluster state in Redis is in use.
type Mode int32

const (
	ModeCluster Mode = iota // Redis answers: shared budget, cache, locks
	ModeLocal               // Redis unreachable: local fallback
)

func (m Mode) String() string {
	if m == ModeLocal {
		return "local"
	}
	return "cluster"
}

// Topology is how the Redis URL is read.
type Topology string

const (
	TopologySingle   Topology = "single"   // one server (or a proxy)
	TopologySentinel Topology = "sentinel" // master_name=… in the URL selects it too
	TopologyCluster  Topology = "cluster"  // Redis Cluster; more nodes as addr=… parameters
)

// Config sets up a Store.
type Config struct {
	// URL is a redis:// or rediss:// URL; see go-redis's ParseURL,
	// ParseFailoverURL and ParseClusterURL for the parameters.
	URL      string
	Topology Topology // "" means single, or sentinel when the URL names a master
	// Instances is how many instances share the budget, used to split it
	// when Redis is down. 0 means: as many as the heartbeat registry last
	// saw (at least 1).
	Instances int
	// Heartbeat is how often this instance announces itself and how often
	// a lost Redis is retried; 0 means 2 s.
	Heartbeat time.Duration
	Logger    *slog.Logger
	Observer  Observer
}

// Validate checks the configuration without connecting.
func (c Config) Validate() error {
	u, err := url.Parse(c.URL)
	if err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") || u.Host == "" {
		return errors.New("wxaredis: the Redis URL must look like redis://host:6379/0 or rediss://…")
	}
	switch c.Topology {
	case "", TopologySingle, TopologySentinel, TopologyCluster:
	default:
		return fmt.Errorf("wxaredis: topology must be single, sentinel or cluster, got %q", c.Topology)
	}
	if c.Instances < 0 {
		return errors.New("wxaredis: the number of instances must not be negative")
	}
	return nil
}

func (c Config) client() (redis.UniversalClient, error) {
	topo := c.Topology
	if topo == "" {
		topo = TopologySingle
		if u, _ := url.Parse(c.URL); u != nil && u.Query().Has("master_name") {
			topo = TopologySentinel
		}
	}
	// The parse errors of go-redis can quote the URL, password included.
	bad := errors.New("wxaredis: the Redis URL has an unknown or malformed parameter")
	u, _ := url.Parse(c.URL)
	q := u.Query()
	switch topo {
	case TopologySentinel:
		o, err := redis.ParseFailoverURL(c.URL)
		if err != nil {
			return nil, bad
		}
		failFast(q, &o.DialTimeout, &o.ReadTimeout, &o.WriteTimeout, &o.MaxRetries)
		return redis.NewFailoverClient(o), nil
	case TopologyCluster:
		o, err := redis.ParseClusterURL(c.URL)
		if err != nil {
			return nil, bad
		}
		failFast(q, &o.DialTimeout, &o.ReadTimeout, &o.WriteTimeout, &o.MaxRetries)
		return redis.NewClusterClient(o), nil
	}
	o, err := redis.ParseURL(c.URL)
	if err != nil {
		return nil, bad
	}
	failFast(q, &o.DialTimeout, &o.ReadTimeout, &o.WriteTimeout, &o.MaxRetries)
	return redis.NewClient(o), nil
}

// failFast shortens the client's timeouts and retries, unless the URL sets
// them: Redis sits on the path of every code request, and a lost Redis
// should cost a request a second at most before the local fallback takes
// over, not go-redis's 5 s dial and 3 retries.
func failFast(q url.Values, dial, read, write *time.Duration, retries *int) {
	if !q.Has("dial_timeout") {
		*dial = time.Second
	}
	if !q.Has("read_timeout") {
		*read = time.Second
	}
	if !q.Has("write_timeout") {
		*write = time.Second
	}
	if !q.Has("max_retries") {
		*retries = 1
	}
}

// Store is the connection to Redis shared by the limiters, caches, token
// sources and quota counters of every app, and the keeper of the mode.
type Store struct {
	rdb      redis.UniversalClient
	cfg      Config
	log      *slog.Logger
	obs      Observer
	id       string // this instance in the heartbeat registry
	mode     atomic.Int32
	seen     atomic.Int64 // instances seen by the last heartbeat
	changed  chan struct{}
	mu       sync.Mutex // guards changed
	stop     context.CancelFunc
	loopDone chan struct{}
	regKey   string
}

// Open connects to Redis and starts the heartbeat. A Redis that does not
// answer yet is not an error: the store starts in local mode and switches
// to cluster mode when Redis answers.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Heartbeat <= 0 {
		cfg.Heartbeat = 2 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Observer == nil {
		cfg.Observer = NopObserver{}
	}
	rdb, err := cfg.client()
	if err != nil {
		return nil, err
	}
	var id [8]byte
	_, _ = rand.Read(id[:])
	s := &Store{rdb: rdb, cfg: cfg, log: cfg.Logger, obs: cfg.Observer, id: hex.EncodeToString(id[:]),
		changed: make(chan struct{}), loopDone: make(chan struct{}), regKey: "haibao:instances"}
	s.seen.Store(1)
	s.mode.Store(int32(ModeLocal))
	lctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s.stop = cancel
	s.beat(ctx)
	go s.loop(lctx)
	return s, nil
}

// Close stops the heartbeat, leaves the registry and closes the connection.
func (s *Store) Close() error {
	s.stop()
	<-s.loopDone
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = s.rdb.ZRem(ctx, s.regKey, s.id).Err()
	return s.rdb.Close()
}

// Client is the Redis client, for health checks.
func (s *Store) Client() redis.UniversalClient { return s.rdb }

// Mode is the mode in use now.
func (s *Store) Mode() Mode { return Mode(s.mode.Load()) }

// Instances is how many instances the budget is split between when Redis
// is down: the configured number, else the last count of the registry.
func (s *Store) Instances() int {
	if s.cfg.Instances > 0 {
		return s.cfg.Instances
	}
	return int(max(1, s.seen.Load()))
}

// modeChanged returns a channel closed at the next change of mode.
func (s *Store) modeChanged() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.changed
}

func (s *Store) setMode(m Mode, why error) {
	if Mode(s.mode.Swap(int32(m))) == m {
		return
	}
	if m == ModeLocal {
		s.log.Warn("Redis unreachable: WeChat calls use the local fallback limiter, bulk work pauses", "err", why, "instances", s.Instances())
	} else {
		s.log.Info("Redis reachable: cluster mode")
	}
	s.obs.ModeChanged(m)
	s.mu.Lock()
	close(s.changed)
	s.changed = make(chan struct{})
	s.mu.Unlock()
}

// failed looks at the error of a Redis command: anything but "no such
// key" means Redis is not usable now, so the store goes local until the
// heartbeat reaches it again. It returns whether err was such a failure.
func (s *Store) failed(err error) bool {
	if err == nil || errors.Is(err, redis.Nil) {
		return false
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		// The caller's deadline, not Redis's fault; say nothing about mode.
		return true
	}
	s.setMode(ModeLocal, err)
	return true
}

func (s *Store) loop(ctx context.Context) {
	defer close(s.loopDone)
	t := time.NewTicker(s.cfg.Heartbeat)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.beat(ctx)
		}
	}
}

// beat announces this instance, counts the live ones and sets the mode by
// whether that worked.
func (s *Store) beat(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, max(time.Second, s.cfg.Heartbeat))
	defer cancel()
	now, err := s.rdb.Time(ctx).Result()
	if err != nil {
		if !errors.Is(err, context.Canceled) { // canceled: Close, not Redis
			s.setMode(ModeLocal, err)
		}
		return
	}
	stale := now.Add(-3 * s.cfg.Heartbeat).UnixMilli()
	pipe := s.rdb.TxPipeline()
	pipe.ZAdd(ctx, s.regKey, redis.Z{Score: float64(now.UnixMilli()), Member: s.id})
	pipe.ZRemRangeByScore(ctx, s.regKey, "-inf", "("+strconv.FormatInt(stale, 10))
	n := pipe.ZCard(ctx, s.regKey)
	if _, err := pipe.Exec(ctx); err != nil {
		if !errors.Is(err, context.Canceled) {
			s.setMode(ModeLocal, err)
		}
		return
	}
	s.seen.Store(max(1, n.Val()))
	s.setMode(ModeCluster, nil)
}

// token is a random lock owner id.
func token() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
