package batch

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/haibao/haibao/poster"
	"github.com/haibao/haibao/rows"
	"github.com/haibao/haibao/storage"
)

// memSink is a store in memory that counts uploads.
type memSink struct {
	mu      sync.Mutex
	objs    map[string]storage.Object
	puts    atomic.Int64
	failPut error
	onPut   func(n int64)
}

func newMemSink() *memSink { return &memSink{objs: map[string]storage.Object{}} }

func (m *memSink) Put(ctx context.Context, key, ct string, body []byte, digest string) (storage.Object, error) {
	if m.failPut != nil {
		return storage.Object{}, &storage.Error{Op: "put", Key: key, Err: m.failPut}
	}
	if err := ctx.Err(); err != nil {
		return storage.Object{}, err
	}
	o := storage.Object{Key: key, URL: "https://cdn.example/" + key, Bytes: int64(len(body)), ETag: `"e"`, Digest: digest}
	m.mu.Lock()
	m.objs[key] = o
	m.mu.Unlock()
	n := m.puts.Add(1)
	if m.onPut != nil {
		m.onPut(n)
	}
	return o, nil
}

func (m *memSink) Stat(ctx context.Context, key string) (storage.Object, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	o, ok := m.objs[key]
	return o, ok, nil
}

func (m *memSink) count() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.objs)
}

