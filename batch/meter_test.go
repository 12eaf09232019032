package batch

import (
	"context"
	"image"
	"testing"

	"github.com/haibao/haibao/poster"
)

type fakeCodes struct{ calls int }

func (f *fakeCodes) Code(ctx context.Context, req poster.CodeRequest) (image.Image, error) {
	f.calls++
	return image.NewGray(image.Rect(0, 0, 1, 1)), nil
}

type cachedScenes map[string]bool

func (c cachedScenes) Cached(ctx context.Context, req poster.CodeRequest) (bool, error) {
	return c[req.Scene], nil
}

func TestCodeMeter(t *testing.T) {
	src := &fakeCodes{}
	m := NewCodeMeter(src, cachedScenes{"u=1": true})
	for _, s := range []string{"u=1", "u=2", "u=3", "u=1"} {
		if _, err := m.Code(context.Background(), poster.CodeRequest{Page: "pages/a", Scene: s}); err != nil {
			t.Fatal(err)
		}
	}
	if fresh, cached := m.Counts(); fresh != 2 || cached != 2 || src.calls != 4 {
		t.Fatalf("fresh %d, cached %d, source calls %d; want 2, 2, 4", fresh, cached, src.calls)
	}
	var none *CodeMeter
	if f, c := none.Counts(); f != 0 || c != 0 {
		t.Fatal("nil meter counts codes")
	}
}
