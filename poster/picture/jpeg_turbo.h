#ifndef HAIBAO_JPEG_TURBO_H
#define HAIBAO_JPEG_TURBO_H

struct haibao_jpeg_opts {
	int quality;
	int subsample444;
	int optimize;
	int opaque; // the caller knows every pixel is opaque: skip the row checks
	unsigned char background[3];
};

int haibao_jpeg_encode(const unsigned char *pix, int width, int height, int stride,
                       struct haibao_jpeg_opts opts, unsigned char **out, unsigned long *out_len,
                       char *errbuf, int errlen);

#endif
