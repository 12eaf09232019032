//go:build cgo

package picture

/*
#include "webp_libwebp.h"
*/
import "C"

import (
	"fmt"
	"image"
	"io"
	"runtime"
	"unsafe"

	// The libwebp encoder haibao calls is the one this package compiles in.
	_ "github.com/chai2010/webp"
)

const webpEncoderName = "libwebp 1.4.0 (bundled)"

// webpEncode passes opaque canvases to libwebp as RGBX without a copy;
// others are unpremultiplied first, since WebP stores straight alpha.
func webpEncode(w io.Writer, img *image.RGBA, opt WebPOptions) error {
	b := img.Bounds()
	if b.Empty() {
		return fmt.Errorf("webp: empty image")
	}
	opaque := opt.Opaque || Opaque(img)
	pix, stride := img.Pix[img.PixOffset(b.Min.X, b.Min.Y):], img.Stride
	if !opaque {
		n := straightAlpha(img)
		pix, stride = n.Pix, n.Stride
	}
	var out *C.uint8_t
	var outLen C.size_t
	rc := C.haibao_webp_encode((*C.uchar)(unsafe.Pointer(&pix[0])), C.int(b.Dx()), C.int(b.Dy()), C.int(stride),
		C.struct_haibao_webp_opts{
			quality:  C.float(opt.Quality),
			method:   C.int(opt.Effort),
			lossless: cbool(opt.Lossless),
			opaque:   cbool(opaque),
		}, &out, &outLen)
	runtime.KeepAlive(pix)
	if rc != 0 {
		return fmt.Errorf("webp: libwebp error %d", int(rc))
	}
	defer C.haibao_webp_free(out)
	_, err := w.Write(unsafe.Slice((*byte)(unsafe.Pointer(out)), int(outLen)))
	return err
}

// webpDecodeCost: the cgo decoder fills a C buffer and copies it into an
// RGBA image.
func webpDecodeCost(_ []byte, px int64) int64 { return 8 * px }
