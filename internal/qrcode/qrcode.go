// Package qrcode draws standard QR codes, crisp at any size: the stand-in
// for WeChat mini-program codes in the default code source and the fake
// WeChat server.
package qrcode

import (
	"errors"
	"fmt"
	"image"
	"image/color"

	"github.com/boombuler/barcode/qr"
)

// Limits of Image.
const (
	MinSize      = 21   // one pixel per module of the smallest code
	MaxSize      = 4096 // pixels per side
	MaxContent   = 1024 // bytes of content
	quietModules = 2    // light border around the code, in modules
)

// ErrTooSmall is returned when size leaves less than one pixel per module.
var ErrTooSmall = errors.New("qrcode: size too small for this content")

// Image draws content as a size×size QR code (error correction level M) in
// fg on bg, including a quiet zone. Modules are whole pixels and the code
// is centred, so it stays sharp: no resampling blurs its edges.
func Image(content string, size int, fg, bg color.NRGBA) (*image.NRGBA, error) {
	if size < MinSize || size > MaxSize {
		return nil, fmt.Errorf("qrcode: size must be from %d to %d, got %d", MinSize, MaxSize, size)
	}
	if content == "" || len(content) > MaxContent {
		return nil, fmt.Errorf("qrcode: content must be 1 to %d bytes, got %d", MaxContent, len(content))
	}
	code, err := qr.Encode(content, qr.M, qr.Auto)
	if err != nil {
		return nil, fmt.Errorf("qrcode: %w", err)
	}
	n := code.Bounds().Dx()
	module := size / (n + 2*quietModules)
	if module < 1 {
		return nil, fmt.Errorf("%w: %d modules in %d pixels", ErrTooSmall, n+2*quietModules, size)
	}
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = bg.R, bg.G, bg.B, bg.A
	}
	off := (size - n*module) / 2
	dark := [4]uint8{fg.R, fg.G, fg.B, fg.A}
	for my := 0; my < n; my++ {
		for mx := 0; mx < n; mx++ {
			if code.At(mx, my) != color.Black {
				continue
			}
			for y := off + my*module; y < off+(my+1)*module; y++ {
				row := img.Pix[y*img.Stride:]
				for x := off + mx*module; x < off+(mx+1)*module; x++ {
					copy(row[x*4:x*4+4], dark[:])
				}
			}
		}
	}
	return img, nil
}
