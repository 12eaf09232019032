package jobs

import (
	"context"
	"errors"
)

// backend keeps jobs and hands them to workers: a folder for one
// instance, Redis for many. The manager runs what next returns and keeps
// the backend told of its progress.
type backend interface {
	// create keeps a new job whose input is the file at input, and queues
	// it; errQueueFull when MaxQueued jobs are queued or running.
	create(ctx context.Context, st State, input string) error
	get(ctx context.Context, id string) (State, bool, error)
	// cancel stops a queued job at once and asks a running one to stop.
	cancel(ctx context.Context, id string) (State, bool, error)
	// next blocks until a job is this worker's to run, or ctx ends.
	next(ctx context.Context) (State, error)
	// input makes the job's input a local file and returns its path.
	input(ctx context.Context, st State) (string, error)
	// progress records a running job's counts; it reports whether the job
	// was cancelled meanwhile. It also keeps the worker's claim alive.
	progress(ctx context.Context, st State) (cancelled bool, err error)
	// finish records the job's final state.
	finish(ctx context.Context, st State) error
	// release gives back a job this worker stops without finishing (the
	// service is stopping): it resumes later, here or elsewhere.
	release(st State)
	active(ctx context.Context) (int, error)
	// forget drops what is known of an ended job whose folder was swept.
	forget(id string)
	close()
}

// ErrDirInUse is returned by New when another process runs the jobs of
// the same folder.
var ErrDirInUse = errors.New("jobs: the jobs folder is in use by another process")

var (
	errShutdown  = errors.New("service stopping")
	errCancelled = errors.New("cancelled")
	errQueueFull = errors.New("too many jobs queued")
	// errLost: another instance took the job over (this one was thought
	// gone), so this one stops without recording anything.
	errLost = errors.New("job taken over by another instance")
)
