package server

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

const faintCode = `canvas: {width: 750, height: 1334, background: "#fff"}
%s
fields:
  nickname: {type: string, max_chars: 5}
elements:
  - {id: name, type: text, text: "{{nickname}}", x: 40, y: 40}
  - {id: code, type: code, scene: s, size: 280, x: 235, y: 900, line_color: "#f4f4f4"}
`

func TestLayoutSchemaEndpoint(t *testing.T) {
	h := newHarness(t, nil)
	rec := h.do("GET", "/v1/layouts/product/schema", "")
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/schema+json" {
		t.Fatalf("status %d, type %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	var doc struct {
		Properties map[string]map[string]any `json:"properties"`
		Required   []string                  `json:"required"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil || doc.Properties["price"]["type"] != "number" {
		t.Fatalf("schema %s (%v)", rec.Body, err)
	}
	if rec := h.do("GET", "/v1/layouts/nope/schema", ""); rec.Code != http.StatusNotFound || !strings.Contains(rec.Body.String(), CodeLayoutNotFound) {
		t.Errorf("unknown layout: %d %s", rec.Code, rec.Body)
	}
	var list struct {
		Layouts []struct {
			Name, Schema, Version string
		} `json:"layouts"`
	}
	rec = h.do("GET", "/v1/layouts", "")
	if err := json.Unmarshal(rec.Body.Bytes(), &list); err != nil || len(list.Layouts) == 0 {
		t.Fatalf("list %s", rec.Body)
	}
	for _, l := range list.Layouts {
		if l.Schema != "/v1/layouts/"+l.Name+"/schema" || len(l.Version) != 32 {
			t.Errorf("layout %+v", l)
		}
	}
}

// TestEveryBadFieldAtOnce: one answer names all three bad fields.
func TestEveryBadFieldAtOnce(t *testing.T) {
	h := newHarness(t, nil)
	rec := h.do("POST", "/v1/posters/product", `{"data": {"product_image": "secret.png", "title": "t", "price": "89", "original_price": true, "page": "p", "scene": "s"}}`)
	var body struct {
		Error struct {
			Code, Message string
			Details       []struct{ Field, Message string }
		}
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatal(err)
	}
	if rec.Code != http.StatusBadRequest || body.Error.Code != CodeInvalidData || len(body.Error.Details) != 3 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	want := "data: original_price: must be a number; price: must be a number; product_image: must be an http(s) URL, a data: URL or asset:NAME"
	if body.Error.Message != want {
		t.Errorf("message %q\nwant    %q", body.Error.Message, want)
	}
}

func TestLintFindingsAndStrictCodes(t *testing.T) {
	h := newHarnessWith(t, harnessOptions{extra: map[string]string{
		"faint.yaml":  strings.Replace(faintCode, "%s", "", 1),
		"strict.yaml": strings.Replace(faintCode, "%s", "strict_codes: true", 1),
	}})
	rec := h.do("POST", "/v1/posters/faint", `{"data": {"nickname": "阿杰"}}`)
	if rec.Code != http.StatusOK || rec.Header().Get("Haibao-Warnings") != "error code-contrast code" {
		t.Errorf("faint: %d, warnings %q", rec.Code, rec.Header().Get("Haibao-Warnings"))
	}
	// From the output cache the findings come along with the poster.
	if rec := h.do("POST", "/v1/posters/faint", `{"data": {"nickname": "阿杰"}}`); rec.Header().Get("Haibao-Warnings") != "error code-contrast code" {
		t.Errorf("cached: warnings %q", rec.Header().Get("Haibao-Warnings"))
	}
	rec = h.do("POST", "/v1/posters/strict", `{"data": {"nickname": "阿杰"}}`)
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), `"code":"unscannable_code"`) ||
		!strings.Contains(rec.Body.String(), `"rule":"code-contrast"`) {
		t.Errorf("strict: %d %s", rec.Code, rec.Body)
	}
	if rec := h.do("POST", "/v1/posters/product", sampleBody(t, "product", "")); rec.Code != http.StatusOK || rec.Header().Get("Haibao-Warnings") != "" {
		t.Errorf("sample: %d, warnings %q", rec.Code, rec.Header().Get("Haibao-Warnings"))
	}
	metrics := h.do("GET", "/metrics", "").Body.String()
	if !strings.Contains(metrics, `haibao_lint_findings_total{rule="code-contrast",severity="error"}`) {
		t.Error("no lint metric")
	}

	strictAll := newHarnessWith(t, harnessOptions{set: func(c *Config) { c.StrictCodes = true },
		extra: map[string]string{"faint.yaml": strings.Replace(faintCode, "%s", "", 1)}})
	if rec := strictAll.do("POST", "/v1/posters/faint", `{"data": {"nickname": "阿杰"}}`); rec.Code != http.StatusUnprocessableEntity {
		t.Errorf("HAIBAO_STRICT_CODES: %d %s", rec.Code, rec.Body)
	}
}

func TestMissingGlyphsCountedAndLogged(t *testing.T) {
	h := newHarnessWith(t, harnessOptions{extra: map[string]string{"plain.yaml": strings.Replace(strings.Replace(faintCode, `line_color: "#f4f4f4"`, `line_color: "#000"`, 1), "%s", "", 1)}})
	rec := h.do("POST", "/v1/posters/plain", `{"data": {"nickname": "A\ue000"}}`)
	if rec.Code != http.StatusOK || rec.Header().Get("Haibao-Warnings") != "warning missing-glyphs name" {
		t.Fatalf("%d, warnings %q", rec.Code, rec.Header().Get("Haibao-Warnings"))
	}
	if m := h.do("GET", "/metrics", "").Body.String(); !strings.Contains(m, `haibao_missing_glyphs_total{script="Unknown"} 1`) {
		t.Error("no missing-glyph metric")
	}
	h.mu.Lock()
	logs := h.logs.String()
	h.mu.Unlock()
	if !strings.Contains(logs, `"glyphs":"name:U+E000"`) {
		t.Errorf("logs lack the missing glyph: %s", logs)
	}
}
