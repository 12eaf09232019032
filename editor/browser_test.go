package editor

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

// Limits for polling: generous, for a busy machine under -race.
const within = 60 * time.Second

type browser struct {
	t   *testing.T
	ctx context.Context
	dir string
}

func newBrowser(t *testing.T) *browser {
	actx, cancelAlloc := browsertest.Allocator(t, 1400, 1000)
	ctx, cancelCtx := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelCtx(); cancelAlloc() })
	b := &browser{t: t, ctx: ctx}
	t.Cleanup(func() {
		if t.Failed() {
			b.shot(filepath.Join("testdata", "failed", t.Name()+".png"))
		}
	})
	return b
}

func (b *browser) shot(path string) {
	sctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	if png, err := chromedp.Run(sctx, chromedp.FullScreenshot(100)); err == nil {
		os.MkdirAll(filepath.Dir(path), 0o755)
		os.WriteFile(path, png, 0o644)
	}
}

func (b *browser) do(actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, actions...); err != nil {
		b.t.Fatal(err)
	}
}

func (b *browser) eval(js string) {
	b.t.Helper()
	b.do(chromedp.Evaluate[chromedp.Void](js))
}

// poll waits until the expression is true.
func (b *browser) poll(what, expr string) {
	b.t.Helper()
	pctx, cancel := context.WithTimeout(b.ctx, within)
	defer cancel()
	if ok, err := chromedp.Run(pctx, chromedp.Poll[bool](expr, chromedp.WithPollingInterval(50*time.Millisecond))); err != nil || !ok {
		b.t.Fatalf("%s: not seen within %s (%v)", what, within, err)
	}
}

func (b *browser) idle() {
	b.t.Helper()
	b.poll("editor idle", `window.editorIdle && window.editorIdle()`)
}

// waitFile waits until the file differs from old and the page is idle.
func (b *browser) waitFile(path string, old []byte) []byte {
	b.t.Helper()
	for i := 0; i < int(within/(50*time.Millisecond)); i++ {
		cur, _ := os.ReadFile(path)
		if string(cur) != string(old) {
			b.idle()
			cur, _ = os.ReadFile(path)
			return cur
		}
		time.Sleep(50 * time.Millisecond)
	}
	state, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string](`JSON.stringify({sel: editor.sel, pending: editor.pending, conflict: editor.conflict, status: document.getElementById('status').textContent, error: document.getElementById('error').textContent, active: document.activeElement.tagName + " " + document.activeElement.type + " " + document.activeElement.name})`))
	b.t.Fatalf("%s did not change within %s; page: %s", path, within, state)
	return nil
}

// screenAt is where the point (x, y) of the layout is on the screen.
func (b *browser) screenAt(x, y float64) (float64, float64) {
	b.t.Helper()
	p, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]float64](fmt.Sprintf(`(() => { const r = document.getElementById('overlay').getBoundingClientRect(); return [r.left + %g * editor.zoom, r.top + %g * editor.zoom]; })()`, x, y)))
	if err != nil {
		b.t.Fatal(err)
	}
	return p[0], p[1]
}

// drag presses at (x, y) screen pixels, moves by (dx, dy) in steps and
// lets go; before letting go it runs during, if any.
func (b *browser) drag(x, y, dx, dy float64, during func()) {
	b.t.Helper()
	b.do(chromedp.MouseEvent(chromedp.MousePressed, x, y, chromedp.ButtonLeft, chromedp.ClickCount(1)))
	const steps = 5
	for i := 1; i <= steps; i++ {
		b.do(chromedp.MouseEvent(chromedp.MouseMoved, x+dx*float64(i)/steps, y+dy*float64(i)/steps, chromedp.ButtonLeft))
	}
	if during != nil {
		during()
	}
	b.do(chromedp.MouseEvent(chromedp.MouseReleased, x+dx, y+dy, chromedp.ButtonLeft, chromedp.ClickCount(1)))
}

func (b *browser) open(url string) {
	b.t.Helper()
	b.do(chromedp.Navigate(url))
	b.poll("poster drawn", `window.editorIdle && window.editorIdle() && document.getElementById('poster').naturalWidth > 0`)
}

