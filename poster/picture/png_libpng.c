//go:build cgo

#include "png_libpng.h"

#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct haibao_png_state {
	struct haibao_png_buf *out;
	char *errbuf;
	int errlen;
	int oom;
};

static void haibao_png_error(png_structp png, png_const_charp msg) {
	struct haibao_png_state *st = png_get_error_ptr(png);
	snprintf(st->errbuf, st->errlen, "%s", msg);
	png_longjmp(png, 1);
}

static void haibao_png_warning(png_structp png, png_const_charp msg) {
	(void)png;
	(void)msg;
}

static void haibao_png_write(png_structp png, png_bytep data, png_size_t n) {
	struct haibao_png_state *st = png_get_io_ptr(png);
	struct haibao_png_buf *b = st->out;
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 64 << 10;
		while (cap < b->len + n) {
			cap *= 2;
		}
		unsigned char *p = realloc(b->p, cap);
		if (p == NULL) {
			st->oom = 1;
			png_error(png, "out of memory");
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
}

static void haibao_png_flush(png_structp png) { (void)png; }

// unpremultiply turns one row of the premultiplied canvas into the straight
// alpha PNG stores.
static void unpremultiply(unsigned char *dst, const unsigned char *src, int width) {
	for (int x = 0; x < width; x++, src += 4, dst += 4) {
		unsigned int a = src[3];
		if (a == 255) {
			memcpy(dst, src, 4);
		} else if (a == 0) {
			memset(dst, 0, 4);
		} else {
			dst[0] = (unsigned char)((src[0] * 255u + a / 2) / a);
			dst[1] = (unsigned char)((src[1] * 255u + a / 2) / a);
			dst[2] = (unsigned char)((src[2] * 255u + a / 2) / a);
			dst[3] = (unsigned char)a;
		}
	}
}

int haibao_png_encode(const unsigned char *pix, int width, int height, int stride, int opaque,
                      int level, int filters, struct haibao_png_buf *out, char *errbuf, int errlen) {
	struct haibao_png_state st = {out, errbuf, errlen, 0};
	png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &st, haibao_png_error, haibao_png_warning);
	if (png == NULL) {
		snprintf(errbuf, errlen, "out of memory");
		return -1;
	}
	png_infop info = png_create_info_struct(png);
	// volatile: freed after a longjmp.
	unsigned char *volatile row = NULL;
	if (info == NULL || setjmp(png_jmpbuf(png))) {
		if (info == NULL) {
			snprintf(errbuf, errlen, "out of memory");
		}
		png_destroy_write_struct(&png, &info);
		free(row);
		return -1;
	}
	png_set_write_fn(png, &st, haibao_png_write, haibao_png_flush);
	png_set_compression_level(png, level);
	png_set_filter(png, PNG_FILTER_TYPE_BASE, filters);
	png_set_IHDR(png, info, (png_uint_32)width, (png_uint_32)height, 8,
	             opaque ? PNG_COLOR_TYPE_RGB : PNG_COLOR_TYPE_RGBA, PNG_INTERLACE_NONE,
	             PNG_COMPRESSION_TYPE_BASE, PNG_FILTER_TYPE_BASE);
	png_write_info(png, info);
	if (opaque) {
		// The canvas rows go in as they are; libpng drops the fourth byte.
		png_set_filler(png, 0, PNG_FILLER_AFTER);
		for (int y = 0; y < height; y++) {
			png_write_row(png, (png_const_bytep)(pix + (size_t)y * stride));
		}
	} else {
		row = malloc((size_t)width * 4);
		if (row == NULL) {
			png_error(png, "out of memory");
		}
		for (int y = 0; y < height; y++) {
			unpremultiply(row, pix + (size_t)y * stride, width);
			png_write_row(png, row);
		}
	}
	png_write_end(png, info);
	png_destroy_write_struct(&png, &info);
	free(row);
	return 0;
}
