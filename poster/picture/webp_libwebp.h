#ifndef HAIBAO_WEBP_LIBWEBP_H
#define HAIBAO_WEBP_LIBWEBP_H

#include <stddef.h>
#include <stdint.h>

// The slice of libwebp's encoder ABI (version 2.15, libwebp 1.4) that haibao
// calls. The library itself is the copy github.com/chai2010/webp compiles
// into the binary (its version is pinned in go.mod); that package's Go API
// has no method ("effort") setting, so haibao drives the encoder directly.
// The layouts follow the library's public ABI and must change with it.

#define HAIBAO_WEBP_ABI 0x020f

typedef struct {
	int lossless;
	float quality;
	int method;
	int image_hint;
	int target_size;
	float target_psnr;
	int segments, sns_strength, filter_strength, filter_sharpness, filter_type, autofilter;
	int alpha_compression, alpha_filtering, alpha_quality, pass;
	int show_compressed, preprocessing, partitions, partition_limit, emulate_jpeg_size;
	int thread_level, low_memory, near_lossless, exact, use_delta_palette, use_sharp_yuv;
	int qmin, qmax;
} haibao_webp_config;

typedef int (*haibao_webp_writer)(const uint8_t *data, size_t size, const void *picture);

typedef struct {
	int use_argb;
	int colorspace;
	int width, height;
	uint8_t *y, *u, *v;
	int y_stride, uv_stride;
	uint8_t *a;
	int a_stride;
	uint32_t pad1[2];
	uint32_t *argb;
	int argb_stride;
	uint32_t pad2[3];
	haibao_webp_writer writer;
	void *custom_ptr;
	int extra_info_type;
	uint8_t *extra_info;
	void *stats;
	int error_code;
	void *progress_hook;
	void *user_data;
	uint32_t pad3[3];
	uint8_t *pad4, *pad5;
	uint32_t pad6[8];
	void *memory_;
	void *memory_argb_;
	void *pad7[2];
} haibao_webp_picture;

typedef struct {
	uint8_t *mem;
	size_t size;
	size_t max_size;
	uint32_t pad[1];
} haibao_webp_memory_writer;

struct haibao_webp_opts {
	float quality;
	int method;
	int lossless;
	int opaque;
};

int haibao_webp_encode(const unsigned char *pix, int width, int height, int stride,
                       struct haibao_webp_opts opts, uint8_t **out, size_t *out_len);
void haibao_webp_free(uint8_t *p);

#endif
