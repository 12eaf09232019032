package batch_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/haibao/haibao/batch"
	"github.com/haibao/haibao/internal/s3test"
	"github.com/haibao/haibao/poster"
	"github.com/haibao/haibao/rows"
	"github.com/haibao/haibao/storage"
)

// countingStore counts uploads and cancels the run after the cancelAt-th.
type countingStore struct {
	storage.Store
	puts     atomic.Int64
	cancelAt int64
	cancel   context.CancelFunc
}

func (c *countingStore) Put(ctx context.Context, key, ct string, body []byte, digest string) (storage.Object, error) {
	o, err := c.Store.Put(ctx, key, ct, body, digest)
	if err == nil && c.puts.Add(1) == c.cancelAt {
		c.cancel()
	}
	return o, err
}

// TestS3KilledAndResumed stops a run against a real S3 server halfway and
// runs it again: the bucket ends with one object per distinct poster and
// no poster was uploaded twice.
func TestS3KilledAndResumed(t *testing.T) {
	srv := s3test.Start(t)
	e, err := poster.NewEngine(poster.Config{})
	if err != nil {
		t.Fatal(err)
	}
	l, err := e.LoadLayout(os.DirFS("testdata"), "card.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("name\n")
	const distinct = 40
	for i := range distinct {
		fmt.Fprintf(&b, "u%d\n", i)
		if i%10 == 0 {
			fmt.Fprintf(&b, "u%d\n", i) // a duplicate row
		}
	}
	store, err := storage.Open(storage.Config{URL: srv.URL("c1"), AccessKey: srv.AccessKey, SecretKey: srv.SecretKey})
	if err != nil {
		t.Fatal(err)
	}
	run := func(ctx context.Context, cs *countingStore) (batch.Summary, error) {
		src, err := rows.NewCSV(strings.NewReader(b.String()), rows.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return batch.Run(ctx, e, src, cs, batch.Config{Layout: l, Format: poster.PNG, Concurrency: 6}, batch.Outputs{}, nil)
	}
	ctx, cancel := context.WithCancel(context.Background())
	first := &countingStore{Store: store, cancelAt: 15, cancel: cancel}
	sum, err := run(ctx, first)
	if !errors.Is(err, context.Canceled) || sum.Failed != 0 {
		t.Fatalf("first run: %+v, %v", sum, err)
	}
	// An upload in flight at the kill may land without its answer being
	// seen: it is then not reported as stored, and the resumed run finds it.
	// It may even land after Run returns: wait for the count to settle.
	stored := srv.Count(t, "c1/")
	for settled := 0; settled < 5; {
		time.Sleep(200 * time.Millisecond)
		if n := srv.Count(t, "c1/"); n != stored {
			stored, settled = n, 0
		} else {
			settled++
		}
	}
	if int64(stored) < first.puts.Load() || stored >= distinct {
		t.Fatalf("after the kill: %d objects for %d uploads", stored, first.puts.Load())
	}
	second := &countingStore{Store: store}
	sum, err = run(context.Background(), second)
	if err != nil || sum.Failed != 0 {
		t.Fatalf("resumed: %+v, %v", sum, err)
	}
	if n := srv.Count(t, "c1/"); n != distinct || second.puts.Load() != int64(distinct-stored) {
		t.Fatalf("bucket holds %d objects after the resumed run uploaded %d; want %d objects and %d uploads", n, second.puts.Load(), distinct, distinct-stored)
	}
	t.Logf("killed after %d uploads; resumed run uploaded %d and skipped %d rows", first.puts.Load(), second.puts.Load(), sum.Existing)
}
