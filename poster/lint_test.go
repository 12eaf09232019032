package poster

import (
	"context"
	"fmt"
	"image/color"
	"os"
	"reflect"
	"sort"
	"strings"
	"testing"
	"testing/fstest"
)

func lintSrc(t *testing.T, e *Engine, src string, opt LintOptions) []Finding {
	t.Helper()
	l, err := e.ParseLayout(fstest.MapFS{}, "t.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	opt.Decode = true
	fs, err := e.lintOnce(context.Background(), l, nil, opt)
	if err != nil {
		t.Fatal(err)
	}
	return fs
}

func ruleSet(fs []Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Severity.String()+" "+f.Rule)
	}
	sort.Strings(out)
	return out
}

// TestLintCodes runs each code rule on a poster built to trip it. The
// code-does-not-scan rule decodes the stand-in QR code after the phone
// degradation, so each row also says whether a decoder reads the code:
// rules other than it fire on codes that still decode only where the
// measurements say a camera would struggle (contrast, opacity).
func TestLintCodes(t *testing.T) {
	e := testEngine(t)
	const head = "canvas: {width: 750, height: 1334, background: %s}\nelements:\n"
	const long = `page: pages/activity/detail/index, scene: "uid=1234567890&ch=spring2026&x=abcdefgh"`
	code := func(bg, attrs string) string {
		return fmt.Sprintf(head, bg) + "  - {id: code, type: code, page: pages/index/index, scene: \"uid=123456\", x: 235, y: 900, " + attrs + "}\n"
	}
	tests := []struct {
		name string
		src  string
		opt  LintOptions
		want []string
	}{
		{"good code", code(`"#fff"`, "size: 280"), LintOptions{}, nil},
		{"good code as JPEG", code(`"#fff"`, "size: 280"), LintOptions{Format: JPEG, Quality: 60}, nil},
		{"transparent code over the photo", code("{image: asset:bg-dusk.jpg}", "size: 280, transparent: true"), LintOptions{},
			[]string{"error code-contrast", "error code-does-not-scan", "warning code-busy"}},
		{"light lines", code(`"#fff"`, `size: 280, line_color: "#f8f8f8"`), LintOptions{}, []string{"error code-contrast", "error code-does-not-scan"}},
		{"white on white", code(`"#fff"`, `size: 280, line_color: "#ffffff"`), LintOptions{}, []string{"error code-contrast", "error code-does-not-scan"}},
		{"grey lines still decode", code(`"#fff"`, `size: 280, line_color: "#cccccc"`), LintOptions{}, []string{"error code-contrast"}},
		{"50 px code", code(`"#fff"`, "size: 50"), LintOptions{}, []string{"error code-does-not-scan", "error code-small"}},
		{"80 px code, long content", fmt.Sprintf(head, `"#fff"`) + "  - {id: code, type: code, " + long + ", size: 80, x: 235, y: 900}\n", LintOptions{},
			[]string{"error code-does-not-scan", "error code-small"}},
		{"120 px code", code(`"#fff"`, "size: 120"), LintOptions{}, []string{"warning code-small"}},
		{"covered", code(`"#fff"`, "size: 280") + "  - {id: name, type: text, text: 扫码领取, x: 300, y: 1000}\n", LintOptions{},
			[]string{"error code-covered", "warning code-busy"}},
		{"low opacity", code(`"#fff"`, "size: 280, opacity: 0.3"), LintOptions{}, []string{"error code-contrast", "warning code-opacity"}},
		{"low JPEG quality", code(`"#fff"`, "size: 90"), LintOptions{Format: JPEG, Quality: 10}, []string{"error code-jpeg-quality", "warning code-small"}},
		{"white on dark", code(`"#1d39c4"`, `size: 280, transparent: true, line_color: "#ffffff"`), LintOptions{}, []string{"error code-does-not-scan", "error code-inverted"}},
		{"black on dark navy", code(`"#001529"`, "size: 280, transparent: true"), LintOptions{}, []string{"error code-contrast", "error code-does-not-scan"}},
		{"on its own background over the photo", code("{image: asset:bg-dusk.jpg}", `size: 280, background: "#fff"`), LintOptions{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := lintSrc(t, e, tt.src, tt.opt)
			if got := ruleSet(fs); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("findings %v, want %v", got, tt.want)
				for _, f := range fs {
					t.Logf("  %s", f.Message)
				}
			}
			for _, f := range fs {
				if f.Element != "code" || f.Line != 3 || f.Col != 5 {
					t.Errorf("finding %s placed at %s %d:%d, want the code element at 3:5", f.Rule, f.Element, f.Line, f.Col)
				}
			}
		})
	}
}

