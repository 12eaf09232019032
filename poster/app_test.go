package poster

import (
	"context"
	"errors"
	"image"
	"reflect"
	"sync"
	"testing"
	"testing/fstest"
)

// appCodes records the app of every code it is asked for.
type appCodes struct {
	mu   sync.Mutex
	apps []string
}

func (c *appCodes) Code(_ context.Context, req CodeRequest) (image.Image, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.apps = append(c.apps, req.App)
	return image.NewRGBA(image.Rect(0, 0, req.Width, req.Width)), nil
}

const appBody = "canvas: {width: 750, height: 1000}\nelements:\n  - {id: qr, type: code, page: pages/a, scene: x, size: 300}\n"

// TestLayoutAppReachesTheCodeSource: the layout's app, else the request's,
// reaches CodeRequest.App and the document key; a request naming another
// app than the layout's is refused before anything is fetched.
func TestLayoutAppReachesTheCodeSource(t *testing.T) {
	codes := &appCodes{}
	e, err := NewEngine(Config{Codes: codes})
	if err != nil {
		t.Fatal(err)
	}
	shop, err := e.ParseLayout(fstest.MapFS{}, "shop.yaml", []byte("app: shop\n"+appBody))
	if err != nil {
		t.Fatal(err)
	}
	plain, err := e.ParseLayout(fstest.MapFS{}, "plain.yaml", []byte(appBody))
	if err != nil {
		t.Fatal(err)
	}
	if shop.App != "shop" || plain.App != "" {
		t.Fatalf("Layout.App = %q and %q", shop.App, plain.App)
	}
	ctx := context.Background()
	keys := map[string]string{}
	for _, tc := range []struct {
		name string
		l    *Layout
		app  string
	}{{"shop", shop, ""}, {"shop+shop", shop, "shop"}, {"plain", plain, ""}, {"plain+game", plain, "game"}} {
		d, err := e.Bind(tc.l, nil, RenderOptions{App: tc.app})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		keys[tc.name] = d.Key()
		if _, err := e.Render(ctx, tc.l, nil, RenderOptions{App: tc.app}); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
	}
	if want := []string{"shop", "shop", "", "game"}; !reflect.DeepEqual(codes.apps, want) {
		t.Errorf("the source was asked for apps %q, want %q", codes.apps, want)
	}
	if keys["plain"] == keys["plain+game"] {
		t.Error("the same layout for two apps has one key: their posters would share a cache entry")
	}
	if keys["shop"] != keys["shop+shop"] {
		t.Error("naming the layout's own app changed the key")
	}

	_, err = e.Render(ctx, shop, nil, RenderOptions{App: "game"})
	if !errors.Is(err, ErrAppMismatch) {
		t.Fatalf("another app than the layout's: %v", err)
	}
	if want := `poster: the request names another app than its layout: the request asks for app "game", layout "shop" makes codes for app "shop"`; err.Error() != want {
		t.Errorf("message %q\nwant    %q", err, want)
	}
	if len(codes.apps) != 4 {
		t.Errorf("a refused render fetched a code")
	}
}

// TestLayoutAppMustBeConfigured: an engine told its apps refuses a layout
// naming another, at the line and column of the name.
func TestLayoutAppMustBeConfigured(t *testing.T) {
	e, err := NewEngine(Config{Apps: []string{"default", "shop"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		src  string
		want []string
	}{
		{"app: shop\n" + appBody, nil},
		{"app: shpo\n" + appBody, []string{`t.yaml:1:6: unknown app "shpo"; did you mean "shop"? (configured: default, shop)`}},
		{"name: x\napp: game\n" + appBody, []string{`t.yaml:2:6: unknown app "game" (configured: default, shop)`}},
		{"app: Shop\n" + appBody, []string{`t.yaml:1:6: app must name a configured mini program: 1 to 32 lowercase letters, digits, _ or -, starting with a letter; got "Shop"`}},
	} {
		if got := problems(t, e, tc.src, nil); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%q:\n got %q\nwant %q", tc.src, got, tc.want)
		}
	}
	// An engine that was not told its apps takes any well-formed name.
	if got := problems(t, testEngine(t), "app: game\n"+appBody, nil); got != nil {
		t.Errorf("engine without Apps: %q", got)
	}
}
