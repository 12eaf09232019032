package batch

import (
	"bytes"
	"context"
	"errors"
	"io"
	"sync"

	"golang.org/x/sync/singleflight"

	"github.com/haibao/haibao/poster"
	"github.com/haibao/haibao/rows"
	"github.com/haibao/haibao/storage"
)

// Status is what became of one row.
type Status int

const (
	Stored    Status = iota // rendered and put in the store
	Existing                // the store already held this poster: skipped
	Failed                  // bad data, render or storage error: in the errors file
	Cancelled               // the run stopped before the row was done
)

var statusNames = [...]string{Stored: "stored", Existing: "existing", Failed: "failed", Cancelled: "cancelled"}

func (s Status) String() string { return statusNames[s] }

func (s Status) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Problem is one reason a row failed.
type Problem struct {
	Field   string
	Message string
}

// Result is one row's outcome.
type Result struct {
	Row      int
	Status   Status
	Object   storage.Object // Stored and Existing
	Problems []Problem      // Failed
}

// Outputs receive the run's results in row order.
type Outputs struct {
	Manifest io.Writer    // JSON Lines, one per stored or existing poster
	Errors   io.Writer    // CSV: row,field,message, one line per problem
	OnResult func(Result) // optional, called in row order (e.g. to print the first errors)
}

// Summary counts a run's rows.
type Summary struct {
	Rows, Stored, Existing, Failed, Cancelled int64
}

// Run renders a poster for every row of src into sink. Row problems are
// results, not errors: the run goes on. Run returns an error only when it
// could not go on (the source broke, an output could not be written);
// a cancelled ctx stops it early with ctx's error and counts the rows it
// did not finish as cancelled.
func Run(ctx context.Context, e *poster.Engine, src Source, sink Sink, cfg Config, out Outputs, st *Stats) (Summary, error) {
	if err := cfg.Validate(); err != nil {
		return Summary{}, err
	}
	cfg = cfg.withDefaults()
	if st == nil {
		st = &Stats{}
	}
	r := &runner{e: e, sink: sink, cfg: cfg, stats: st, draws: make(chan struct{}, cfg.Draws)}
	return r.run(ctx, src, out)
}

type runner struct {
	e      *poster.Engine
	sink   Sink
	cfg    Config
	stats  *Stats
	draws  chan struct{}
	flight singleflight.Group
	bufs   sync.Pool
}

type job struct {
	seq int64
	row rows.Row
}

type done struct {
	seq int64
	res Result
}

func (r *runner) run(ctx context.Context, src Source, out Outputs) (Summary, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// window bounds rows between the reader and the in-order writer, so a
	// slow row holds back at most this many finished ones in memory.
	window := make(chan struct{}, 4*r.cfg.Concurrency+16)
	jobs := make(chan job)
	results := make(chan done, r.cfg.Concurrency)

	var srcErr error
	go func() {
		defer close(jobs)
		for seq := int64(0); ; seq++ {
			select {
			case window <- struct{}{}:
			case <-ctx.Done():
				return
			}
			row, err := src.Next()
			if err == io.EOF {
				return
			}
			if err != nil {
				srcErr = err
				return
			}
			select {
			case jobs <- job{seq, row}:
			case <-ctx.Done():
				return
			}
		}
	}()
	var wg sync.WaitGroup
	for range r.cfg.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				results <- done{j.seq, r.one(ctx, j.row)}
			}
		}()
	}
	go func() {
		wg.Wait()
		close(results)
	}()

	w := newWriters(out)
	var sum Summary
	var outErr error
	pending := map[int64]Result{}
	next := int64(0)
	for d := range results {
		pending[d.seq] = d.res
		for {
			res, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next++
			<-window
			sum.add(res.Status)
			if res.Status == Cancelled {
				continue
			}
			if err := w.write(res); err != nil && outErr == nil {
				outErr = err
				cancel() // nothing more can be recorded
			}
			if out.OnResult != nil {
				out.OnResult(res)
			}
		}
	}
	if err := w.flush(); err != nil && outErr == nil {
		outErr = err
	}
	switch {
	case outErr != nil:
		return sum, outErr
	case srcErr != nil:
		return sum, srcErr
	}
	return sum, context.Cause(ctx)
}

func (s *Summary) add(st Status) {
	s.Rows++
	switch st {
	case Stored:
		s.Stored++
	case Existing:
		s.Existing++
	case Failed:
		s.Failed++
	case Cancelled:
		s.Cancelled++
	}
}

