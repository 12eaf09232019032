//go:build !cgo

package picture

import (
	"bufio"
	"image"
	"image/jpeg"
	"io"
)

const jpegEncoderName = "image/jpeg (Go)"

// jpegEncode uses the standard library, which has a fast path for
// *image.RGBA but always subsamples 4:2:0 and uses fixed Huffman tables.
func jpegEncode(w io.Writer, img *image.RGBA, opt JPEGOptions) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	if err := jpeg.Encode(bw, flattened(img, opt.Background, opt.Opaque), &jpeg.Options{Quality: opt.Quality}); err != nil {
		return err
	}
	return bw.Flush()
}
