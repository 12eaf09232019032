#ifndef HAIBAO_PNG_LIBPNG_H
#define HAIBAO_PNG_LIBPNG_H

#include <stddef.h>

struct haibao_png_buf {
	unsigned char *p;
	size_t len, cap;
};

int haibao_png_encode(const unsigned char *pix, int width, int height, int stride, int opaque,
                      int level, int filters, struct haibao_png_buf *out, char *errbuf, int errlen);

#endif
