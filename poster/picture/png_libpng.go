//go:build cgo

package picture

/*
#cgo LDFLAGS: -lpng -lz
#include <stdlib.h>
#include <png.h>
#include <zlib.h>
#include "png_libpng.h"

static const char *haibao_png_version(void) { return "libpng " PNG_LIBPNG_VER_STRING " (zlib " ZLIB_VERSION ")"; }
*/
import "C"

import (
	"errors"
	"image"
	"io"
	"runtime"
	"sync"
	"unsafe"
)

var pngEncoderName = C.GoString(C.haibao_png_version())

// PNG settings, chosen by measurement on the sample posters (see
// BenchmarkPNGSettings): zlib level 1 with the Sub filter on every row is
// about as small as Go's adaptive filtering and several times faster.
const (
	pngLevel   = 1
	pngFilters = pngFilterSub
)

// libpng's filter bits, for pngEncodeWith.
const (
	pngFilterNone  = C.PNG_FILTER_NONE
	pngFilterSub   = C.PNG_FILTER_SUB
	pngFilterUp    = C.PNG_FILTER_UP
	pngFilterAvg   = C.PNG_FILTER_AVG
	pngFilterPaeth = C.PNG_FILTER_PAETH
	pngFilterAll   = C.PNG_ALL_FILTERS
)

// pngOut is a C output buffer that encodes reuse; the finalizer frees it
// when the pool drops it.
type pngOut struct{ b C.struct_haibao_png_buf }

var pngOuts = sync.Pool{New: func() any {
	o := &pngOut{}
	runtime.SetFinalizer(o, func(o *pngOut) { C.free(unsafe.Pointer(o.b.p)) })
	return o
}}

func pngEncode(w io.Writer, img *image.RGBA) error {
	return pngEncodeWith(w, img, pngLevel, pngFilters)
}

// pngEncodeWith hands the canvas rows to libpng as they are when the image
// is opaque (libpng drops the alpha byte) and unpremultiplies row by row in
// C otherwise.
func pngEncodeWith(w io.Writer, img *image.RGBA, level, filters int) error {
	b := img.Bounds()
	if b.Empty() {
		return errors.New("png: empty image")
	}
	o := pngOuts.Get().(*pngOut)
	defer pngOuts.Put(o)
	o.b.len = 0
	var msg [200]C.char
	pix := img.Pix[img.PixOffset(b.Min.X, b.Min.Y):]
	rc := C.haibao_png_encode((*C.uchar)(unsafe.Pointer(&pix[0])), C.int(b.Dx()), C.int(b.Dy()), C.int(img.Stride),
		cbool(img.Opaque()), C.int(level), C.int(filters), &o.b, &msg[0], C.int(len(msg)))
	runtime.KeepAlive(img)
	if rc != 0 {
		return errors.New("png: " + C.GoString(&msg[0]))
	}
	_, err := w.Write(unsafe.Slice((*byte)(unsafe.Pointer(o.b.p)), int(o.b.len)))
	return err
}
