package text

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/haibao/haibao/internal/browsertest"
	"html"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/haibao/haibao/fonts"
)

// browserCase is one paragraph laid out by haibao and by Chromium with the
// same font files, size and width.
type browserCase struct {
	text   string
	size   float64
	width  float64
	weight int
	// own, when set, are haibao's lines where it deliberately follows
	// clreq rather than Chromium.
	own []string
}

// browserCases mix the kinsoku rules, punctuation compression, Latin
// words, URLs, numbers, emoji and right-to-left names.
func browserCases() []browserCase {
	kinsoku := []string{
		"一二三四五。六七", "一二三四五，六七", "一二三四五——六", "一二三四五……六", "一二三四五·六",
		"一二三四五％六", "一二三四五）六", "一二三四（五）六", "一二三四“五六”", "一二三四「五六」",
		"价格100元，包邮到家", "我爱Go语言和Rust", "一二三四12345", "中文English混排的句子", "一二三四ー五",
	}
	// clreq keeps dashes and middle dots off a line's start; Chromium
	// (line-break auto or strict) lets them begin one.
	own := map[string][]string{
		"一二三四五——六": {"一二三四", "五——六"},
		"一二三四五·六":  {"一二三四", "五·六"},
	}
	var out []browserCase
	for _, k := range kinsoku {
		out = append(out, browserCase{text: k, size: 20, width: 100, own: own[k]})
	}
	return append(out,
		browserCase{text: "他说：“明天（周六）见。”她答：「好的」。《海报》《指南》，都在这里。我们（一起）“出发”吧！", size: 22, width: 360},
		browserCase{text: "自 2026 年 8 月起，你坚持每天完成晨读与笔记，累计阅读 36 本书、写下 12 万字读书笔记。你的坚持让“每天进步一点点”不再只是一句口号。", size: 24, width: 574},
		browserCase{text: "手作陶瓷马克杯 · 雾霾蓝 350ml 大容量办公室咖啡杯，附赠杯垫与木勺（限量款）", size: 38, width: 654, weight: 700},
		browserCase{text: "The quick brown fox jumps over the lazy dog while 小明 watches.", size: 20, width: 200},
		browserCase{text: "详情请见 https://haibao.example.com/posters/invite 页面", size: 20, width: 460},
		browserCase{text: "新款 AirPods 降噪耳机🎧，支持蓝牙5.3，续航长达30小时！扫码立即抢购👇「仅限今日」", size: 22, width: 360},
		browserCase{text: "用户 محمد علي 邀请你加入我们的跑步小组，一起坚持 30 天", size: 22, width: 300},
	)
}

// browserPage is an HTML page with one block per case, using the embedded
// fonts through @font-face, in Default's fallback order.
func browserPage(cases []browserCase) string {
	var b strings.Builder
	b.WriteString(`<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><style>`)
	face := func(family, file string, weight int) {
		fmt.Fprintf(&b, "@font-face{font-family:%q;src:url(/fonts/%s);font-weight:%d;}\n", family, file, weight)
	}
	face("HB", fonts.SansRegular, 400)
	face("HB", fonts.SansBold, 700)
	var families []string
	for i, fb := range fonts.Fallbacks() {
		name := fmt.Sprintf("HB%d", i)
		families = append(families, fmt.Sprintf("%q", name))
		for _, f := range fb.Files {
			w := 400
			if strings.Contains(f, "Bold") {
				w = 700
			}
			face(name, f, w)
		}
	}
	face("HBEmoji", fonts.Emoji, 400)
	// The colour emoji face comes right after the CJK one: haibao prefers
	// it for emoji-presentation characters, which Symbols 2 also maps.
	fmt.Fprintf(&b, "body{margin:0} .case{font-family:\"HB\",\"HBEmoji\",%s;line-height:1.4;word-break:normal;overflow-wrap:break-word;white-space:normal;margin:0 0 8px 0}",
		strings.Join(families, ","))
	b.WriteString(`</style></head><body>`)
	for _, c := range cases {
		w := c.weight
		if w == 0 {
			w = 400
		}
		fmt.Fprintf(&b, `<div class="case" style="font-size:%gpx;width:%gpx;font-weight:%d">%s</div>`, c.size, c.width, w, html.EscapeString(c.text))
	}
	b.WriteString(`</body></html>`)
	return b.String()
}

