package jobs

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/haibao/haibao/internal/atomicfile"
)

// disk keeps jobs in a folder, one subfolder each (input, state.json,
// manifest, errors), and queues them in memory. A restarted process finds
// the unfinished ones and queues them again.
type disk struct {
	dir       string
	maxQueued int
	log       *slog.Logger

	mu      sync.Mutex
	states  map[string]State
	cancels map[string]bool // running jobs asked to stop
	queue   chan string
	queued  int // queued or running
}

func openDisk(dir string, maxQueued int, log *slog.Logger) (*disk, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	d := &disk{dir: dir, maxQueued: maxQueued, log: log, states: map[string]State{}, cancels: map[string]bool{},
		queue: make(chan string, maxQueued)}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	var resume []State
	for _, e := range ents {
		if !e.IsDir() {
			continue
		}
		st, err := loadState(filepath.Join(dir, e.Name()))
		if err != nil {
			log.Warn("job folder unreadable; ignored", "dir", e.Name(), "err", err)
			continue
		}
		if !st.Status.final() {
			st.Status = Queued
			resume = append(resume, st)
		}
		d.states[st.ID] = st
	}
	sort.Slice(resume, func(a, b int) bool { return resume[a].Created.Before(resume[b].Created) })
	for _, st := range resume {
		if d.queued >= maxQueued {
			break
		}
		d.queued++
		d.queue <- st.ID
		log.Info("resuming job", "job", st.ID)
	}
	return d, nil
}

func (d *disk) jobDir(id string) string { return filepath.Join(d.dir, id) }

func (d *disk) save(st State) error {
	return atomicfile.Write(filepath.Join(d.jobDir(st.ID), "state.json"), 0o644, func(w io.Writer) error {
		b, err := marshalState(st)
		if err != nil {
			return err
		}
		_, err = w.Write(b)
		return err
	})
}

func loadState(dir string) (State, error) {
	b, err := os.ReadFile(filepath.Join(dir, "state.json"))
	if err != nil {
		return State{}, err
	}
	st, err := unmarshalState(b)
	if err != nil {
		return State{}, fmt.Errorf("%s: %w", dir, err)
	}
	return st, nil
}

func (d *disk) create(ctx context.Context, st State, input string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.queued >= d.maxQueued {
		return errQueueFull
	}
	if err := d.save(st); err != nil {
		return err
	}
	d.states[st.ID] = st
	d.queued++
	d.queue <- st.ID // cannot block: queued bounds the channel
	return nil
}

func (d *disk) get(ctx context.Context, id string) (State, bool, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	st, ok := d.states[id]
	return st, ok, nil
}

func (d *disk) cancel(ctx context.Context, id string) (State, bool, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	st, ok := d.states[id]
	switch {
	case !ok:
		return st, false, nil
	case st.Status == Queued:
		st.Status, st.Finished = Cancelled, time.Now().UTC()
		d.states[id] = st
		if err := d.save(st); err != nil {
			d.log.Error("job state not saved", "job", id, "err", err)
		}
	case st.Status == Running:
		d.cancels[id] = true
	}
	return st, true, nil
}

func (d *disk) next(ctx context.Context) (State, error) {
	for {
		select {
		case <-ctx.Done():
			return State{}, ctx.Err()
		case id := <-d.queue:
			d.mu.Lock()
			st := d.states[id]
			if st.Status != Queued { // cancelled while queued
				d.queued--
				d.mu.Unlock()
				continue
			}
			st.Status = Running
			d.states[id] = st
			d.mu.Unlock()
			if err := d.save(st); err != nil {
				d.log.Error("job state not saved", "job", id, "err", err)
			}
			return st, nil
		}
	}
}

func (d *disk) input(ctx context.Context, st State) (string, error) {
	return filepath.Join(d.jobDir(st.ID), st.Input), nil
}

func (d *disk) progress(ctx context.Context, st State) (bool, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.states[st.ID] = st
	return d.cancels[st.ID], nil
}

func (d *disk) finish(ctx context.Context, st State) error {
	d.mu.Lock()
	if prev := d.states[st.ID]; !prev.Status.final() && st.Status.final() {
		d.queued--
	}
	d.states[st.ID] = st
	delete(d.cancels, st.ID)
	d.mu.Unlock()
	return d.save(st)
}

func (d *disk) release(st State) {
	// Left running on disk: the next process queues it again.
	d.mu.Lock()
	defer d.mu.Unlock()
	d.queued--
}

func (d *disk) active(ctx context.Context) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.queued, nil
}

func (d *disk) close() {}

func (d *disk) forget(id string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if st, ok := d.states[id]; ok && st.Status.final() {
		delete(d.states, id)
	}
}
