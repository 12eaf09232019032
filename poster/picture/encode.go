package picture

import (
	"fmt"
	"image"
	"image/color"
	"io"
)

// JPEGOptions are the settings of one JPEG encode.
type JPEGOptions struct {
	Quality int // 1–100
	// FullChroma keeps colour at full resolution (4:4:4) instead of half
	// each way (4:2:0): sharper saturated text such as red prices, for
	// about a fifth more bytes. The pure-Go encoder always writes 4:2:0.
	FullChroma bool
	// Optimize builds Huffman tables for this image: a few percent
	// smaller, a little slower. The pure-Go encoder ignores it.
	Optimize bool
	// Background is what translucent pixels are flattened onto, since
	// JPEG has no alpha; its own alpha is ignored.
	Background color.RGBA
	// Opaque says the caller knows every pixel is opaque (a rendered
	// poster over an opaque background), so the encoder need not scan.
	Opaque bool
}

// PNGOptions are the settings of one PNG encode.
type PNGOptions struct {
	Opaque bool // as in JPEGOptions: every pixel is known to be opaque
}

// WebPOptions are the settings of one WebP encode.
type WebPOptions struct {
	Quality  int  // 1–100, lossy only
	Effort   int  // libwebp's method: 0 fastest … 6 smallest
	Lossless bool // for flat graphics; Quality is then ignored
	Opaque   bool // as in JPEGOptions: every pixel is known to be opaque
}

// Encoders names the encoder behind each format in this build.
type Encoders struct {
	JPEG, PNG, WebP string
}

// BuildEncoders reports which encoders this binary was built with.
func BuildEncoders() Encoders {
	return Encoders{JPEG: jpegEncoderName, PNG: pngEncoderName, WebP: webpEncoderName}
}

// EncodeJPEG writes img as a baseline JPEG.
func EncodeJPEG(w io.Writer, img *image.RGBA, opt JPEGOptions) error {
	if opt.Quality < 1 || opt.Quality > 100 {
		return fmt.Errorf("quality must be from 1 to 100, got %d", opt.Quality)
	}
	return jpegEncode(w, img, opt)
}

// EncodePNG writes img as an 8-bit PNG, RGB when every pixel is opaque.
// It favours speed: posters are mostly photos and gradients, where
// stronger compression saves little and costs much.
func EncodePNG(w io.Writer, img *image.RGBA, opt PNGOptions) error {
	return pngEncode(w, img, opt.Opaque || Opaque(img))
}

// EncodeWebP writes img as a lossy or lossless WebP.
func EncodeWebP(w io.Writer, img *image.RGBA, opt WebPOptions) error {
	if !opt.Lossless && (opt.Quality < 1 || opt.Quality > 100) {
		return fmt.Errorf("quality must be from 1 to 100, got %d", opt.Quality)
	}
	if opt.Effort < 0 || opt.Effort > 6 {
		return fmt.Errorf("effort must be from 0 to 6, got %d", opt.Effort)
	}
	return webpEncode(w, img, opt)
}

// straightAlpha converts the premultiplied canvas to the straight alpha
// that PNG and WebP store.
func straightAlpha(img *image.RGBA) *image.NRGBA {
	b := img.Bounds()
	out := image.NewNRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	for y := 0; y < b.Dy(); y++ {
		src := img.Pix[img.PixOffset(b.Min.X, b.Min.Y+y):][:4*b.Dx()]
		dst := out.Pix[y*out.Stride:][:4*b.Dx()]
		unpremultiplyRow(dst, src)
	}
	return out
}

// flattened composites img onto an opaque background for formats without
// alpha; opaque images come back as they are.
func flattened(img *image.RGBA, bg color.RGBA, opaque bool) *image.RGBA {
	if opaque || Opaque(img) {
		return img
	}
	b := img.Bounds()
	out := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	for y := 0; y < b.Dy(); y++ {
		src := img.Pix[img.PixOffset(b.Min.X, b.Min.Y+y):][:4*b.Dx()]
		dst := out.Pix[y*out.Stride:][:4*b.Dx()]
		for i := 0; i < len(src); i += 4 {
			rest := 255 - uint32(src[i+3])
			dst[i+0] = src[i+0] + uint8((uint32(bg.R)*rest+127)/255)
			dst[i+1] = src[i+1] + uint8((uint32(bg.G)*rest+127)/255)
			dst[i+2] = src[i+2] + uint8((uint32(bg.B)*rest+127)/255)
			dst[i+3] = 255
		}
	}
	return out
}
