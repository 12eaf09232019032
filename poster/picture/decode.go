package picture

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	_ "image/gif" // registered for Decode: first frame of GIFs
	_ "image/jpeg"
	_ "image/png"
	"io"

	_ "golang.org/x/image/webp"
)

// Limits bound what Decode accepts. Zero fields mean no limit.
type Limits struct {
	MaxBytes  int64 // encoded size
	MaxPixels int   // width × height, read from the header before decoding
	// MaxDecodedBytes bounds the memory the decode takes at its peak, as
	// DecodeCost estimates it from the headers: a 16-bit PNG costs 8 bytes
	// a pixel where an 8-bit one costs 4, so a pixel count alone cannot
	// bound memory. DefaultMaxDecodedBytes is a sensible value.
	MaxDecodedBytes int64
}

var (
	// ErrTooLarge is returned for images over a Limits bound.
	ErrTooLarge = errors.New("image too large")
	// ErrUnsupported is returned for bytes that are not PNG, JPEG, GIF or WebP.
	ErrUnsupported = errors.New("not a PNG, JPEG, GIF or WebP image")
)

// Decode reads one image, checking lim first: the byte count while reading,
// then the pixel count and the memory the decode needs from the headers, so
// a small file that claims a huge canvas (a decompression bomb) is refused
// before any pixel is allocated.
// JPEG EXIF orientation is applied. The format name is returned too.
func Decode(r io.Reader, lim Limits) (image.Image, string, error) {
	if lim.MaxBytes > 0 {
		r = io.LimitReader(r, lim.MaxBytes+1)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, "", fmt.Errorf("read image: %w", err)
	}
	return DecodeBytes(b, lim)
}

// DecodeBytes is Decode for bytes already in memory.
func DecodeBytes(b []byte, lim Limits) (image.Image, string, error) {
	if lim.MaxBytes > 0 && int64(len(b)) > lim.MaxBytes {
		return nil, "", fmt.Errorf("%w: more than %d bytes", ErrTooLarge, lim.MaxBytes)
	}
	cost, cfg, format, err := DecodeCost(b)
	if err != nil {
		return nil, "", err
	}
	if lim.MaxPixels > 0 && int64(cfg.Width)*int64(cfg.Height) > int64(lim.MaxPixels) {
		return nil, "", fmt.Errorf("%w: %d×%d pixels, limit %d", ErrTooLarge, cfg.Width, cfg.Height, lim.MaxPixels)
	}
	if lim.MaxDecodedBytes > 0 && cost > lim.MaxDecodedBytes {
		return nil, "", fmt.Errorf("%w: %d×%d pixels need %d MB decoded, limit %d MB", ErrTooLarge, cfg.Width, cfg.Height, mb(cost), mb(lim.MaxDecodedBytes))
	}
	img, _, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		return nil, "", fmt.Errorf("decode %s: %w", format, err)
	}
	if format == "jpeg" {
		img = orient(img, exifOrientation(b))
	}
	return img, format, nil
}

// mb rounds n bytes up to whole megabytes, for messages.
func mb(n int64) int64 { return (n + 1<<20 - 1) >> 20 }
