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
	"path"
	"path/filepath"
	"sync"
	"time"

	"github.com/haibao/haibao/batch"
	"github.com/haibao/haibao/internal/atomicfile"
	"github.com/haibao/haibao/poster"
	"github.com/haibao/haibao/rows"
)

// Manager keeps and runs jobs, one at a time per instance, in the order
// they came.
type Manager struct {
	cfg  Config
	log  *slog.Logger
	b    backend
	ctx  context.Context
	stop context.CancelCauseFunc
	wg   sync.WaitGroup
	// hooks tracks webhook deliveries, which go on beside the next job.
	hooks sync.WaitGroup
	// uploads holds a token per POST /v1/jobs body being read.
	uploads chan struct{}
	unlock  func()
}

// Bounds of what one job may cost.
const (
	// maxRows is the most rows a job may have.
	maxRows = 1_000_000
	// maxXLSXBytes is the most an uploaded workbook may unzip to: a cell
	// of a sheet is read whole, so this also bounds the memory one
	// hostile cell can take.
	maxXLSXBytes = 128 << 20
	// maxStoredOutput is the largest manifest or errors file stored beside
	// the posters; a larger one stays in the jobs folder.
	maxStoredOutput = 64 << 20
	// closeWait is how long Close waits for the running job to stop at a
	// row boundary before it gives up on it (it resumes at the next start).
	closeWait = 10 * time.Second
)

// progressEvery is how often a running job's counts are recorded (what
// GET shows) and its claim renewed.
const progressEvery = time.Second

// New opens the jobs folder (or Redis, when Config.Redis is set) and
// resumes the jobs a previous process left queued or running.
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
	// With Redis the folder holds working copies only, and the job's
	// lease keeps it to one instance; a folder of its own needs the lock.
	unlock := func() {}
	if cfg.Redis == nil {
		var err error
		if unlock, err = lockDir(cfg.Dir); err != nil {
			return nil, err
		}
	}
	var err error
	var b backend
	if cfg.Redis != nil {
		b = openRedis(cfg.Redis, cfg.Dir, cfg.MaxQueued, logger)
	} else if b, err = openDisk(cfg.Dir, cfg.MaxQueued, logger); err != nil {
		unlock()
		return nil, err
	}
	ctx, stop := context.WithCancelCause(context.Background())
	m := &Manager{cfg: cfg, log: logger, b: b, ctx: ctx, stop: stop, uploads: make(chan struct{}, maxUploads), unlock: unlock}
	m.sweep()
	m.reportQueued()
	m.wg.Add(1)
	go m.work()
	return m, nil
}

// Close stops the running job where it is, leaving it to resume when a
// Manager next opens the same folder (or any instance, with Redis).
func (m *Manager) Close() {
	m.stop(errShutdown)
	done := make(chan struct{})
	go func() {
		m.wg.Wait()
		m.hooks.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(closeWait):
		// A row stuck in code the context cannot stop; the process is
		// going away, and the job resumes at the next start.
		m.log.Warn("jobs: the running job did not stop in time; leaving it to resume")
	}
	m.b.close()
	m.unlock()
}

func (m *Manager) work() {
	defer m.wg.Done()
	for {
		st, err := m.b.next(m.ctx)
		if m.ctx.Err() != nil {
			return
		}
		if err != nil {
			m.log.Warn("jobs: cannot take the next job; retrying", "err", err)
			select {
			case <-m.ctx.Done():
				return
			case <-time.After(time.Second):
			}
			continue
		}
		m.run(st)
		m.reportQueued()
	}
}

func newID() string {
	var b [12]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func (m *Manager) jobDir(id string) string { return filepath.Join(m.cfg.Dir, id) }

// add keeps a new job whose input is already in its folder.
func (m *Manager) add(ctx context.Context, st State) error {
	if err := m.b.create(ctx, st, filepath.Join(m.jobDir(st.ID), st.Input)); err != nil {
		return err
	}
	m.reportQueued()
	return nil
}

func (m *Manager) run(st State) {
	ctx, cancel := context.WithCancelCause(m.ctx)
	defer cancel(nil)
	stats := &batch.Stats{OnRow: m.cfg.Observer.Row}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		m.watch(ctx, cancel, st, stats)
	}()
	sink := &guardedSink{Sink: m.cfg.Sink, log: m.log, job: st.ID, fail: cancel}
	sum, err := m.execute(m.cfg.Bulk(ctx), st, stats, sink)
	cancel(nil)
	wg.Wait()

	cause := context.Cause(ctx)
	if errors.Is(cause, errShutdown) || errors.Is(cause, errLost) {
		m.b.release(st)
		return
	}
	st.Counts = Counts{Total: stats.Total.Load(), Stored: sum.Stored, Existing: sum.Existing, Failed: sum.Failed}
	switch {
	case errors.Is(cause, errCancelled):
		st.Status = Cancelled
	case errors.Is(cause, errStore):
		st.Status, st.Error = Failed, errStore.Error()+"; the job stopped (posters stored so far are kept: post it again to finish it)"
	case err != nil:
		st.Status, st.Error = Failed, err.Error()
	default:
		st.Status = Done
	}
	st.Finished = time.Now().UTC()
	m.keepOutputs(&st)
	m.finish(st)
	m.reportQueued()
	m.log.Info("job ended", "job", st.ID, "status", st.Status, "stored", sum.Stored, "existing", sum.Existing, "failed", sum.Failed)
	m.ended(st)
	m.sweep()
}

// reportQueued tells the observer how many jobs are queued or running.
func (m *Manager) reportQueued() {
	if n, err := m.b.active(m.ctx); err == nil {
		m.cfg.Observer.Queued(n)
	}
}

