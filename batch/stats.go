package batch

import (
	"context"
	"image"
	"sync/atomic"

	"github.com/haibao/haibao/poster"
)

// Stats are a run's counters, read by the progress report while the run
// updates them.
type Stats struct {
	Stored, Existing, Failed atomic.Int64
	// Total is the number of rows, once known (a counting pass runs beside
	// the render); 0 means not known yet.
	Total atomic.Int64
	// OnRow, when set, is called as each row finishes, from the run's
	// goroutines: metrics count rows as they go rather than at the end.
	OnRow func(Status)
}

func (s *Stats) count(st Status) {
	if s.OnRow != nil {
		s.OnRow(st)
	}
	switch st {
	case Stored:
		s.Stored.Add(1)
	case Existing:
		s.Existing.Add(1)
	case Failed:
		s.Failed.Add(1)
	}
}

// Done is the rows finished so far.
func (s *Stats) Done() int64 { return s.Stored.Load() + s.Existing.Load() + s.Failed.Load() }

// CodeProbe says whether a code is already cached, so fetching it costs
// nothing of WeChat's budget. The WeChat client's cache answers it.
type CodeProbe interface {
	Cached(ctx context.Context, req poster.CodeRequest) (bool, error)
}

// CodeMeter is a poster.CodeSource that counts the codes it is asked for,
// new (a call against WeChat's budget) or already cached, so the ETA can
// tell how much of the rest of the run WeChat will pace.
type CodeMeter struct {
	src    poster.CodeSource
	probe  CodeProbe
	fresh  atomic.Int64
	cached atomic.Int64
}

// NewCodeMeter counts the codes src is asked for, using probe to tell new
// from cached.
func NewCodeMeter(src poster.CodeSource, probe CodeProbe) *CodeMeter {
	return &CodeMeter{src: src, probe: probe}
}

// Code asks the probe, counts, then gets the code from the source.
func (m *CodeMeter) Code(ctx context.Context, req poster.CodeRequest) (image.Image, error) {
	if ok, err := m.probe.Cached(ctx, req); err == nil && ok {
		m.cached.Add(1)
	} else {
		m.fresh.Add(1)
	}
	return m.src.Code(ctx, req)
}

// Counts returns the codes asked for so far: new and already cached.
func (m *CodeMeter) Counts() (fresh, cached int64) {
	if m == nil {
		return 0, 0
	}
	return m.fresh.Load(), m.cached.Load()
}
