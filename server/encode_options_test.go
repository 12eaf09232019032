package server

import (
	"testing"
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