// ended counts a job that ended and sends its webhook, beside the next
// job: a slow receiver does not hold the queue.
func (m *Manager) ended(st State) {
	m.cfg.Observer.JobEnded(st.Status)
	if st.Webhook == "" {
		return
	}
	m.hooks.Add(1)
	go func() {
		defer m.hooks.Done()
		if err := m.notify(m.ctx, st); err != nil {
			st.WebhookErr = err.Error()
			m.log.Warn("webhook not delivered", "job", st.ID, "err", err)
			m.finish(st)
		}
	}()
}

// cancel stops st, a job that has not ended; one that had not started
// ends here and now.
func (m *Manager) cancel(ctx context.Context, st State) (State, bool, error) {
	st, ok, err := m.b.cancel(ctx, st.ID)
	if err == nil && ok && st.Status == Cancelled {
		m.log.Info("job ended", "job", st.ID, "status", st.Status)
		m.ended(st)
	}
	return st, ok, err
}

// sweep removes the folders of jobs that ended longer ago than they are
// kept, so the jobs folder does not grow without bound.
func (m *Manager) sweep() {
	ents, err := os.ReadDir(m.cfg.Dir)
	if err != nil {
		return
	}
	old := time.Now().Add(-keepEnded)
	for _, e := range ents {
		if !e.IsDir() {
			continue
		}
		info, err := e.Info()
		if err != nil || info.ModTime().After(old) {
			continue
		}
		st, ok, err := m.b.get(m.ctx, e.Name())
		if err != nil || (ok && !st.Status.final()) {
			continue
		}
		if err := os.RemoveAll(filepath.Join(m.cfg.Dir, e.Name())); err == nil {
			m.b.forget(e.Name())
		}
	}
}

// watch records the job's progress every progressEvery and stops it when
// it was cancelled, or when this worker lost its claim on it.
func (m *Manager) watch(ctx context.Context, cancel context.CancelCauseFunc, st State, stats *batch.Stats) {
	t := time.NewTicker(progressEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		st.Counts = Counts{Total: stats.Total.Load(), Stored: stats.Stored.Load(), Existing: stats.Existing.Load(), Failed: stats.Failed.Load()}
		cancelled, err := m.b.progress(ctx, st)
		switch {
		case errors.Is(err, errLost):
			m.log.Warn("job taken over by another instance; stopping here", "job", st.ID)
			cancel(errLost)
			return
		case err != nil:
			m.log.Warn("job progress not recorded", "job", st.ID, "err", err)
		case cancelled:
			cancel(errCancelled)
			return
		}
	}
}

// finish records a final state; a failure is logged, as the posters are
// in the store either way.
func (m *Manager) finish(st State) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(m.ctx), 30*time.Second)
	defer cancel()
	if err := m.b.finish(ctx, st); err != nil {
		m.log.Error("job state not saved", "job", st.ID, "err", err)
	}
}

// keepOutputs puts the manifest and errors file beside the posters, so
// they outlive this instance's folder.
func (m *Manager) keepOutputs(st *State) {
	if m.cfg.Sink == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(m.ctx), 5*time.Minute)
	defer cancel()
	for _, o := range []struct {
		file, name, ct string
		url            *string
	}{{"manifest.jsonl", "manifest.jsonl", "application/jsonl", &st.ManifestURL}, {"errors.csv", "errors.csv", "text/csv; charset=utf-8", &st.ErrorsURL}} {
		p := filepath.Join(m.jobDir(st.ID), o.file)
		if info, err := os.Stat(p); err != nil || info.Size() > maxStoredOutput {
			if err == nil {
				m.log.Warn("job output too large to store beside the posters; kept in the jobs folder", "job", st.ID, "file", o.name, "bytes", info.Size())
			}
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		obj, err := m.cfg.Sink.Put(ctx, path.Join("jobs", st.ID, o.name), o.ct, b, "")
		if err != nil {
			m.log.Warn("job output not stored", "job", st.ID, "file", o.name, "err", err)
			continue
		}
		*o.url = obj.URL
	}
}

// execute runs the batch, writing the manifest and errors file into the
// job's folder.
func (m *Manager) execute(ctx context.Context, st State, stats *batch.Stats, sink batch.Sink) (batch.Summary, error) {
	l, ok := m.cfg.Layouts(st.Layout)
	if !ok {
		return batch.Summary{}, fmt.Errorf("layout %q no longer exists", st.Layout)
	}
	if m.cfg.Sink == nil {
		return batch.Summary{}, errors.New("the service has no storage for posters (HAIBAO_STORAGE_URL)")
	}
	f, err := poster.ParseFormat(st.Format)
	if err != nil {
		return batch.Summary{}, err
	}
	cfg := batch.Config{Layout: l, Format: f, Quality: st.Quality, Scale: st.Scale, Concurrency: m.cfg.Concurrency, Draws: m.cfg.Draws, App: st.App}
	dir := m.jobDir(st.ID)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return batch.Summary{}, err
	}
	input, err := m.b.input(ctx, st)
	if err != nil {
		return batch.Summary{}, fmt.Errorf("job input: %w", err)
	}
	rf, _ := rows.FormatFromPath(input)
	opt := rows.Options{Limits: rows.Limits{MaxXLSXBytes: maxXLSXBytes}}
	n, err := rows.Count(input, rf, opt)
	if err != nil {
		return batch.Summary{}, err
	}
	if n > maxRows {
		return batch.Summary{}, fmt.Errorf("the job has %d rows; at most %d", n, maxRows)
	}
	stats.Total.Store(int64(n))
	src, err := rows.Open(input, rf, opt)
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
			sum, runErr = batch.Run(ctx, m.cfg.Engine, src, sink, cfg, batch.Outputs{Manifest: mw, Errors: ew}, stats)
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
