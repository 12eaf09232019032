package preview

import (
	"context"
	"time"

	"github.com/haibao/haibao/internal/admission"
)

// Gates is an Admission of the preview's own, for `haibao preview` run
// alone: renders at once, a short queue, a fetch bound and a ticket bound.
type Gates struct {
	Requests, Fetches, Renders *admission.Gate
}

// NewGates bounds a preview to renders drawing at once (GOMAXPROCS is a
// good choice), twice as many waiting, and eight times as many requests
// in progress.
func NewGates(renders int) (Gates, error) {
	var g Gates
	var err error
	if g.Requests, err = admission.New(admission.Config{Slots: 8 * max(renders, 1)}); err != nil {
		return g, err
	}
	if g.Fetches, err = admission.New(admission.Config{Slots: 4, Queue: 8 * max(renders, 1), Wait: 5 * time.Second}); err != nil {
		return g, err
	}
	g.Renders, err = admission.New(admission.Config{Slots: renders, Queue: 2 * renders, Wait: 5 * time.Second})
	return g, err
}

func (g Gates) AdmitRequest(ctx context.Context) (func(), error) { return g.Requests.Acquire(ctx) }
func (g Gates) AdmitFetch(ctx context.Context) (func(), error)   { return g.Fetches.Acquire(ctx) }
func (g Gates) AdmitRender(ctx context.Context) (func(), error)  { return g.Renders.Acquire(ctx) }
