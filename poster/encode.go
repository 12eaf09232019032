package poster

import (
	"fmt"
	"image"
	"io"

	"github.com/haibao/haibao/poster/picture"
)

// Encode writes img in format f. quality (1–100) applies to JPEG and WebP;
// 0 means DefaultQuality.
func Encode(w io.Writer, img image.Image, f Format, quality int) error {
	if quality == 0 {
		quality = DefaultQuality
	}
	if quality < 1 || quality > 100 {
		return fmt.Errorf("quality must be from 1 to 100, got %d", quality)
	}
	return picture.Encode(w, img, f.String(), quality)
}
