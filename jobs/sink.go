package jobs

import (
	"context"
	"errors"
	"log/slog"

	"github.com/haibao/haibao/batch"
	"github.com/haibao/haibao/storage"
)

// errStore is what a job's client is told when the poster store fails:
// never the store's own words, which name its address.
var errStore = errors.New("the poster store failed")

// guardedSink stops the job at the store's first failure rather than
// marking every remaining row failed, and keeps the store's error (which
// names its address) in the log.
type guardedSink struct {
	batch.Sink
	log  *slog.Logger
	job  string
	fail context.CancelCauseFunc
}

func (g *guardedSink) Put(ctx context.Context, key, contentType string, body []byte, digest string) (storage.Object, error) {
	obj, err := g.Sink.Put(ctx, key, contentType, body, digest)
	return obj, g.check(ctx, err)
}

func (g *guardedSink) Stat(ctx context.Context, key string) (storage.Object, bool, error) {
	obj, ok, err := g.Sink.Stat(ctx, key)
	return obj, ok, g.check(ctx, err)
}

func (g *guardedSink) check(ctx context.Context, err error) error {
	if err == nil || ctx.Err() != nil {
		return err
	}
	g.log.Warn("poster store failed; stopping the job", "job", g.job, "err", err)
	g.fail(errStore)
	return errStore
}
