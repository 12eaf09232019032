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
	// Base64 grows data by a third, percent-encoding by up to three times:
	// either way the payload is refused before a byte of it is copied, and
	// the decoded bytes go through DecodeBytes's checks like any image.
	if lim.MaxBytes > 0 && int64(len(payload))*3/4 > lim.MaxBytes {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, lim.MaxBytes)
	}
	var b []byte
	var err error
	if strings.HasSuffix(meta, ";base64") {
		if strings.ContainsAny(payload, " \n\r\t") {
			payload = strings.Map(dropSpace, payload)
		}
		enc := base64.RawStdEncoding
		if strings.ContainsAny(payload, "-_") {
			enc = base64.RawURLEncoding
		}
		b, err = enc.DecodeString(strings.TrimRight(payload, "="))
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