func testEngine(t testing.TB) (*poster.Engine, *poster.Layout) {
	t.Helper()
	e, err := poster.NewEngine(poster.Config{})
	if err != nil {
		t.Fatal(err)
	}
	l, err := e.LoadLayout(os.DirFS("testdata"), "card.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return e, l
}

func csvSource(t testing.TB, s string) *rows.Reader {
	t.Helper()
	r, err := rows.NewCSV(strings.NewReader(s), rows.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

type manifestRow struct {
	Row    int    `json:"row"`
	Key    string `json:"key"`
	URL    string `json:"url"`
	Bytes  int64  `json:"bytes"`
	ETag   string `json:"etag"`
	Status string `json:"status"`
}

func readManifest(t *testing.T, b []byte) []manifestRow {
	t.Helper()
	var out []manifestRow
	dec := json.NewDecoder(bytes.NewReader(b))
	for dec.More() {
		var m manifestRow
		if err := dec.Decode(&m); err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

func TestRun(t *testing.T) {
	e, l := testEngine(t)
	sink := newMemSink()
	in := "name,score\nAnn,9\nBob,x\nAnn,9\n,\nCarl\nDorothy Wu,1\n"
	var man, errs bytes.Buffer
	sum, err := Run(context.Background(), e, csvSource(t, in), sink, Config{Layout: l, Format: poster.PNG, Concurrency: 3},
		Outputs{Manifest: &man, Errors: &errs}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := (Summary{Rows: 5, Stored: 2, Existing: 1, Failed: 2}); sum != want {
		t.Fatalf("summary = %+v, want %+v", sum, want)
	}
	m := readManifest(t, man.Bytes())
	var got []string
	for _, r := range m {
		got = append(got, fmt.Sprintf("%d %s", r.Row, r.Status))
		if !strings.HasPrefix(r.Key, "posters/card/"+l.Version()[:16]+"/") || !strings.HasSuffix(r.Key, ".png") || r.URL != "https://cdn.example/"+r.Key {
			t.Errorf("row %d: key %q url %q", r.Row, r.Key, r.URL)
		}
	}
	// Row 3 fails, row 4 repeats row 2 (which of the two uploads depends
	// on timing; the other finds it stored), row 5 is blank and skipped.
	if got[0] == "2 existing" {
		got[0], got[1] = "2 stored", "4 existing"
	}
	if want := []string{"2 stored", "4 existing", "6 stored"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("manifest rows = %q, want %q", got, want)
	}
	if m[0].Key != m[1].Key {
		t.Fatalf("duplicate rows got keys %q and %q", m[0].Key, m[1].Key)
	}
	wantErrs := "\uFEFFrow,field,message\n3,score,must be a number\n7,name,\"is 10 characters, at most 8\"\n"
	if errs.String() != wantErrs {
		t.Fatalf("errors file:\n%q\nwant\n%q", errs.String(), wantErrs)
	}
	if sink.puts.Load() != 2 {
		t.Fatalf("puts = %d, want 2", sink.puts.Load())
	}

	// The same rows again: nothing is uploaded.
	man.Reset()
	sum, err = Run(context.Background(), e, csvSource(t, in), sink, Config{Layout: l, Format: poster.PNG}, Outputs{Manifest: &man}, nil)
	if err != nil || sum.Existing != 3 || sum.Stored != 0 || sink.puts.Load() != 2 {
		t.Fatalf("rerun: %+v, %v, puts %d", sum, err, sink.puts.Load())
	}
}

// TestResume kills a run halfway (its context is cancelled after a few
// uploads) and runs it again: every poster ends up stored exactly once.
func TestResume(t *testing.T) {
	e, l := testEngine(t)
	var b strings.Builder
	b.WriteString("name\n")
	const n = 60
	for i := range n {
		fmt.Fprintf(&b, "u%d\n", i)
	}
	sink := newMemSink()
	ctx, cancel := context.WithCancel(context.Background())
	sink.onPut = func(k int64) {
		if k == 20 {
			cancel()
		}
	}
	var man bytes.Buffer
	sum, err := Run(ctx, e, csvSource(t, b.String()), sink, Config{Layout: l, Format: poster.PNG, Concurrency: 4}, Outputs{Manifest: &man}, nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	first := sink.puts.Load()
	if first < 20 || first >= n || sum.Stored != first || sum.Failed != 0 {
		t.Fatalf("first run: %+v, puts %d", sum, first)
	}
	if got := len(readManifest(t, man.Bytes())); int64(got) != sum.Stored {
		t.Fatalf("manifest has %d lines for %d stored", got, sum.Stored)
	}
	sink.onPut = nil
	sum, err = Run(context.Background(), e, csvSource(t, b.String()), sink, Config{Layout: l, Format: poster.PNG, Concurrency: 4}, Outputs{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Existing != first || sum.Stored != n-first || sink.puts.Load() != n || sink.count() != n {
		t.Fatalf("resumed: %+v, puts %d, objects %d; want %d existing and %d objects uploaded once", sum, sink.puts.Load(), sink.count(), first, n)
	}
}

// TestStorageFails: rows whose upload fails are failures with the
// storage's message, and none is in the manifest.
func TestStorageFails(t *testing.T) {
	e, l := testEngine(t)
	sink := newMemSink()
	sink.failPut = errors.New("connection refused")
	var man, errs bytes.Buffer
	sum, err := Run(context.Background(), e, csvSource(t, "name\nAnn\nBob\n"), sink, Config{Layout: l, Format: poster.PNG},
		Outputs{Manifest: &man, Errors: &errs}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Failed != 2 || man.Len() != 0 {
		t.Fatalf("summary %+v, manifest %q", sum, man.String())
	}
	for _, line := range []string{"2,,storage: put posters/card/", "3,,storage: put posters/card/"} {
		if !strings.Contains(errs.String(), line) || !strings.Contains(errs.String(), ".png: connection refused") {
			t.Fatalf("errors file %q lacks %q", errs.String(), line)
		}
	}
}

func TestNamedKeys(t *testing.T) {
	e, l := testEngine(t)
	dir := t.TempDir()
	store, err := storage.OpenDir(dir, "https://cdn.example/p")
	if err != nil {
		t.Fatal(err)
	}
	name, err := ParseName("{{name}}/card")
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Layout: l, Format: poster.PNG, Name: name}
	var man, errs bytes.Buffer
	sum, err := Run(context.Background(), e, csvSource(t, "name,score\nAnn,1\n../x,2\n"), store, cfg, Outputs{Manifest: &man, Errors: &errs}, nil)
	if err != nil || sum.Stored != 2 {
		t.Fatalf("%+v %v %s", sum, err, errs.String())
	}
	m := readManifest(t, man.Bytes())
	if m[0].Key != "Ann/card.png" || m[0].URL != "https://cdn.example/p/Ann/card.png" || m[1].Key != ".._x/card.png" {
		t.Fatalf("manifest %+v", m)
	}
	if _, err := os.Stat(filepath.Join(dir, "Ann", "card.png")); err != nil {
		t.Fatal(err)
	}
	// A rerun skips a named poster only when the stored one has the same
	// digest (kept in an extended attribute where the file system has them).
	if _, ok, _ := store.Stat(context.Background(), "Ann/card.png"); !ok {
		t.Fatal("not stored")
	}
}

func TestCheckColumns(t *testing.T) {
	_, l := testEngine(t)
	name, _ := ParseName("{{uid}}.jpg")
	tests := []struct {
		cols []string
		name *Name
		want string
	}{
		{[]string{"name", "score"}, nil, ""},
		{nil, nil, ""},
		{[]string{"score"}, nil, "data has no column for the required field(s) name (columns are field names; nested fields use dots, e.g. user.name)"},
		{[]string{"name"}, name, "data has no column for the required field(s) uid (used by --name) (columns are field names; nested fields use dots, e.g. user.name)"},
	}
	for _, tt := range tests {
		err := CheckColumns(Config{Layout: l, Name: tt.name}, tt.cols)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tt.want {
			t.Errorf("CheckColumns(%q) = %q, want %q", tt.cols, got, tt.want)
		}
	}
}

func TestParseName(t *testing.T) {
	for _, s := range []string{"poster.jpg", "{{uid}.jpg"} {
		if _, err := ParseName(s); err == nil {
			t.Errorf("ParseName(%q) succeeded", s)
		}
	}
	n, err := ParseName("{{ team }}/{{user.id}}")
	if err != nil {
		t.Fatal(err)
	}
	k, _, err := n.Key(map[string]any{"team": "a\\b", "user": map[string]any{"id": json.Number("7")}}, "webp")
	if err != nil || k != "a_b/7.webp" {
		t.Fatalf("Key = %q, %v", k, err)
	}
	_, field, err := n.Key(map[string]any{"team": "a"}, "webp")
	if err == nil || field != "user.id" {
		t.Fatalf("missing field: %q %v", field, err)
	}
}
