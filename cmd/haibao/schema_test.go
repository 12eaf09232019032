package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestSchemaCommand(t *testing.T) {
	code, out, errs := runCLI(t, "", "schema", "--layout", "product")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var doc struct {
		Schema     string                    `json:"$schema"`
		Properties map[string]map[string]any `json:"properties"`
		Required   []string                  `json:"required"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if doc.Schema != "https://json-schema.org/draft/2020-12/schema" || doc.Properties["price"]["type"] != "number" ||
		doc.Properties["product_image"]["pattern"] == nil || !strings.Contains(strings.Join(doc.Required, ","), "title") {
		t.Errorf("schema %s", out)
	}
	for _, args := range [][]string{{"schema"}, {"schema", "--layout", "product", "extra"}, {"schema", "--bogus"}} {
		if code, _, _ := runCLI(t, "", args...); code != exitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, exitUsage)
		}
	}
	if code, _, errs := runCLI(t, "", "schema", "--layout", "nope"); code != exitFailure || !strings.Contains(errs, `no layout named "nope"`) {
		t.Errorf("unknown layout: exit %d, %q", code, errs)
	}
}
