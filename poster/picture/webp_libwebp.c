//go:build cgo

#include "webp_libwebp.h"

#include <stdlib.h>

// Entry points of libwebp's encoder, linked from github.com/chai2010/webp.
int WebPConfigInitInternal(haibao_webp_config *, int preset, float quality, int version);
int WebPValidateConfig(const haibao_webp_config *);
int WebPPictureInitInternal(haibao_webp_picture *, int version);
int WebPPictureImportRGBX(haibao_webp_picture *, const uint8_t *rgbx, int stride);
int WebPPictureImportRGBA(haibao_webp_picture *, const uint8_t *rgba, int stride);
void WebPPictureFree(haibao_webp_picture *);
int WebPEncode(const haibao_webp_config *, haibao_webp_picture *);
void WebPMemoryWriterInit(haibao_webp_memory_writer *);
void WebPMemoryWriterClear(haibao_webp_memory_writer *);
int WebPMemoryWrite(const uint8_t *data, size_t size, const void *picture);
void WebPFree(void *);

// haibao_webp_encode returns libwebp's error code (0 for none) or -1 for a
// bad configuration. The caller frees *out with haibao_webp_free.
int haibao_webp_encode(const unsigned char *pix, int width, int height, int stride,
                       struct haibao_webp_opts opts, uint8_t **out, size_t *out_len) {
	haibao_webp_config config;
	haibao_webp_picture pic;
	haibao_webp_memory_writer wr;

	if (!WebPConfigInitInternal(&config, 0, opts.quality, HAIBAO_WEBP_ABI)) {
		return -1;
	}
	config.method = opts.method;
	config.lossless = opts.lossless;
	if (!WebPValidateConfig(&config) || !WebPPictureInitInternal(&pic, HAIBAO_WEBP_ABI)) {
		return -1;
	}
	pic.width = width;
	pic.height = height;
	// Lossless keeps ARGB; lossy converts to YUV on import either way.
	pic.use_argb = opts.lossless;
	WebPMemoryWriterInit(&wr);
	pic.writer = WebPMemoryWrite;
	pic.custom_ptr = &wr;
	int ok = opts.opaque ? WebPPictureImportRGBX(&pic, pix, stride) : WebPPictureImportRGBA(&pic, pix, stride);
	if (ok) {
		ok = WebPEncode(&config, &pic);
	}
	int code = pic.error_code;
	WebPPictureFree(&pic);
	if (!ok) {
		WebPMemoryWriterClear(&wr);
		return code ? code : -1;
	}
	*out = wr.mem;
	*out_len = wr.size;
	return 0;
}

void haibao_webp_free(uint8_t *p) { WebPFree(p); }
