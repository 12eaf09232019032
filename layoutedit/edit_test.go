package layoutedit

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

func samples(t *testing.T) map[string][]byte {
	t.Helper()
	paths, err := filepath.Glob("../layouts/*.yaml")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no sample layouts: %v", err)
	}
	out := map[string][]byte{}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(p)] = b
	}
	return out
}

func read(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("../layouts", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// diff lists the lines that differ between a and b, after the common head
// and tail are taken off: "-old" lines then "+new" lines.
func diff(a, b []byte) []string {
	al, bl := strings.SplitAfter(string(a), "\n"), strings.SplitAfter(string(b), "\n")
	i := 0
	for i < len(al) && i < len(bl) && al[i] == bl[i] {
		i++
	}
	j := 0
	for j < len(al)-i && j < len(bl)-i && al[len(al)-1-j] == bl[len(bl)-1-j] {
		j++
	}
	var out []string
	for _, l := range al[i : len(al)-j] {
		out = append(out, "-"+strings.TrimSuffix(l, "\n"))
	}
	for _, l := range bl[i : len(bl)-j] {
		out = append(out, "+"+strings.TrimSuffix(l, "\n"))
	}
	return out
}

func elements(t *testing.T, src []byte) []map[string]any {
	t.Helper()
	var doc struct {
		Elements []map[string]any `yaml:"elements"`
	}
	if err := yaml.Unmarshal(src, &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Elements
}

func index(t *testing.T, src []byte, id string) int {
	t.Helper()
	for i, el := range elements(t, src) {
		if el["id"] == id {
			return i
		}
	}
	t.Fatalf("no element %q", id)
	return -1
}

func mustApply(t *testing.T, src []byte, ops ...Op) []byte {
	t.Helper()
	out, err := Apply(src, ops...)
	if err != nil {
		t.Fatalf("Apply(%+v): %v", ops, err)
	}
	return out
}

func raw(v any) json.RawMessage {
	b, _ := json.Marshal(v)
	return b
}

// TestRoundTrip: no edit, and setting every key of every element to the
// value it already has, gives back the very same bytes for every sample.
func TestRoundTrip(t *testing.T) {
	for name, src := range samples(t) {
		t.Run(name, func(t *testing.T) {
			if out := mustApply(t, src); string(out) != string(src) {
				t.Fatal("no edit changed the file")
			}
			var doc yaml.Node
			if err := yaml.Unmarshal(src, &doc); err != nil {
				t.Fatal(err)
			}
			n := 0
			for i, el := range elements(t, src) {
				for k, v := range el {
					out := mustApply(t, src, Op{Kind: KindSet, Index: i, Path: []string{k}, Value: raw(v)})
					if d := diff(src, out); len(d) > 0 {
						t.Errorf("element %d: setting %s to its own value %v changed %q", i, k, v, d)
					}
					n++
				}
			}
			if n < 20 {
				t.Fatalf("only %d keys tried", n)
			}
		})
	}
}

func TestMinimalDiffs(t *testing.T) {
	invite := read(t, "invite.yaml")
	card := index(t, invite, "card")
	nick := index(t, invite, "nickname")
	avatar := index(t, invite, "avatar")
	for _, tc := range []struct {
		name string
		src  []byte
		ops  []Op
		want []string
	}{
		{"move absolute", invite, []Op{{Kind: KindMove, Index: card, ID: "card", DX: 13, DY: -7}},
			[]string{"-    x: 40", "-    y: 200", "+    x: 53", "+    y: 193"}},
		{"move keeps relation, changes gap", invite, []Op{{Kind: KindMove, Index: nick, DY: 10}},
			[]string{"-    y: {below: avatar, gap: 24}", "+    y: {below: avatar, gap: 34}"}},
		{"move x only", invite, []Op{{Kind: KindMove, Index: nick, DX: -5}},
			[]string{"-    x: 80", "+    x: 75"}},
		{"center becomes a number", invite, []Op{{Kind: KindMove, Index: avatar, DX: 10, X: ptr(305)}},
			[]string{"-    x: center", "+    x: 305"}},
		{"colour keeps its quotes", invite, []Op{{Kind: KindSet, Index: card, Path: []string{"fill"}, Value: raw("#fafafa")}},
			[]string{`-    fill: "#ffffff"`, `+    fill: "#fafafa"`}},
		{"colour inside a flow mapping", invite, []Op{{Kind: KindSet, Index: avatar, Path: []string{"border", "color"}, Value: raw("#000000")}},
			[]string{`-    border: {width: 6, color: "#ffffff"}`, `+    border: {width: 6, color: "#000000"}`}},
		{"new key goes last, indented", invite, []Op{{Kind: KindSet, Index: card, Path: []string{"stroke"}, Value: json.RawMessage(`{"width":2,"color":"#eeeeee"}`)}},
			[]string{`+    stroke: {width: 2, color: "#eeeeee"}`}},
		{"new key inside a flow mapping", invite, []Op{{Kind: KindSet, Index: nick, Path: []string{"y", "gap"}, Value: raw(0)}, {Kind: KindUnset, Index: nick, Path: []string{"y", "gap"}}, {Kind: KindSet, Index: nick, Path: []string{"y", "gap"}, Value: raw(30)}},
			[]string{"-    y: {below: avatar, gap: 24}", "+    y: {below: avatar, gap: 30}"}},
		{"unset a key", invite, []Op{{Kind: KindUnset, Index: card, Path: []string{"radius"}}},
			[]string{"-    radius: 28"}},
		{"block mapping replaced by a flow one", invite, []Op{{Kind: KindSet, Index: 0, Path: []string{"gradient"}, Value: json.RawMessage(`{"angle":90,"stops":["#000000","#ffffff"]}`)}},
			[]string{"-      angle: 160", `-      stops: ["#ff9a62", "#ff5f6d"]`, "+      angle: 90", `+      stops: ["#000000", "#ffffff"]`}},
		{"a scalar replaced by a mapping", invite, []Op{{Kind: KindSet, Index: card, Path: []string{"y"}, Value: json.RawMessage(`{"below":"header","gap":-160}`)}},
			[]string{"-    y: 200", "+    y: {below: header, gap: -160}"}},
		{"a list replaced", read(t, "certificate.yaml"), []Op{{Kind: KindSet, Index: 5, Path: []string{"spans"}, Value: json.RawMessage(`[{"text":"a, b"}]`)}},
			[]string{"-    spans:", `-      - {text: "荣获「", color: "rgba(255, 255, 255, 0.8)"}`, `-      - {text: "{{achievement}}", color: "#ffe7a3", weight: bold}`, `-      - {text: "」成就", color: "rgba(255, 255, 255, 0.8)"}`, `+    spans: [{text: "a, b"}]`}},
		{"canvas background", invite, []Op{{Kind: KindSet, Index: RootIndex, Path: []string{"canvas", "background"}, Value: raw("#000000")}},
			[]string{`-  background: "#fff8f0"`, `+  background: "#000000"`}},
		{"text with emoji stays plain", invite, []Op{{Kind: KindSet, Index: index(t, invite, "invites"), Path: []string{"text"}, Value: raw("诚邀你参加 🎉")}},
			[]string{"-    text: 邀请你一起参加", "+    text: 诚邀你参加 🎉"}},
		{"text that needs quotes gets them", invite, []Op{{Kind: KindSet, Index: index(t, invite, "invites"), Path: []string{"text"}, Value: raw("a: b # c")}},
			[]string{"-    text: 邀请你一起参加", `+    text: "a: b # c"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := mustApply(t, tc.src, tc.ops...)
			if got := diff(tc.src, out); strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Fatalf("diff:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

func ptr(f float64) *float64 { return &f }

func TestElements(t *testing.T) {
	invite := read(t, "invite.yaml")
	n := len(elements(t, invite))
	hint := index(t, invite, "hint")

	added := mustApply(t, invite, Op{Kind: KindAdd, Index: n, Value: json.RawMessage(`{"id":"badge","type":"rect","x":10,"y":20,"width":30,"height":40,"fill":"#ff0000"}`)})
	want := []string{"+", "+  - id: badge", "+    type: rect", "+    x: 10", "+    y: 20", "+    width: 30", "+    height: 40", `+    fill: "#ff0000"`}
	if got := diff(invite, added); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("add diff:\n%s", strings.Join(got, "\n"))
	}
	if back := mustApply(t, added, Op{Kind: KindRemove, Index: n, ID: "badge"}); string(back) != string(invite) {
		t.Fatalf("removing the added element does not give the file back:\n%s", strings.Join(diff(invite, back), "\n"))
	}

	dup := mustApply(t, invite, Op{Kind: KindDuplicate, Index: hint, ID: "hint", NewID: "hint2"})
	els := elements(t, dup)
	if len(els) != n+1 || els[hint+1]["id"] != "hint2" || els[hint+1]["text"] != els[hint]["text"] {
		t.Fatalf("duplicate: %v", els[hint:])
	}

	moved := mustApply(t, invite, Op{Kind: KindReorder, Index: 0, To: 1})
	els = elements(t, moved)
	if els[0]["id"] != "card" || els[1]["id"] != "header" {
		t.Fatalf("reorder: %v, %v", els[0]["id"], els[1]["id"])
	}
	if back := mustApply(t, moved, Op{Kind: KindReorder, Index: 1, To: 0}); string(back) != string(invite) {
		t.Fatalf("reordering back does not give the file back:\n%s", strings.Join(diff(invite, back), "\n"))
	}
	for i := range n {
		moved := mustApply(t, invite, Op{Kind: KindReorder, Index: i, To: n - 1 - i})
		if len(elements(t, moved)) != n {
			t.Fatal("reorder lost an element")
		}
	}
}

func TestCommentsStay(t *testing.T) {
	src := []byte("# top\nname: x # trailing\nelements:\n  # about a\n  - id: a # the a\n    type: rect # kind\n    x: 1   # left\n    y: 'q'\n    width: 1\n    height: 1\n\n  # about b\n  - id: b\n    type: rect\n    width: 1\n    height: 1\n# end\n")
	out := mustApply(t, src, Op{Kind: KindSet, Index: 0, Path: []string{"x"}, Value: raw(5)}, Op{Kind: KindSet, Index: 0, Path: []string{"y"}, Value: raw("r")})
	want := []string{"-    x: 1   # left", "-    y: 'q'", "+    x: 5   # left", "+    y: 'r'"}
	if got := diff(src, out); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("diff:\n%s", strings.Join(got, "\n"))
	}
	swapped := mustApply(t, src, Op{Kind: KindReorder, Index: 1, To: 0})
	if !strings.Contains(string(swapped), "  # about b\n  - id: b\n    type: rect\n    width: 1\n    height: 1\n\n  # about a\n  - id: a # the a\n") || !strings.HasSuffix(string(swapped), "# end\n") {
		t.Fatalf("reorder moved the comments wrongly:\n%s", swapped)
	}
}

func TestEdges(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		op        Op
		want      string
	}{
		{"add to an empty list", "elements: []\n", Op{Kind: KindAdd, Index: 0, Value: json.RawMessage(`{"id":"n","type":"rect"}`)},
			"elements:\n  - id: n\n    type: rect\n"},
		{"no newline at the end", "elements:\n  - id: a\n    type: rect", Op{Kind: KindSet, Index: 0, Path: []string{"x"}, Value: raw(5)},
			"elements:\n  - id: a\n    type: rect\n    x: 5\n"},
		{"sequence at the key's indent", "elements:\n- id: a\n  type: rect\n", Op{Kind: KindAdd, Index: 1, Value: json.RawMessage(`{"id":"n","type":"rect"}`)},
			"elements:\n- id: a\n  type: rect\n- id: n\n  type: rect\n"},
		{"a | block stays one", "elements:\n  - id: a\n    text: |\n      hello\n\n      world\n    size: 3\n", Op{Kind: KindSet, Index: 0, Path: []string{"text"}, Value: raw("hi\n\nthere\n")},
			"elements:\n  - id: a\n    text: |\n      hi\n\n      there\n    size: 3\n"},
		{"a | block without the last newline", "elements:\n  - id: a\n    text: |\n      hello\n    size: 3\n", Op{Kind: KindSet, Index: 0, Path: []string{"text"}, Value: raw("a\nb")},
			"elements:\n  - id: a\n    text: |-\n      a\n      b\n    size: 3\n"},
		{"a one-line text replacing a | block", "elements:\n  - id: a\n    text: |\n      hello\n    size: 3\n", Op{Kind: KindSet, Index: 0, Path: []string{"text"}, Value: raw("hi")},
			"elements:\n  - id: a\n    text: hi\n    size: 3\n"},
	} {
		out, err := Apply([]byte(tc.src), tc.op)
		if err != nil || string(out) != tc.want {
			t.Errorf("%s: got %q, %v; want %q", tc.name, out, err, tc.want)
		}
	}
}

func TestRefused(t *testing.T) {
	invite := read(t, "invite.yaml")
	for _, tc := range []struct {
		op   Op
		want string
	}{
		{Op{Kind: KindSet, Index: 99, Path: []string{"x"}, Value: raw(1)}, "there is no element 99"},
		{Op{Kind: KindSet, Index: 0, ID: "card", Path: []string{"x"}, Value: raw(1)}, `element 0 is not "card" any more; reload the layout`},
		{Op{Kind: KindSet, Index: 0, Path: []string{"x", "gap"}, Value: raw(1)}, "x is not a mapping"},
		{Op{Kind: KindUnset, Index: 0, Path: []string{"nope"}}, "nope is not set"},
		{Op{Kind: KindSet, Index: 0, Path: []string{"x"}, Value: json.RawMessage(`{`)}, "the value is not valid JSON"},
		{Op{Kind: "explode", Index: 0}, `unknown edit "explode"`},
		{Op{Kind: KindDuplicate, Index: 0}, "a copy needs a new id"},
		{Op{Kind: KindRemove, Index: RootIndex}, "there is no element -1"},
		{Op{Kind: KindMove, Index: RootIndex, DX: 1}, "there is no element -1"},
	} {
		_, err := Apply(invite, tc.op)
		var e *Error
		if !errors.As(err, &e) || e.Msg != tc.want {
			t.Errorf("%+v: err = %v, want %q", tc.op, err, tc.want)
		}
	}
}

// TestMoveEverySampleElement: moving any element of any sample changes
// only the lines of its x and y (or of the gap or offset inside them).
func TestMoveEverySampleElement(t *testing.T) {
	for name, src := range samples(t) {
		for i, el := range elements(t, src) {
			out, err := Apply(src, Op{Kind: KindMove, Index: i, DX: 3, DY: -2, X: ptr(7), Y: ptr(9)})
			if err != nil {
				t.Errorf("%s element %d (%v): %v", name, i, el["id"], err)
				continue
			}
			d := diff(src, out)
			if len(d) == 0 || len(d) > 4 {
				t.Errorf("%s element %d: %d lines changed: %q", name, i, len(d), d)
			}
			for _, l := range d {
				body := strings.TrimSpace(l[1:])
				if !strings.HasPrefix(body, "x:") && !strings.HasPrefix(body, "y:") {
					t.Errorf("%s element %d: changed %q", name, i, l)
				}
			}
		}
	}
}