func wantDiff(t *testing.T, what string, a, b []byte, want ...string) {
	t.Helper()
	if got := lineDiff(a, b); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("%s: diff\n%s\nwant\n%s", what, strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestBrowserEditInvite drives the editor in Chromium on a sample layout:
// a drag at 50% zoom moves the element by exactly the screen distance in
// layout units and changes only its x and y lines; a colour picked in the
// panel changes one line; undo gives back the original bytes.
func TestBrowserEditInvite(t *testing.T) {
	dir := copyLayouts(t)
	srv := newServer(t, dir)
	b := newBrowser(t)
	file := filepath.Join(dir, "invite.yaml")
	orig, _ := os.ReadFile(file)

	b.open(srv.URL + "/#invite")
	b.eval(`editorSetZoom(0.5); document.getElementById('snap').checked = false`)
	// (50, 450) lies on the card and on nothing drawn above it.
	x, y := b.screenAt(50, 450)
	b.drag(x, y, 30, 20, nil)
	moved := b.waitFile(file, orig)
	wantDiff(t, "drag by (30, 20) screen pixels at 50%", orig, moved,
		"-    x: 40", "-    y: 200", "+    x: 100", "+    y: 240")
	b.poll("card selected", `document.querySelector('#tree li.sel') && document.querySelector('#tree li.sel').textContent === 'rectcard'`)

	b.eval(`(() => { const p = document.querySelector('#props [name="fill-picker"]'); p.value = '#123456'; p.dispatchEvent(new Event('change')); })()`)
	coloured := b.waitFile(file, moved)
	wantDiff(t, "colour from the picker", moved, coloured, `-    fill: "#ffffff"`, `+    fill: "#123456"`)

	if out := os.Getenv("HAIBAO_EDITOR_SCREENSHOT"); out != "" {
		b.shot(out)
	}

	// Stress data: the event field gets its long stress value; the file
	// is not touched.
	b.eval(`(() => { const c = document.getElementById('case'); c.value = c.options[1].value; c.dispatchEvent(new Event('change')); })()`)
	b.poll("stress data drawn", `editorIdle() && editor.render.data.event !== editor.st.sample.event && document.querySelector('#fields li .val').textContent !== ''`)
	if cur, _ := os.ReadFile(file); string(cur) != string(coloured) {
		t.Fatal("switching data changed the file")
	}

	b.eval(`document.getElementById('undo').click()`)
	back := b.waitFile(file, coloured)
	if string(back) != string(moved) {
		t.Fatalf("first undo:\n%s", strings.Join(lineDiff(moved, back), "\n"))
	}
	b.eval(`document.getElementById('undo').click()`)
	back = b.waitFile(file, moved)
	if string(back) != string(orig) {
		t.Fatalf("second undo is not the original file:\n%s", strings.Join(lineDiff(orig, back), "\n"))
	}
	b.eval(`document.getElementById('redo').click()`)
	again := b.waitFile(file, orig)
	if string(again) != string(moved) {
		t.Fatalf("redo:\n%s", strings.Join(lineDiff(moved, again), "\n"))
	}

	// A field from the data panel goes into the selected text.
	b.eval(`editorSelect(editor.st.elements.findIndex(e => e.id === 'invites')); [...document.querySelectorAll('#fields li')].find(li => li.querySelector('code').textContent === '{{place}}').click()`)
	withField := b.waitFile(file, again)
	wantDiff(t, "field inserted", again, withField, "-    text: 邀请你一起参加", "+    text: 邀请你一起参加{{place}}")
}

// TestBrowserSnapAndConflict: dragging b's left edge to within 3 units of
// a's right edge snaps it there, with a guide drawn during the drag; a
// save from another program makes the next edit a conflict that leaves
// the file alone, until the page reloads it.
func TestBrowserSnapAndConflict(t *testing.T) {
	dir := copyLayouts(t)
	srv := newServer(t, dir)
	b := newBrowser(t)
	file := filepath.Join(dir, "snap.yaml")
	orig, _ := os.ReadFile(file)

	b.open(srv.URL + "/#snap")
	b.eval(`editorSetZoom(1)`)
	x, y := b.screenAt(275, 280)
	guides := 0
	b.drag(x, y, -107, 2, func() {
		n, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](`document.querySelectorAll('#overlay .guide.v').length`))
		if err != nil {
			t.Fatal(err)
		}
		guides = n
	})
	snapped := b.waitFile(file, orig)
	// 250 - 107 = 143 snaps to 140, a's right edge; y moves by 2 and
	// snaps to nothing.
	wantDiff(t, "snapped drag", orig, snapped, "-    x: 250", "-    y: 250", "+    x: 140", "+    y: 252")
	if guides != 1 {
		t.Errorf("%d vertical guides during the drag, want 1", guides)
	}

	// Resize with the corner handle: width and height change, nothing else.
	hx, hy := b.screenAt(140+50, 252+60)
	b.drag(hx, hy, 10, 20, nil)
	resized := b.waitFile(file, snapped)
	wantDiff(t, "resize", snapped, resized, "-    width: 50", "-    height: 60", "+    width: 60", "+    height: 80")

	// Drag b above a in the element list: z-order changes, and both
	// elements' bytes move intact.
	b.eval(`(() => { const lis = document.querySelectorAll('#tree li'); const dt = new DataTransfer();
		lis[1].dispatchEvent(new DragEvent('dragstart', {dataTransfer: dt, bubbles: true}));
		lis[0].dispatchEvent(new DragEvent('dragover', {dataTransfer: dt, bubbles: true, cancelable: true}));
		lis[0].dispatchEvent(new DragEvent('drop', {dataTransfer: dt, bubbles: true, cancelable: true})); })()`)
	reordered := b.waitFile(file, resized)
	ia, ib := strings.Index(string(reordered), "  - id: a\n"), strings.Index(string(reordered), "  - id: b\n")
	if ib < 0 || ia < 0 || ib > ia || len(reordered) != len(resized) {
		t.Fatalf("reorder:\n%s", reordered)
	}
	b.poll("selection follows the element", `document.querySelector('#tree li.sel').textContent === 'rectb'`)
	b.eval(`document.getElementById('undo').click()`)
	if back := b.waitFile(file, reordered); string(back) != string(resized) {
		t.Fatalf("undo of the reorder:\n%s", back)
	}
	snapped = resized

	// Another program saves the file.
	outside := append(append([]byte(nil), snapped...), "# saved by a text editor\n"...)
	if err := os.WriteFile(file, outside, 0o644); err != nil {
		t.Fatal(err)
	}
	b.eval(`document.getElementById('overlay').focus(); window.dispatchEvent(new KeyboardEvent('keydown', {key: 'ArrowRight'}))`)
	b.poll("conflict shown", `!document.getElementById('conflict').hidden && document.getElementById('status').textContent === 'conflict'`)
	b.idle()
	if cur, _ := os.ReadFile(file); string(cur) != string(outside) {
		t.Fatalf("the file was overwritten after a conflict:\n%s", cur)
	}
	b.eval(`document.getElementById('reload').click()`)
	b.poll("conflict gone", `document.getElementById('conflict').hidden && editor.st.source.endsWith('# saved by a text editor\n')`)
	b.idle()
	b.eval(`editorSelect(1); window.dispatchEvent(new KeyboardEvent('keydown', {key: 'ArrowRight', shiftKey: true}))`)
	after := b.waitFile(file, outside)
	wantDiff(t, "nudge after reload", outside, after, "-    x: 140", "+    x: 150")
	if out := os.Getenv("HAIBAO_EDITOR_SCREENSHOT"); out != "" {
		b.shot(strings.TrimSuffix(out, ".png") + "-snap.png")
	}
}

