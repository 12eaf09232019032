package main

import (
	"testing"

	"gopkg.in/yaml.v3"
)

// sampleOf reads a layout's sample data.
func sampleOf(t *testing.T, src []byte) map[string]any {
	t.Helper()
	var doc struct {
		Sample map[string]any `yaml:"sample"`
	}
	if err := yaml.Unmarshal(src, &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Sample
}