func TestLintText(t *testing.T) {
	e := testEngine(t)
	src := `canvas: {width: 400, height: 300, background: "#fff"}
elements:
  - {id: cut, type: text, x: 10, y: 10, width: 100, max_lines: 1, text: 一二三四五六七八九十一二三四五六七八九十}
  - {id: tall, type: text, x: 10, y: 50, width: 100, height: 30, text: 一二三四五六七八九十一二三四五六七八九十}
  - {id: below, type: rect, x: 10, y: 90, width: 100, height: 20, fill: "#eee"}
  - {id: shrunk, type: text, x: 200, y: 10, width: 100, max_lines: 1, size: 28, min_size: 12, text: 一二三四五六七八九十一二三四五六七八九十}
  - {id: fits, type: text, x: 200, y: 60, width: 100, max_lines: 1, size: 28, min_size: 12, text: 一二三四五}
  - {id: off, type: rect, x: 350, y: 10, width: 100, height: 20, fill: "#000"}
`
	fs := lintSrc(t, e, src, LintOptions{})
	var got []string
	for _, f := range fs {
		got = append(got, fmt.Sprintf("%d:%d %s %s %s: %s", f.Line, f.Col, f.Severity, f.Rule, f.Element, f.Message))
	}
	want := []string{
		`3:5 warning text-cut cut: text is cut to 1 line(s) by max_lines: "一二…"`,
		`4:5 warning text-overflow tall: text is 274.4 units tall, more than its height 30, and runs onto rect "below"`,
		`6:5 warning text-shrunk shrunk: text shrinks to its min_size 12 and still does not fit`,
		`6:5 warning text-cut shrunk: text is cut to 1 line(s) by max_lines: "一二三四五六七…"`,
		`7:5 hint text-shrunk fits: text shrinks to fit (一二三四五)`,
		`8:5 warning off-canvas off: rect "off" reaches outside the canvas (x 350, y 10, 100×20), so part of it is cut off`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

// TestSampleLayoutsPassLint: the samples declare their fields and show no
// warning or error, with their sample data or with the stress data.
func TestSampleLayoutsPassLint(t *testing.T) {
	e := testEngine(t)
	for _, l := range sampleLayouts(t, e) {
		if !declaresFields(l) {
			t.Errorf("%s declares no fields", l.Name)
		}
		if len(l.StressData()) == 0 {
			t.Errorf("%s has no stress data", l.Name)
		}
		fs, err := e.LintLayout(context.Background(), l, LintOptions{})
		if err != nil {
			t.Fatalf("%s: %v", l.Name, err)
		}
		// The sample as the JPEG most posters are sent as, too.
		jpeg, err := e.lintOnce(context.Background(), l, l.Sample, LintOptions{Format: JPEG, Decode: true})
		if err != nil {
			t.Fatalf("%s: %v", l.Name, err)
		}
		for _, f := range jpeg {
			fs = append(fs, LayoutFinding{Finding: f, Case: "sample as JPEG"})
		}
		for _, f := range fs {
			if f.Severity > SeverityHint {
				t.Errorf("%s:%d:%d: %s %s: %s (%s data)", l.Name, f.Line, f.Col, f.Severity, f.Rule, f.Message, f.Case)
			}
		}
	}
}

// TestBrokenLayoutFiresEveryRule lints testdata/lint/broken.yaml, which
// breaks each rule on purpose.
func TestBrokenLayoutFiresEveryRule(t *testing.T) {
	e := testEngine(t)
	ls, err := e.LoadDir(os.DirFS("testdata/lint"))
	if err != nil || len(ls) != 1 {
		t.Fatalf("%v", err)
	}
	fs, err := e.LintLayout(context.Background(), ls[0], LintOptions{Format: JPEG, Quality: 10})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, f := range fs {
		got[f.Element+" "+f.Rule] = true
	}
	for _, want := range []string{
		"over-photo code-contrast", "covered code-busy", "faint code-does-not-scan",
		"faint code-contrast", "ghost code-opacity", "ghost code-contrast", "tiny code-small",
		"tiny code-jpeg-quality", "inverted code-inverted", "covered code-covered",
		"name text-cut", "cut text-cut", "tall text-overflow", "off off-canvas", "over-photo field-undeclared",
	} {
		if !got[want] {
			t.Errorf("no %s finding", want)
		}
	}
	if t.Failed() {
		for _, f := range fs {
			t.Logf("%d:%d %s %s %s: %s", f.Line, f.Col, f.Severity, f.Rule, f.Element, f.Message)
		}
	}
}

func TestTransparentCanvas(t *testing.T) {
	e := testEngine(t)
	fs := lintSrc(t, e, "canvas: {width: 100, height: 100, flatten: '#102030'}\nelements:\n  - {type: rect, width: 50, height: 50, fill: '#000'}\n", LintOptions{Format: JPEG})
	if got := ruleSet(fs); !reflect.DeepEqual(got, []string{"warning transparent-canvas"}) || !strings.Contains(fs[0].Message, "#102030") {
		t.Errorf("findings %v %v", got, fs)
	}
	l, err := e.ParseLayout(fstest.MapFS{}, "t.yaml", []byte("canvas: {width: 10, height: 10}\nelements: []\n"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := e.Render(context.Background(), l, nil, RenderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Flatten != (color.NRGBA{255, 255, 255, 255}) {
		t.Errorf("default flatten %v, want white", res.Flatten)
	}
	for src, want := range map[string]string{
		"canvas: {width: 10, height: 10, flatten: '{{c}}'}\nelements: []\n":     "t.yaml:1:42: canvas flatten must be a colour written out, not taken from the data",
		"canvas: {width: 10, height: 10, flatten: '#ff000080'}\nelements: []\n": "t.yaml:1:42: canvas flatten must be an opaque colour: JPEG has no transparency",
	} {
		if _, err := e.ParseLayout(fstest.MapFS{}, "t.yaml", []byte(src)); err == nil || err.Error() != want {
			t.Errorf("%q: %v, want %s", src, err, want)
		}
	}
}

// TestLintWithoutDecodeIsCheap: the service's lint skips the phone journey
// but keeps every pixel rule.
func TestLintWithoutDecode(t *testing.T) {
	e := testEngine(t)
	l, err := e.ParseLayout(fstest.MapFS{}, "t.yaml", []byte("canvas: {width: 750, height: 1334, background: '#fff'}\nelements:\n  - {id: code, type: code, scene: s, size: 50, line_color: '#f8f8f8'}\n"))
	if err != nil {
		t.Fatal(err)
	}
	fs, err := e.lintOnce(context.Background(), l, nil, LintOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := ruleSet(fs); !reflect.DeepEqual(got, []string{"error code-contrast", "error code-small"}) {
		t.Errorf("findings %v", got)
	}
}
