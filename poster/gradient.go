package poster

import (
	"image"
	"math"
)

// fillGradient composites a linear gradient over r of dst. angle follows
// CSS: 0 runs bottom to top, 90 left to right, 180 top to bottom. Colours
// are interpolated premultiplied, through a 256-entry table, so the cost
// per pixel is one multiply-add and a lookup.
func fillGradient(dst *image.RGBA, r image.Rectangle, angle float64, stops []resolvedStop, opacity float64) {
	r = r.Intersect(dst.Bounds())
	if r.Empty() || len(stops) == 0 {
		return
	}
	var lut [256][4]uint32 // premultiplied RGBA, 0..255
	for i := range lut {
		t := float64(i) / 255
		c := stopColorAt(stops, t)
		a := float64(c[3]) * opacity / 255
		lut[i] = [4]uint32{uint32(float64(c[0])*a + 0.5), uint32(float64(c[1])*a + 0.5), uint32(float64(c[2])*a + 0.5), uint32(a*255 + 0.5)}
	}
	rad := angle * math.Pi / 180
	dx, dy := math.Sin(rad), -math.Cos(rad)
	w, h := float64(r.Dx()), float64(r.Dy())
	length := math.Abs(w*dx) + math.Abs(h*dy)
	cx, cy := float64(r.Min.X)+w/2, float64(r.Min.Y)+h/2
	stepX := dx / length * 255
	for y := r.Min.Y; y < r.Max.Y; y++ {
		t := ((float64(r.Min.X)+0.5-cx)*dx+(float64(y)+0.5-cy)*dy)/length*255 + 127.5
		row := dst.Pix[dst.PixOffset(r.Min.X, y) : dst.PixOffset(r.Max.X-1, y)+4]
		for i := 0; i < len(row); i += 4 {
			idx := int(t)
			if idx < 0 {
				idx = 0
			} else if idx > 255 {
				idx = 255
			}
			s := &lut[idx]
			inv := 255 - s[3]
			p := row[i : i+4 : i+4]
			p[0] = uint8(s[0] + (uint32(p[0])*inv+127)/255)
			p[1] = uint8(s[1] + (uint32(p[1])*inv+127)/255)
			p[2] = uint8(s[2] + (uint32(p[2])*inv+127)/255)
			p[3] = uint8(s[3] + (uint32(p[3])*inv+127)/255)
			t += stepX
		}
	}
}

// stopColorAt interpolates the gradient's stops at t in [0, 1], straight
// (non-premultiplied) colour with alpha, like CSS for opaque stops.
func stopColorAt(stops []resolvedStop, t float64) [4]float64 {
	if t <= stops[0].at {
		c := stops[0].c
		return [4]float64{float64(c.R), float64(c.G), float64(c.B), float64(c.A)}
	}
	for i := 1; i < len(stops); i++ {
		a, b := stops[i-1], stops[i]
		if t <= b.at {
			f := 0.0
			if b.at > a.at {
				f = (t - a.at) / (b.at - a.at)
			}
			lerp := func(x, y uint8) float64 { return float64(x) + (float64(y)-float64(x))*f }
			return [4]float64{lerp(a.c.R, b.c.R), lerp(a.c.G, b.c.G), lerp(a.c.B, b.c.B), lerp(a.c.A, b.c.A)}
		}
	}
	c := stops[len(stops)-1].c
	return [4]float64{float64(c.R), float64(c.G), float64(c.B), float64(c.A)}
}
