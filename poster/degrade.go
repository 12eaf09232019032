package poster

import (
	"bytes"
	"image"
	"image/jpeg"

	"golang.org/x/image/draw"
)

// The journey a poster makes before someone scans its code: saved or sent
// in a chat, shown on a phone screen, captured as a screenshot or by a
// camera. Lint replays it so that a code is judged on what a scanner gets,
// not on the pixel-perfect render.
const (
	// phoneWidth × phoneHeight is the screen a poster is shown on, fit to
	// it; larger posters are scaled down, smaller ones kept as they are.
	phoneWidth  = 1080
	phoneHeight = 1920
	// phoneJPEGQuality is what chat apps and screenshots re-encode at.
	phoneJPEGQuality = 70
	// A camera pointed at a screen never sees true black or white: glare
	// lifts the dark end and exposure caps the light one. Channels are
	// mapped into [cameraBlack, cameraWhite], which takes pure black on
	// white from a 21:1 contrast to about 13:1.
	cameraBlack = 24
	cameraWhite = 224
)

// degradeScale is how much a poster of w×h pixels shrinks on the phone.
func degradeScale(w, h int) float64 {
	return min(1, float64(phoneWidth)/float64(w), float64(phoneHeight)/float64(h))
}

// degrade returns img as a phone would show it: first encoded as the
// poster itself is (JPEG at quality, when jpegQuality > 0), then fit to the
// phone's screen, softened by a small blur, squeezed into a camera's range
// and re-encoded as JPEG at phoneJPEGQuality.
func degrade(img *image.RGBA, jpegQuality int) image.Image {
	var src image.Image = flattenWhite(img)
	if jpegQuality > 0 {
		src = jpegRoundTrip(src, jpegQuality)
	}
	b := src.Bounds()
	s := degradeScale(b.Dx(), b.Dy())
	w, h := max(1, int(float64(b.Dx())*s+0.5)), max(1, int(float64(b.Dy())*s+0.5))
	small := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.CatmullRom.Scale(small, small.Bounds(), src, b, draw.Src, nil)
	soft := blur121(small)
	for i, v := range soft.Pix {
		if i%4 != 3 {
			soft.Pix[i] = uint8(cameraBlack + int(v)*(cameraWhite-cameraBlack)/255)
		}
	}
	return jpegRoundTrip(soft, phoneJPEGQuality)
}

// flattenWhite composites img onto white, as a JPEG encoder or a chat app
// showing a transparent PNG would.
func flattenWhite(img *image.RGBA) *image.RGBA {
	out := image.NewRGBA(img.Rect)
	for i := 0; i < len(img.Pix); i += 4 {
		a := 255 - int(img.Pix[i+3])
		out.Pix[i] = uint8(int(img.Pix[i]) + a)
		out.Pix[i+1] = uint8(int(img.Pix[i+1]) + a)
		out.Pix[i+2] = uint8(int(img.Pix[i+2]) + a)
		out.Pix[i+3] = 255
	}
	return out
}

func jpegRoundTrip(img image.Image, quality int) image.Image {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: quality}); err != nil {
		return img
	}
	out, err := jpeg.Decode(&buf)
	if err != nil {
		return img
	}
	return out
}

// blur121 softens img with the separable [1 2 1]/4 kernel, about the blur
// of a camera or a resampling screen.
func blur121(img *image.RGBA) *image.RGBA {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	tmp := image.NewRGBA(b)
	out := image.NewRGBA(b)
	at := func(p []uint8, stride, x, y, c int) int { return int(p[y*stride+x*4+c]) }
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			l, r := max(x-1, 0), min(x+1, w-1)
			for c := 0; c < 4; c++ {
				v := at(img.Pix, img.Stride, l, y, c) + 2*at(img.Pix, img.Stride, x, y, c) + at(img.Pix, img.Stride, r, y, c)
				tmp.Pix[y*tmp.Stride+x*4+c] = uint8((v + 2) / 4)
			}
		}
	}
	for y := 0; y < h; y++ {
		u, d := max(y-1, 0), min(y+1, h-1)
		for x := 0; x < w; x++ {
			for c := 0; c < 4; c++ {
				v := at(tmp.Pix, tmp.Stride, x, u, c) + 2*at(tmp.Pix, tmp.Stride, x, y, c) + at(tmp.Pix, tmp.Stride, x, d, c)
				out.Pix[y*out.Stride+x*4+c] = uint8((v + 2) / 4)
			}
		}
	}
	return out
}
