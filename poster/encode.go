package poster

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"io"

	"github.com/haibao/haibao/poster/picture"
)

// DefaultEffort is the WebP effort (libwebp method) used when none is
// given. On the campaign poster method 2 takes 40% of the CPU time of 4
// (libwebp's own default) for a file 14% larger (51 KB, against 123 KB
// for the JPEG); method 0 saves a little more time for 22%; posters
// are sent to phones once and rendered on demand, so time wins. See
// BenchmarkEncode in poster/picture.
const DefaultEffort = 2

// EncodeOptions say how a rendered poster becomes bytes. The zero value
// (besides Format) gives the defaults.
type EncodeOptions struct {
	Format      Format
	Quality     int         // JPEG and lossy WebP, 1–100; 0 means DefaultQuality
	Subsampling Subsampling // JPEG chroma subsampling
	// Effort is the WebP effort, libwebp's method 0 (fastest) to 6
	// (smallest); nil means DefaultEffort.
	Effort   *int
	Lossless bool // WebP only: lossless, for flat graphics
	Optimize bool // JPEG only: Huffman tables optimised for the image
	// Background is what a translucent canvas is flattened onto for
	// JPEG; nil means white.
	Background color.Color
}

// Validate checks the ranges of the options.
func (o EncodeOptions) Validate() error {
	if o.Quality < 0 || o.Quality > 100 {
		return fmt.Errorf("quality must be from 1 to 100, got %d", o.Quality)
	}
	if o.Effort != nil && (*o.Effort < 0 || *o.Effort > 6) {
		return fmt.Errorf("effort must be from 0 to 6, got %d", *o.Effort)
	}
	return nil
}

// Encode writes img as opt says. Options that do not apply to the format
// are ignored.
func Encode(w io.Writer, img *image.RGBA, opt EncodeOptions) error {
	return encode(w, img, opt, false)
}

// encode is Encode for a canvas that may be known to be opaque, which
// spares the encoders a scan of every pixel.
func encode(w io.Writer, img *image.RGBA, opt EncodeOptions, opaque bool) error {
	if err := opt.Validate(); err != nil {
		return err
	}
	q := opt.Quality
	if q == 0 {
		q = DefaultQuality
	}
	switch opt.Format {
	case JPEG:
		bg := color.RGBA{255, 255, 255, 255}
		if opt.Background != nil {
			r, g, b, _ := opt.Background.RGBA()
			bg = color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), 255}
		}
		return picture.EncodeJPEG(w, img, picture.JPEGOptions{
			Quality: q, FullChroma: opt.Subsampling == Subsampling444, Optimize: opt.Optimize, Background: bg,
			Opaque: opaque,
		})
	case WebP:
		effort := DefaultEffort
		if opt.Effort != nil {
			effort = *opt.Effort
		}
		return picture.EncodeWebP(w, img, picture.WebPOptions{Quality: q, Effort: effort, Lossless: opt.Lossless, Opaque: opaque})
	}
	return picture.EncodePNG(w, img, picture.PNGOptions{Opaque: opaque})
}

// Encode writes the poster as opt says. A format without transparency
// flattens the canvas onto the layout's flatten colour unless opt names a
// Background.
func (r *Result) Encode(w io.Writer, opt EncodeOptions) error {
	if opt.Background == nil {
		opt.Background = r.Flatten
	}
	return encode(w, r.Image, opt, r.opaqueBase)
}

// Encoders names the encoder behind each format in this build.
func Encoders() picture.Encoders { return picture.BuildEncoders() }

// EncodeImage is Encode for any image, such as a decoded code image; it
// converts img to RGBA first unless it already is.
func EncodeImage(w io.Writer, img image.Image, opt EncodeOptions) error {
	rgba, ok := img.(*image.RGBA)
	if !ok {
		b := img.Bounds()
		rgba = image.NewRGBA(b)
		draw.Draw(rgba, b, img, b.Min, draw.Src)
	}
	return Encode(w, rgba, opt)
}
