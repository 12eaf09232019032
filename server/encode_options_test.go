package server

import (
	"testing"

	"github.com/haibao/haibao/poster"
)

func TestCheckEncoding(t *testing.T) {
	seven, six := 7, 6
	for _, tc := range []struct {
		name string
		req  renderRequest
		want string // "" for accepted
	}{
		{"defaults", renderRequest{}, ""},
		{"444", renderRequest{Subsampling: "444"}, ""},
		{"effort 6 lossless", renderRequest{Effort: &six, Lossless: true}, ""},
		{"subsampling 422", renderRequest{Subsampling: "422"}, `invalid_data: subsampling: unknown subsampling "422" (want 420 or 444)`},
		{"effort 7", renderRequest{Effort: &seven}, "invalid_data: effort must be from 0 to 6"},
	} {
		err := tc.req.checkEncoding()
		got := ""
		if err != nil {
			got = err.Error()
			if ae, ok := err.(*apiError); !ok || ae.status != 400 {
				t.Errorf("%s: %#v, want a 400", tc.name, err)
			}
		}
		if got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
}

// Requests that encode differently must not share an ETag or a cache entry.
func TestEncodingKeyDiffers(t *testing.T) {
	def, four := poster.DefaultEffort, 4
	keys := map[string]string{}
	for name, req := range map[string]renderRequest{
		"default":  {},
		"444":      {Subsampling: "444"},
		"effort 4": {Effort: &four},
		"lossless": {Lossless: true},
	} {
		k := req.encodingKey(poster.WebP)
		if other, ok := keys[k]; ok {
			t.Errorf("%s and %s share the key %q", name, other, k)
		}
		keys[k] = name
	}
	// Spelling the default out is the same poster.
	if a, b := (renderRequest{}).encodingKey(poster.WebP), (renderRequest{Effort: &def, Subsampling: "420"}).encodingKey(poster.WebP); a != b {
		t.Errorf("explicit defaults change the key: %q vs %q", a, b)
	}
}
