//go:build !cgo

package picture

import (
	"image"
	"image/draw"
	"io"

	"github.com/gen2brain/webp"
)

// Without cgo, libwebp runs as WebAssembly inside the process (or through
// a shared libwebp.so when the system has one and the binary is dynamic).
const webpEncoderName = "libwebp (gen2brain/webp, wasm or shared library)"

func webpEncode(w io.Writer, img *image.RGBA, opt WebPOptions) error {
	var src image.Image = img
	switch {
	case !opt.Opaque && !Opaque(img):
		src = straightAlpha(img)
	case img.Rect.Min != image.Point{} || img.Stride != 4*img.Rect.Dx():
		// gen2brain/webp reads Pix from its start with a packed stride.
		c := image.NewRGBA(image.Rect(0, 0, img.Rect.Dx(), img.Rect.Dy()))
		draw.Draw(c, c.Rect, img, img.Rect.Min, draw.Src)
		src = c
	}
	return webp.Encode(w, src, webp.Options{Quality: opt.Quality, Method: opt.Effort, Lossless: opt.Lossless})
}

// webpDecodeCost: without cgo, golang.org/x/image/webp decodes; a lossy
// image becomes YCbCr 4:2:0 (1.5 bytes a pixel), with alpha NYCbCrA (2.5),
// and the lossless decoder may hold two NRGBA buffers.
func webpDecodeCost(b []byte, px int64) int64 {
	switch lossless, alpha := webpKind(b); {
	case lossless:
		return 8 * px
	case alpha:
		return 5 * px / 2
	}
	return 3 * px / 2
}
