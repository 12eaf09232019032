//go:build cgo

package picture

/*
#cgo LDFLAGS: -ljpeg
#include <stdio.h>
#include <stdlib.h>
#include <jpeglib.h>
#include "jpeg_turbo.h"

#define HAIBAO_STR2(x) #x
#define HAIBAO_STR(x) HAIBAO_STR2(x)
#ifdef LIBJPEG_TURBO_VERSION
static const char *haibao_jpeg_version(void) { return "libjpeg-turbo " HAIBAO_STR(LIBJPEG_TURBO_VERSION); }
#else
static const char *haibao_jpeg_version(void) { return "libjpeg " HAIBAO_STR(JPEG_LIB_VERSION); }
#endif
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

var jpegEncoderName = C.GoString(C.haibao_jpeg_version())

// jpegOut is an output buffer in C memory that encodes reuse: a poster's
// JPEG is 100–400 KB, and growing a fresh buffer each time costs more than
// the copy out of it. The finalizer frees it when the pool drops it.
type jpegOut struct {
	p *C.uchar
	n C.ulong
}

const jpegOutStart = 256 << 10

var jpegOuts = sync.Pool{New: func() any {
	b := &jpegOut{p: (*C.uchar)(C.malloc(jpegOutStart)), n: jpegOutStart}
	runtime.SetFinalizer(b, func(b *jpegOut) { C.free(unsafe.Pointer(b.p)) })
	return b
}}

// jpegEncode hands the canvas rows to libjpeg-turbo as RGBX, so nothing is
// copied on the Go side; rows with transparency are flattened one at a
// time in C.
func jpegEncode(w io.Writer, img *image.RGBA, opt JPEGOptions) error {
	b := img.Bounds()
	if b.Empty() {
		return errors.New("jpeg: empty image")
	}
	buf := jpegOuts.Get().(*jpegOut)
	orig := buf.p
	out, outLen := buf.p, buf.n
	copts := C.struct_haibao_jpeg_opts{
		quality:      C.int(opt.Quality),
		subsample444: cbool(opt.FullChroma),
		optimize:     cbool(opt.Optimize),
		opaque:       cbool(opt.Opaque || Opaque(img)),
	}
	copts.background[0] = C.uchar(opt.Background.R)
	copts.background[1] = C.uchar(opt.Background.G)
	copts.background[2] = C.uchar(opt.Background.B)
	var msg [200]C.char
	pix := img.Pix[img.PixOffset(b.Min.X, b.Min.Y):]
	rc := C.haibao_jpeg_encode((*C.uchar)(unsafe.Pointer(&pix[0])), C.int(b.Dx()), C.int(b.Dy()), C.int(img.Stride),
		copts, &out, &outLen, &msg[0], C.int(len(msg)))
	runtime.KeepAlive(img)
	if rc != 0 {
		jpegOuts.Put(buf)
		return errors.New("jpeg: " + C.GoString(&msg[0]))
	}
	if out != orig {
		// libjpeg outgrew the buffer into a new malloc: keep the larger
		// one. Its capacity is at least the data length.
		C.free(unsafe.Pointer(orig))
		buf.p, buf.n = out, outLen
	}
	_, err := w.Write(unsafe.Slice((*byte)(unsafe.Pointer(out)), int(outLen)))
	jpegOuts.Put(buf)
	return err
}

func cbool(b bool) C.int {
	if b {
		return 1
	}
	return 0
}