// linesJS returns, per case, the text of each line Chromium laid out,
// found from the position of each character.
const linesJS = `(() => {
  const out = [];
  for (const el of document.querySelectorAll('.case')) {
    const tn = el.firstChild, text = tn.textContent, lines = [];
    let cur = '', top = null, i = 0;
    for (const ch of text) {
      const r = document.createRange();
      r.setStart(tn, i); r.setEnd(tn, i + ch.length);
      i += ch.length;
      const rects = r.getClientRects();
      if (rects.length === 0 || rects[0].width === 0) { cur += ch; continue; }
      const y = rects[0].top;
      if (top !== null && y > top + 2) { lines.push(cur); cur = ''; }
      top = y; cur += ch;
    }
    lines.push(cur);
    out.push(lines.map(s => s.replace(/\s+$/, '')));
  }
  return JSON.stringify(out);
})()`

// TestBrowserLineBreaks lays out each case with haibao and with headless
// Chromium (same font files served over loopback) and wants the same
// lines, so typography is checked against a browser, not only against
// our own goldens. It is skipped with -short and where Chromium is
// missing (outside CI).
func TestBrowserLineBreaks(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a browser")
	}
	cases := browserCases()

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/fonts/", http.StripPrefix("/fonts/", http.FileServerFS(fonts.FS)))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, browserPage(cases))
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	defer srv.Close()

	actx, cancelAlloc := browsertest.Allocator(t, 1200, 2400)
	defer cancelAlloc()
	ctx, cancelCtx := chromedp.NewContext(actx)
	defer cancelCtx()
	if err := chromedp.Do(ctx, chromedp.Navigate("http://"+ln.Addr().String()+"/")); err != nil {
		t.Fatal(err)
	}
	// Fonts load on first use; wait (generously: a busy machine) until
	// every face the page uses has arrived.
	pctx, pcancel := context.WithTimeout(ctx, 60*time.Second)
	defer pcancel()
	fontsReady := `document.fonts.status === 'loaded' && document.fonts.check('20px HB', '一') &&
		document.fonts.check('bold 20px HB', '一') && document.fonts.check('20px HB1', 'ع') &&
		document.fonts.check('20px HBEmoji', '🎧')`
	if ok, err := chromedp.Run(pctx, chromedp.Poll[bool](fontsReady, chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(60*time.Second))); err != nil || !ok {
		st, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify([...document.fonts].map(f => f.family + ' ' + f.weight + ' ' + f.status))`))
		t.Fatalf("fonts not loaded within 60 s: %v; %s", err, st)
	}
	raw, err := chromedp.Run(pctx, chromedp.Evaluate[string](linesJS))
	if err != nil {
		t.Fatal(err)
	}
	var browser [][]string
	if err := json.Unmarshal([]byte(raw), &browser); err != nil || len(browser) != len(cases) {
		t.Fatalf("browser lines: %v (%d cases, want %d)", err, len(browser), len(cases))
	}

	s := mustDefault(t)
	for i, c := range cases {
		b := mustLayout(t, s, Paragraph{Spans: []Span{{Text: c.text, Size: c.size, Weight: c.weight}}, MaxWidth: c.width, LineHeight: 1.4})
		if c.own != nil {
			if got := lineTexts(b); !slices.Equal(got, c.own) || slices.Equal(got, browser[i]) {
				t.Errorf("%q: haibao %q, chromium %q; want haibao %q, unlike chromium", c.text, got, browser[i], c.own)
			}
			continue
		}
		if got := lineTexts(b); !slices.Equal(got, browser[i]) {
			t.Errorf("%q at %gpx in %gpx:\n haibao   %q\n chromium %q", c.text, c.size, c.width, got, browser[i])
		}
	}
}
