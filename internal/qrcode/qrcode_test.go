package qrcode

import (
	"image/color"
	"testing"

	"github.com/haibao/haibao/internal/scan"
)

func TestRoundTrip(t *testing.T) {
	blue := color.NRGBA{R: 0x1d, G: 0x39, B: 0xc4, A: 255}
	white := color.NRGBA{R: 255, G: 255, B: 255, A: 255}
	for _, tc := range []struct {
		content string
		size    int
		fg, bg  color.NRGBA
	}{
		{"pages/index?scene=a=1&b=2", 280, color.NRGBA{A: 255}, white},
		{"pages/product/detail?scene=p=1024&u=88", 430, blue, white},
		{"pages/a?scene=中文场景", 600, blue, color.NRGBA{}},
		{"x", 64, color.NRGBA{A: 255}, white},
	} {
		img, err := Image(tc.content, tc.size, tc.fg, tc.bg)
		if err != nil {
			t.Fatalf("%q: %v", tc.content, err)
		}
		if img.Bounds().Dx() != tc.size || img.Bounds().Dy() != tc.size {
			t.Errorf("%q: size %v, want %d", tc.content, img.Bounds(), tc.size)
		}
		got, err := scan.QR(img)
		if err != nil || got != tc.content {
			t.Errorf("%q at %d px: scanned %q, %v", tc.content, tc.size, got, err)
		}
		// Crisp: only the two colours appear.
		for i := 0; i < len(img.Pix); i += 4 {
			c := color.NRGBA{R: img.Pix[i], G: img.Pix[i+1], B: img.Pix[i+2], A: img.Pix[i+3]}
			if c != tc.fg && c != tc.bg {
				t.Fatalf("%q: pixel %v is neither fg nor bg", tc.content, c)
			}
		}
	}
}

func TestBadInput(t *testing.T) {
	black := color.NRGBA{A: 255}
	for _, tc := range []struct {
		content string
		size    int
	}{
		{"", 280},
		{"x", 10},
		{"x", 5000},
		{string(make([]byte, 2000)), 280},
		{"pages/product/detail?scene=p=1024&u=88&more=stuff-to-make-it-long", 25},
	} {
		if _, err := Image(tc.content, tc.size, black, black); err == nil {
			t.Errorf("Image(%d bytes, %d) succeeded", len(tc.content), tc.size)
		}
	}
}
