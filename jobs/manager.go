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
	"sort"
	"sync"
	"time"

	"github.com/haibao/haibao/batch"
	"github.com/haibao/haibao/internal/atomicfile"
	"github.com/haibao/haibao/poster"
	"github.com/haibao/haibao/rows"
)

var (
	errShutdown  = errors.New("service stopping")
	errCancelled = errors.New("cancelled")
	errQueueFull = errors.New("too many jobs queued")
)

// Manager keeps and runs jobs, one at a time, in the order they came.
type Manager struct {
	cfg    Config
	log    *slog.Logger
	ctx    context.Context
	stop   context.CancelCauseFunc
	queue  chan *job
	wg     sync.WaitGroup
	mu     sync.Mutex
	jobs   map[string]*job
	active int // queued or running
}

type job struct {
	mu     sync.Mutex
	state  State
	stats  *batch.Stats
	cancel context.CancelCauseFunc
}

func (j *job) snapshot() State {
	j.mu.Lock()
	defer j.mu.Unlock()
	st := j.state
	if st.Status == Running && j.stats != nil {
		st.Counts = Counts{Total: j.stats.Total.Load(), Stored: j.stats.Stored.Load(), Existing: j.stats.Existing.Load(), Failed: j.stats.Failed.Load()}
	}
	return st
}