// one renders and stores one row.
func (r *runner) one(ctx context.Context, row rows.Row) Result {
	res := r.render(ctx, row)
	if res.Status == Failed && ctx.Err() != nil {
		res.Status, res.Problems = Cancelled, nil
	}
	r.stats.count(res.Status)
	return res
}

func failed(n int, probs ...Problem) Result { return Result{Row: n, Status: Failed, Problems: probs} }

func (r *runner) render(ctx context.Context, row rows.Row) Result {
	if row.Err != nil {
		return failed(row.N, Problem{row.Err.Column, row.Err.Message})
	}
	l := r.cfg.Layout
	coerce(l, row.Data)
	if err := l.CheckData(row.Data); err != nil {
		return failed(row.N, problems(err)...)
	}
	doc, err := r.e.Bind(l, row.Data, poster.RenderOptions{Scale: r.cfg.Scale, App: r.cfg.App})
	if err != nil {
		return failed(row.N, problems(err)...)
	}
	digest := r.digest(doc)
	key := storage.PosterKey(l.Name, l.Version(), digest, r.cfg.Format.Ext())
	named := r.cfg.Name != nil
	if named {
		k, field, err := r.cfg.Name.Key(row.Data, r.cfg.Format.Ext())
		if err != nil {
			return failed(row.N, Problem{field, err.Error()})
		}
		key = k
	}
	// Rows with the same poster (duplicates) share one render and upload
	// while in flight; later ones find it in the store.
	ran := false
	v, err, _ := r.flight.Do(key, func() (any, error) {
		ran = true
		return r.store(ctx, doc, key, digest, named)
	})
	if err != nil {
		return failed(row.N, problems(err)...)
	}
	o := v.(stored)
	st := Stored
	if o.existing || !ran { // !ran: a duplicate row rode on another's upload
		st = Existing
	}
	return Result{Row: row.N, Status: st, Object: o.obj}
}

type stored struct {
	obj      storage.Object
	existing bool
}

func (r *runner) store(ctx context.Context, doc *poster.Doc, key, digest string, named bool) (stored, error) {
	obj, ok, err := r.sink.Stat(ctx, key)
	if err != nil {
		return stored{}, err
	}
	// A content-addressed key names the poster itself; a named key holds
	// this poster only if it was stored with the same digest.
	if ok && (!named || obj.Digest == digest) {
		return stored{obj, true}, nil
	}
	if err := r.e.Fetch(ctx, doc); err != nil {
		return stored{}, err
	}
	body, err := r.draw(ctx, doc)
	if err != nil {
		return stored{}, err
	}
	defer r.bufs.Put(body)
	obj, err = r.sink.Put(ctx, key, r.cfg.Format.ContentType(), body.Bytes(), digest)
	if err != nil {
		return stored{}, err
	}
	return stored{obj, false}, nil
}

// draw composes and encodes under a draw slot: the CPU-bound part.
func (r *runner) draw(ctx context.Context, doc *poster.Doc) (*bytes.Buffer, error) {
	select {
	case r.draws <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-r.draws }()
	res, err := r.e.Draw(ctx, doc)
	if err != nil {
		return nil, err
	}
	defer res.Release()
	buf, _ := r.bufs.Get().(*bytes.Buffer)
	if buf == nil {
		buf = new(bytes.Buffer)
	}
	buf.Reset()
	if err := res.Encode(buf, poster.EncodeOptions{Format: r.cfg.Format, Quality: r.cfg.Quality}); err != nil {
		r.bufs.Put(buf)
		return nil, err
	}
	return buf, nil
}

// digest names the encoded bytes: the document's key names its pixels,
// the format and quality how they are encoded.
func (r *runner) digest(doc *poster.Doc) string {
	return poster.OutputKey(doc, poster.EncodeOptions{Format: r.cfg.Format, Quality: r.cfg.Quality})
}

// problems turns an error into the errors file's lines: every bad field
// of a DataProblems, the field of a DataError, else the message alone.
func problems(err error) []Problem {
	var dp poster.DataProblems
	if errors.As(err, &dp) {
		out := make([]Problem, len(dp))
		for i, p := range dp {
			out[i] = Problem{p.Field, p.Message}
		}
		return out
	}
	var de *poster.DataError
	if errors.As(err, &de) && de.Field != "" {
		return []Problem{{de.Field, err.Error()}}
	}
	return []Problem{{"", err.Error()}}
}
