package preview

import (
	"context"
	"fmt"
	"github.com/haibao/haibao/internal/browsertest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserLiveReload drives a real headless Chromium: the page lists the
// layouts and shows a rendered poster; saving the layout changes the
// poster without a page reload; a broken save shows the error with its
// line and keeps the poster; fixing it clears the error.
func TestBrowserLiveReload(t *testing.T) {
	dir := copyLayouts(t)
	_, srv, _ := newPreview(t, dir)

	actx, cancelAlloc := browsertest.Allocator(t, 1400, 1000)
	defer cancelAlloc()
	// The first Run starts the browser: its context carries no timeout, or
	// the timeout would end the browser too.
	ctx, cancelCtx := chromedp.NewContext(actx)
	defer cancelCtx()

	shot := func(name string) {
		sctx, scancel := context.WithTimeout(ctx, 10*time.Second)
		defer scancel()
		if png, err := chromedp.Run(sctx, chromedp.FullScreenshot(90)); err == nil {
			os.MkdirAll(filepath.Join("testdata", "failed"), 0o755)
			os.WriteFile(filepath.Join("testdata", "failed", name+".png"), png, 0o644)
		}
	}
	defer func() {
		if t.Failed() {
			shot("browser")
		}
	}()
	// poll waits until expr is true. The limit is generous: under -race on
	// two busy cores, a reload, a render and a repaint can take seconds.
	const within = 60 * time.Second
	poll := func(what, expr string) {
		t.Helper()
		pctx, pcancel := context.WithTimeout(ctx, within)
		defer pcancel()
		ok, err := chromedp.Run(pctx, chromedp.Poll[bool](expr, chromedp.WithPollingInterval(50*time.Millisecond)))
		if err != nil || !ok {
			t.Fatalf("%s: not seen within %s (%v)", what, within, err)
		}
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/#product")); err != nil {
		t.Fatal(err)
	}
	poll("layout list", `document.querySelectorAll('#layouts li').length === 4`)
	poll("rendered poster", `document.getElementById('poster').complete && document.getElementById('poster').naturalWidth === 750`)
	if out := os.Getenv("HAIBAO_PREVIEW_SCREENSHOT"); out != "" {
		chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`document.getElementById('outline').click()`), chromedp.Sleep(time.Second))
		if png, err := chromedp.Run(ctx, chromedp.FullScreenshot(90)); err == nil {
			os.WriteFile(out, png, 0o644)
		}
	}
	before, err := chromedp.Run(ctx, chromedp.Evaluate[string](`window.__stillHere = 42; document.getElementById('poster').src`))
	if err != nil {
		t.Fatal(err)
	}

	file := filepath.Join(dir, "product.yaml")
	good, _ := os.ReadFile(file)
	changed := strings.Replace(string(good), `background: "#ffffff"`, `background: "#fff1e6"`, 1)
	if changed == string(good) {
		t.Fatal("test edit did not apply")
	}
	os.WriteFile(file, []byte(changed), 0o644)
	poll("poster updated without reload", fmt.Sprintf(`window.__stillHere === 42 && document.getElementById('poster').src !== %q`, before))

	broken := strings.Replace(changed, "  padding: 56\n", "  padding: [56\n", 1)
	os.WriteFile(file, []byte(broken), 0o644)
	poll("error with its line", `(() => { const p = document.getElementById('problems'); return !p.hidden && /product\.yaml:\d+:\d+: /.test(p.textContent); })()`)
	poll("last good poster kept", `document.getElementById('poster').naturalWidth === 750 && window.__stillHere === 42`)

	os.WriteFile(file, good, 0o644)
	poll("error cleared", `document.getElementById('problems').hidden && document.getElementById('problems').textContent === ''`)
}