// New opens the jobs folder and resumes the jobs a previous process left
// queued or running.
func New(cfg Config, logger *slog.Logger) (*Manager, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(cfg.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	ctx, stop := context.WithCancelCause(context.Background())
	m := &Manager{cfg: cfg, log: logger, ctx: ctx, stop: stop, queue: make(chan *job, cfg.MaxQueued), jobs: map[string]*job{}}
	ents, err := os.ReadDir(cfg.Dir)
	if err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	var resume []*job
	for _, e := range ents {
		if !e.IsDir() {
			continue
		}
		st, err := load(filepath.Join(cfg.Dir, e.Name()))
		if err != nil {
			logger.Warn("job folder unreadable; ignored", "dir", e.Name(), "err", err)
			continue
		}
		j := &job{state: st}
		m.jobs[st.ID] = j
		if !st.Status.final() {
			j.state.Status = Queued
			resume = append(resume, j)
		}
	}
	sort.Slice(resume, func(a, b int) bool { return resume[a].state.Created.Before(resume[b].state.Created) })
	for _, j := range resume {
		if m.active >= cfg.MaxQueued {
			break
		}
		m.active++
		m.queue <- j
		logger.Info("resuming job", "job", j.state.ID)
	}
	cfg.Observer.Queued(m.active)
	m.wg.Add(1)
	go m.work()
	return m, nil
}

// Close stops the running job where it is, leaving it to resume when the
// next Manager opens the folder.
func (m *Manager) Close() {
	m.stop(errShutdown)
	m.wg.Wait()
}

func (m *Manager) work() {
	defer m.wg.Done()
	for {
		select {
		case <-m.ctx.Done():
			return
		case j := <-m.queue:
			m.run(j)
			m.mu.Lock()
			m.active--
			m.cfg.Observer.Queued(m.active)
			m.mu.Unlock()
		}
	}
}

func newID() string {
	var b [12]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// add registers a new job whose input is already in its folder.
func (m *Manager) add(st State) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.active >= m.cfg.MaxQueued {
		return errQueueFull
	}
	if err := m.save(st); err != nil {
		return err
	}
	j := &job{state: st}
	m.jobs[st.ID] = j
	m.active++
	m.cfg.Observer.Queued(m.active)
	m.queue <- j // cannot block: active bounds the queue
	return nil
}

func (m *Manager) get(id string) (*job, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	j, ok := m.jobs[id]
	return j, ok
}

// cancel stops a job; a queued one never starts.
func (m *Manager) cancel(id string) (State, bool) {
	j, ok := m.get(id)
	if !ok {
		return State{}, false
	}
	j.mu.Lock()
	switch {
	case j.cancel != nil:
		j.cancel(errCancelled)
	case j.state.Status == Queued:
		j.state.Status, j.state.Finished = Cancelled, time.Now().UTC()
		m.persist(j.state)
		m.cfg.Observer.JobEnded(Cancelled)
	}
	j.mu.Unlock()
	return j.snapshot(), true
}

func (m *Manager) run(j *job) {
	j.mu.Lock()
	if j.state.Status != Queued {
		j.mu.Unlock()
		return
	}
	ctx, cancel := context.WithCancelCause(m.ctx)
	defer cancel(nil)
	j.cancel, j.stats = cancel, &batch.Stats{OnRow: m.cfg.Observer.Row}
	j.state.Status = Running
	st := j.state
	j.mu.Unlock()
	m.persist(st)

	sum, err := m.execute(m.cfg.Bulk(ctx), st, j.stats)

	cause := context.Cause(ctx)
	if errors.Is(cause, errShutdown) {
		return // left running on disk: the next process resumes it
	}
	j.mu.Lock()
	j.cancel = nil
	j.state.Counts = Counts{Total: j.stats.Total.Load(), Stored: sum.Stored, Existing: sum.Existing, Failed: sum.Failed}
	switch {
	case errors.Is(cause, errCancelled):
		j.state.Status = Cancelled
	case err != nil:
		j.state.Status, j.state.Error = Failed, err.Error()
	default:
		j.state.Status = Done
	}
	j.state.Finished = time.Now().UTC()
	st = j.state
	j.mu.Unlock()
	m.persist(st)
	m.cfg.Observer.JobEnded(st.Status)
	m.log.Info("job ended", "job", st.ID, "status", st.Status, "stored", sum.Stored, "existing", sum.Existing, "failed", sum.Failed)
	if st.Webhook != "" {
		if err := m.notify(m.ctx, st); err != nil {
			j.mu.Lock()
			j.state.WebhookErr = err.Error()
			st = j.state
			j.mu.Unlock()
			m.persist(st)
		}
	}
}

// persist saves a state change; a failure is logged, as the job itself
// goes on (its posters are in the store either way).
func (m *Manager) persist(st State) {
	if err := m.save(st); err != nil {
		m.log.Error("job state not saved", "job", st.ID, "err", err)
	}
}

// execute runs the batch, writing the manifest and errors file into the
// job's folder.
func (m *Manager) execute(ctx context.Context, st State, stats *batch.Stats) (batch.Summary, error) {
	l, ok := m.cfg.Layouts(st.Layout)
	if !ok {
		return batch.Summary{}, fmt.Errorf("layout %q no longer exists", st.Layout)
	}
	f, err := poster.ParseFormat(st.Format)
	if err != nil {
		return batch.Summary{}, err
	}
	cfg := batch.Config{Layout: l, Format: f, Quality: st.Quality, Scale: st.Scale, Concurrency: m.cfg.Concurrency}
	dir := m.jobDir(st.ID)
	input := filepath.Join(dir, st.Input)
	rf, _ := rows.FormatFromPath(input)
	if n, err := rows.Count(input, rf, rows.Options{}); err == nil {
		stats.Total.Store(int64(n))
	}
	src, err := rows.Open(input, rf, rows.Options{})
	if err != nil {
		return batch.Summary{}, err
	}
	defer src.Close()
	if err := batch.CheckColumns(cfg, src.Columns()); err != nil {
		return batch.Summary{}, err
	}
	var sum batch.Summary
	var runErr error
	werr := atomicfile.Write(filepath.Join(dir, "manifest.jsonl"), 0o644, func(mw io.Writer) error {
		return atomicfile.Write(filepath.Join(dir, "errors.csv"), 0o644, func(ew io.Writer) error {
			sum, runErr = batch.Run(ctx, m.cfg.Engine, src, m.cfg.Sink, cfg, batch.Outputs{Manifest: mw, Errors: ew}, stats)
			return nil
		})
	})
	if werr != nil {
		return sum, werr
	}
	if runErr != nil && ctx.Err() == nil {
		return sum, runErr
	}
	return sum, nil
}
