//go:build cgo

#include "jpeg_turbo.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>

// An error handler that returns to haibao_jpeg_encode instead of calling
// exit(), which is what libjpeg does by default.
struct haibao_jpeg_err {
	struct jpeg_error_mgr mgr;
	jmp_buf jump;
	char msg[JMSG_LENGTH_MAX];
};

static void haibao_jpeg_error_exit(j_common_ptr cinfo) {
	struct haibao_jpeg_err *e = (struct haibao_jpeg_err *)cinfo->err;
	(*cinfo->err->format_message)(cinfo, e->msg);
	longjmp(e->jump, 1);
}

static void haibao_jpeg_silence(j_common_ptr cinfo) { (void)cinfo; }

// flatten writes one row of premultiplied RGBA composited onto an opaque
// background into dst. Premultiplied colour plus the background scaled by
// the remaining coverage is the "over" operator.
static void flatten(unsigned char *dst, const unsigned char *src, int width, const unsigned char bg[3]) {
	for (int x = 0; x < width; x++, src += 4, dst += 4) {
		unsigned int rest = 255 - src[3];
		dst[0] = (unsigned char)(src[0] + (bg[0] * rest + 127) / 255);
		dst[1] = (unsigned char)(src[1] + (bg[1] * rest + 127) / 255);
		dst[2] = (unsigned char)(src[2] + (bg[2] * rest + 127) / 255);
		dst[3] = 255;
	}
}

static int opaque_row(const unsigned char *p, int width) {
	for (int x = 0; x < width; x++) {
		if (p[x * 4 + 3] != 255) {
			return 0;
		}
	}
	return 1;
}

int haibao_jpeg_encode(const unsigned char *pix, int width, int height, int stride,
                       struct haibao_jpeg_opts opts, unsigned char **out, unsigned long *out_len,
                       char *errbuf, int errlen) {
	struct jpeg_compress_struct cinfo;
	struct haibao_jpeg_err jerr;
	// volatile: freed after a longjmp.
	unsigned char *volatile scratch = NULL;

	memset(&cinfo, 0, sizeof cinfo);
	cinfo.err = jpeg_std_error(&jerr.mgr);
	jerr.mgr.error_exit = haibao_jpeg_error_exit;
	jerr.mgr.output_message = haibao_jpeg_silence;
	if (setjmp(jerr.jump)) {
		snprintf(errbuf, errlen, "%s", jerr.msg);
		jpeg_destroy_compress(&cinfo);
		free(scratch);
		return -1;
	}
	jpeg_create_compress(&cinfo);
	// jpeg_mem_dest starts with the caller's buffer and mallocs a larger
	// one if the image does not fit; the caller frees whichever comes back.
	jpeg_mem_dest(&cinfo, out, out_len);
	cinfo.image_width = (JDIMENSION)width;
	cinfo.image_height = (JDIMENSION)height;
	cinfo.input_components = 4;
	cinfo.in_color_space = JCS_EXT_RGBX;
	jpeg_set_defaults(&cinfo);
	jpeg_set_quality(&cinfo, opts.quality, TRUE);
	int h = opts.subsample444 ? 1 : 2;
	cinfo.comp_info[0].h_samp_factor = h;
	cinfo.comp_info[0].v_samp_factor = h;
	cinfo.optimize_coding = opts.optimize ? TRUE : FALSE;
	jpeg_start_compress(&cinfo, TRUE);
	while (cinfo.next_scanline < cinfo.image_height) {
		JSAMPROW row = (JSAMPROW)(pix + (size_t)cinfo.next_scanline * stride);
		if (!opts.opaque && !opaque_row(row, width)) {
			if (scratch == NULL) {
				scratch = malloc((size_t)width * 4);
				if (scratch == NULL) {
					snprintf(errbuf, errlen, "out of memory");
					jpeg_destroy_compress(&cinfo);
					return -1;
				}
			}
			flatten(scratch, row, width, opts.background);
			row = scratch;
		}
		jpeg_write_scanlines(&cinfo, &row, 1);
	}
	jpeg_finish_compress(&cinfo);
	jpeg_destroy_compress(&cinfo);
	free(scratch);
	return 0;
}
