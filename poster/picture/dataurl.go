package picture

import (
	"encoding/base64"
	"errors"
	"fmt"
	"image"
	"net/url"
	"strings"
)

// DecodeDataURL decodes an image given inline as a data: URL, e.g.
// data:image/png;base64,iVBOR…. The media type is not trusted; the bytes
// are sniffed like any other image.
func DecodeDataURL(s string, lim Limits) (image.Image, error) {
	rest, ok := strings.CutPrefix(s, "data:")
	if !ok {
		return nil, errors.New("not a data: URL")
	}
	meta, payload, ok := strings.Cut(rest, ",")
	if !ok {
		return nil, errors.New("data: URL has no comma before its data")
	}
	// Base64 grows data by a third; refuse before decoding.
	if lim.MaxBytes > 0 && int64(len(payload))*3/4 > lim.MaxBytes {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, lim.MaxBytes)
	}
	var b []byte
	var err error
	if strings.HasSuffix(meta, ";base64") {
		payload = strings.TrimRight(strings.Map(dropSpace, payload), "=")
		b, err = base64.RawStdEncoding.DecodeString(payload)
		if err != nil {
			b, err = base64.RawURLEncoding.DecodeString(payload)
		}
	} else {
		var u string
		u, err = url.PathUnescape(payload)
		b = []byte(u)
	}
	if err != nil {
		return nil, fmt.Errorf("data: URL payload: %w", err)
	}
	img, _, err := DecodeBytes(b, lim)
	return img, err
}

func dropSpace(r rune) rune {
	if r == ' ' || r == '\n' || r == '\r' || r == '\t' {
		return -1
	}
	return r
}
