package poster

import (
	"image"
	"io"
)

// Encode writes img in format f. quality (1–100) applies to JPEG and WebP;
// 0 means DefaultQuality.
func Encode(w io.Writer, img image.Image, f Format, quality int) error {
	return errNotImplemented
}
