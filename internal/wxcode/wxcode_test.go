package wxcode

import (
	"context"
	"errors"
	"fmt"
	"image"
	"testing"

	"github.com/haibao/haibao/internal/scan"
	"github.com/haibao/haibao/layouts"
	"github.com/haibao/haibao/poster"
	"github.com/haibao/haibao/wxa"
	"github.com/haibao/haibao/wxa/wxatest"
)

// TestSamplesWithFakeWeChat renders every sample layout with codes fetched
// from the fake WeChat over HTTP and scans page and scene back out of the
// finished poster.
func TestSamplesWithFakeWeChat(t *testing.T) {
	fake := wxatest.NewServer(wxatest.Options{})
	defer fake.Close()
	disk, err := wxa.NewDiskCache(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	client, err := wxa.New(wxa.Config{AppID: wxatest.DefaultAppID, Secret: wxatest.DefaultSecret, BaseURL: fake.URL, Cache: disk})
	if err != nil {
		t.Fatal(err)
	}
	e, err := poster.NewEngine(poster.Config{Codes: Source{Client: client}})
	if err != nil {
		t.Fatal(err)
	}
	ls, err := e.LoadDir(layouts.FS)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range ls {
		res, err := e.Render(context.Background(), l, l.Sample, poster.RenderOptions{})
		if err != nil {
			t.Fatalf("%s: %v", l.Name, err)
		}
		var box poster.Box
		for _, b := range res.Boxes {
			if b.Type == "code" {
				box = b
			}
		}
		r := image.Rect(int(box.X), int(box.Y), int(box.X+box.W), int(box.Y+box.H))
		got, err := scan.QRIn(res.Image, r)
		want := fmt.Sprintf("%v?scene=%v", l.Sample["page"], l.Sample["scene"])
		if err != nil || got != want {
			t.Errorf("%s: code says %q (%v), want %q", l.Name, got, err, want)
		}
	}
	if n := fake.Stats().CodeCalls["getUnlimited"]; n != len(ls) {
		t.Errorf("%d upstream calls for %d layouts", n, len(ls))
	}
}

func TestErrorsReachTheEngineCaller(t *testing.T) {
	fake := wxatest.NewServer(wxatest.Options{})
	defer fake.Close()
	client, err := wxa.New(wxa.Config{AppID: wxatest.DefaultAppID, Secret: wxatest.DefaultSecret, BaseURL: fake.URL})
	if err != nil {
		t.Fatal(err)
	}
	e, _ := poster.NewEngine(poster.Config{Codes: Source{Client: client}})
	l, err := e.LoadLayout(layouts.FS, "product.yaml")
	if err != nil {
		t.Fatal(err)
	}
	fake.SetFaults(wxatest.Faults{ErrCode: 45029})
	_, err = e.Render(context.Background(), l, l.Sample, poster.RenderOptions{})
	var ce *poster.CodeError
	if !errors.As(err, &ce) || !errors.Is(err, wxa.ErrQuotaExhausted) {
		t.Errorf("err = %v", err)
	}
	data := map[string]any{}
	for k, v := range l.Sample {
		data[k] = v
	}
	data["scene"] = "has space"
	_, err = e.Render(context.Background(), l, data, poster.RenderOptions{})
	if !errors.Is(err, wxa.ErrInvalidArgument) {
		t.Errorf("bad scene: %v", err)
	}
}
