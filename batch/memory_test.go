package batch

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/haibao/haibao/poster"
	"github.com/haibao/haibao/rows"
)

// TestMillionRowsMemory streams a 1,000,000-row CSV through a run and
// samples the heap: it must stay flat, whatever the row count. Every row
// names the same poster (uid is not drawn), so the run measures the
// pipeline (read, check, bind, key, store lookup, manifest) rather than a
// million draws.
func TestMillionRowsMemory(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("1,000,000 rows: skipped under -short and -race")
	}
	const n = 1_000_000
	dir := t.TempDir()
	data := filepath.Join(dir, "rows.csv")
	f, err := os.Create(data)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	w.WriteString("uid,name,score\n")
	for i := range n {
		fmt.Fprintf(w, "%d,Ann,%d\n", i, 7)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()

	e, l := testEngine(t)
	src, err := rows.Open(data, rows.CSV, rows.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	man, err := os.Create(filepath.Join(dir, "manifest.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer man.Close()

	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	var peak uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		var ms runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				runtime.ReadMemStats(&ms)
				peak = max(peak, ms.HeapInuse)
			}
		}
	}()
	start := time.Now()
	sum, err := Run(context.Background(), e, src, newMemSink(), Config{Layout: l, Format: poster.PNG}, Outputs{Manifest: man}, nil)
	close(stop)
	wg.Wait()
	elapsed := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Rows != n || sum.Stored != 1 || sum.Existing != n-1 {
		t.Fatalf("summary %+v", sum)
	}
	st, _ := man.Stat()
	grew := int64(peak) - int64(base.HeapInuse)
	t.Logf("%d rows in %v (%.0f rows/s); heap in use %.1f MB before, peak %.1f MB (+%.1f MB); manifest %.0f MB",
		n, elapsed.Round(time.Millisecond), float64(n)/elapsed.Seconds(), mb(base.HeapInuse), mb(peak), float64(grew)/(1<<20), float64(st.Size())/(1<<20))
	// Holding the rows, or their results, would take hundreds of MB; the
	// bound leaves room for one render and the collector's lag behind it
	// on a busy machine (seen: 29 to 60 MB).
	if grew > 128<<20 {
		t.Fatalf("heap grew by %.1f MB over the run, want under 128 MB", float64(grew)/(1<<20))
	}
}

func mb(b uint64) float64 { return float64(b) / (1 << 20) }
