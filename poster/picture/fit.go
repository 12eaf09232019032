package picture

import (
	"fmt"
	"image"
	"image/draw"

	"github.com/disintegration/imaging"
)

// Fit says how an image fills a box of another shape.
type Fit int

const (
	FitCover   Fit = iota // fill the box, cropping the overflow around the centre
	FitContain            // fit inside the box, leaving transparent bands
	FitFill               // stretch to the box
)

// ParseFit reads cover, contain or fill.
func ParseFit(s string) (Fit, error) {
	switch s {
	case "cover":
		return FitCover, nil
	case "contain":
		return FitContain, nil
	case "fill":
		return FitFill, nil
	}
	return 0, fmt.Errorf("unknown fit %q (want cover, contain or fill)", s)
}

func (f Fit) String() string {
	switch f {
	case FitContain:
		return "contain"
	case FitFill:
		return "fill"
	}
	return "cover"
}

// Fitted returns src sized to w×h by fit. An image that already has that
// size is returned as it is: nothing is resampled that need not be.
func Fitted(src image.Image, w, h int, fit Fit) image.Image {
	b := src.Bounds()
	if w <= 0 || h <= 0 {
		return image.NewNRGBA(image.Rect(0, 0, max(w, 0), max(h, 0)))
	}
	if b.Dx() == w && b.Dy() == h {
		return src
	}
	switch fit {
	case FitFill:
		return imaging.Resize(src, w, h, imaging.CatmullRom)
	case FitContain:
		fitted := imaging.Fit(src, w, h, imaging.CatmullRom)
		if fitted.Bounds().Dx() == w && fitted.Bounds().Dy() == h {
			return fitted
		}
		out := image.NewNRGBA(image.Rect(0, 0, w, h))
		fb := fitted.Bounds()
		at := image.Pt((w-fb.Dx())/2, (h-fb.Dy())/2)
		draw.Draw(out, fb.Sub(fb.Min).Add(at), fitted, fb.Min, draw.Src)
		return out
	}
	// Cover: crop the source to the box's aspect first, so only the pixels
	// that show are resampled.
	sw, sh := b.Dx(), b.Dy()
	cw, ch := sw, sh
	if sw*h > sh*w {
		cw = max(1, (sh*w+h/2)/h)
	} else {
		ch = max(1, (sw*h+w/2)/w)
	}
	crop := image.Rect(0, 0, cw, ch).Add(b.Min).Add(image.Pt((sw-cw)/2, (sh-ch)/2))
	if cw == w && ch == h {
		return imaging.Crop(src, crop)
	}
	// Resample from a view of the crop: copying it first would hold a
	// second NRGBA image as large as the source.
	if s, ok := src.(interface {
		SubImage(image.Rectangle) image.Image
	}); ok {
		return imaging.Resize(s.SubImage(crop), w, h, imaging.CatmullRom)
	}
	return imaging.Resize(imaging.Crop(src, crop), w, h, imaging.CatmullRom)
}
