package picture

import (
	"bytes"
	"encoding/base64"
	"errors"
	"image/png"
	"net/url"
	"strings"
	"testing"
)

func TestDecodeDataURLEncodings(t *testing.T) {
	var b bytes.Buffer
	png.Encode(&b, quadrants())
	std := base64.StdEncoding.EncodeToString(b.Bytes())
	wrapped := ""
	for i := 0; i < len(std); i += 60 {
		wrapped += std[i:min(i+60, len(std))] + "\r\n"
	}
	for _, tt := range []struct{ name, url string }{
		{"standard", "data:image/png;base64," + std},
		{"unpadded", "data:image/png;base64," + strings.TrimRight(std, "=")},
		{"URL-safe", "data:image/png;base64," + base64.URLEncoding.EncodeToString(b.Bytes())},
		{"wrapped lines", "data:image/png;base64," + wrapped},
		{"percent-encoded", "data:image/png," + url.PathEscape(b.String())},
	} {
		img, err := DecodeDataURL(tt.url, Limits{MaxBytes: 1 << 20, MaxDecodedBytes: DefaultMaxDecodedBytes})
		if err != nil || img.Bounds().Dx() != 40 {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
	// A payload over the limit is refused before it is decoded, whatever
	// it holds.
	huge := "data:image/png;base64," + strings.Repeat("!", 4<<20)
	if _, err := DecodeDataURL(huge, Limits{MaxBytes: 1 << 20}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("4 MB payload, 1 MB limit: %v", err)
	}
}