// TestBrowserPalette: every palette button adds a valid element the
// engine draws; duplicate copies the selection under a new id; delete
// removes it; the file ends as it began.
func TestBrowserPalette(t *testing.T) {
	dir := copyLayouts(t)
	srv := newServer(t, dir)
	b := newBrowser(t)
	file := filepath.Join(dir, "snap.yaml")
	orig, _ := os.ReadFile(file)
	b.open(srv.URL + "/#snap")

	cur := orig
	for i, typ := range []string{"text", "image", "rect", "line", "code"} {
		b.eval(fmt.Sprintf(`document.querySelector('[data-add=%s]').click()`, typ))
		next := b.waitFile(file, cur)
		if !strings.Contains(string(next), "\n  - id: "+typ+"\n    type: "+typ+"\n") {
			t.Fatalf("after adding a %s:\n%s", typ, next)
		}
		b.poll("new element selected and drawn", fmt.Sprintf(`editor.sel === %d && editor.render.boxes.some(x => x.id === %q)`, 2+i, typ))
		cur = next
	}
	// With nothing selected the panel edits the canvas: one value changes
	// inside the flow mapping.
	b.eval(`editorSelect(-1); (() => { const p = document.querySelector('#props [name="background-picker"]'); p.value = '#fafafa'; p.dispatchEvent(new Event('change')); })()`)
	bg := b.waitFile(file, cur)
	wantDiff(t, "canvas background", cur, bg, `-canvas: {width: 400, height: 400, background: "#ffffff"}`, `+canvas: {width: 400, height: 400, background: "#fafafa"}`)
	b.eval(`document.getElementById('undo').click()`)
	if back := b.waitFile(file, bg); string(back) != string(cur) {
		t.Fatalf("undo of the background:\n%s", strings.Join(lineDiff(cur, back), "\n"))
	}
	b.eval(`editorSelect(editor.st.elements.length - 1)`)
	if out := os.Getenv("HAIBAO_EDITOR_SCREENSHOT"); out != "" {
		b.shot(strings.TrimSuffix(out, ".png") + "-palette.png")
	}
	b.eval(`document.getElementById('duplicate').click()`)
	dup := b.waitFile(file, cur)
	if !strings.Contains(string(dup), "\n  - id: code-copy\n    type: code\n") {
		t.Fatalf("after duplicate:\n%s", dup)
	}
	for range 6 {
		before, _ := os.ReadFile(file)
		b.eval(`editorSelect(editor.st.elements.length - 1); document.getElementById('delete').click()`)
		b.waitFile(file, before)
	}
	if end, _ := os.ReadFile(file); string(end) != string(orig) {
		t.Fatalf("after deleting what was added:\n%s", strings.Join(lineDiff(orig, end), "\n"))
	}
}
