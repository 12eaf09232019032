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
