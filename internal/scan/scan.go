// Package scan decodes QR codes out of rendered images, so tests can prove
// that the codes on a poster scan.
package scan

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
)

// QR decodes the one QR code in img.
func QR(img image.Image) (string, error) {
	// Flatten onto white: codes drawn on transparency would otherwise read
	// as black on black.
	b := img.Bounds()
	flat := image.NewRGBA(image.Rect(0, 0, b.Dx()+16, b.Dy()+16))
	draw.Draw(flat, flat.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	draw.Draw(flat, image.Rect(8, 8, 8+b.Dx(), 8+b.Dy()), img, b.Min, draw.Over)
	src := gozxing.NewLuminanceSourceFromImage(flat)
	hints := map[gozxing.DecodeHintType]interface{}{gozxing.DecodeHintType_TRY_HARDER: true}
	var errs []error
	for _, binarize := range []func(gozxing.LuminanceSource) gozxing.Binarizer{
		gozxing.NewHybridBinarizer, gozxing.NewGlobalHistgramBinarizer,
	} {
		bmp, err := gozxing.NewBinaryBitmap(binarize(src))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		res, err := qrcode.NewQRCodeReader().Decode(bmp, hints)
		if err == nil {
			return res.GetText(), nil
		}
		errs = append(errs, err)
	}
	return "", fmt.Errorf("scan: no QR code found: %w", errors.Join(errs...))
}

// QRIn decodes the QR code inside r of img.
func QRIn(img image.Image, r image.Rectangle) (string, error) {
	r = r.Intersect(img.Bounds())
	if r.Empty() {
		return "", errors.New("scan: region is outside the image")
	}
	sub := image.NewRGBA(image.Rect(0, 0, r.Dx(), r.Dy()))
	draw.Draw(sub, sub.Bounds(), img, r.Min, draw.Src)
	return QR(sub)
}
