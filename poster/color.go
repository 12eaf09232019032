package poster

import (
	"fmt"
	"image/color"
	"strconv"
	"strings"
)

// ParseColor reads #RGB, #RGBA, #RRGGBB, #RRGGBBAA, rgb(r,g,b), rgba(r,g,b,a)
// (a from 0 to 1) or "transparent".
func ParseColor(s string) (color.NRGBA, error) {
	s = strings.TrimSpace(s)
	if s == "transparent" {
		return color.NRGBA{}, nil
	}
	if strings.HasPrefix(s, "#") {
		return parseHexColor(s)
	}
	lower := strings.ToLower(s)
	for _, fn := range []string{"rgba", "rgb"} {
		if strings.HasPrefix(lower, fn+"(") && strings.HasSuffix(lower, ")") {
			return parseFuncColor(fn, lower[len(fn)+1:len(lower)-1], s)
		}
	}
	return color.NRGBA{}, fmt.Errorf("%q is not a colour (use #RGB, #RRGGBB, #RRGGBBAA or rgba(r, g, b, a))", s)
}

func parseHexColor(s string) (color.NRGBA, error) {
	h := s[1:]
	bad := fmt.Errorf("%q is not a hex colour (use #RGB, #RGBA, #RRGGBB or #RRGGBBAA)", s)
	switch len(h) {
	case 3, 4:
		var b strings.Builder
		for _, r := range h {
			b.WriteRune(r)
			b.WriteRune(r)
		}
		h = b.String()
	case 6, 8:
	default:
		return color.NRGBA{}, bad
	}
	if len(h) == 6 {
		h += "ff"
	}
	v, err := strconv.ParseUint(h, 16, 32)
	if err != nil {
		return color.NRGBA{}, bad
	}
	return color.NRGBA{R: uint8(v >> 24), G: uint8(v >> 16), B: uint8(v >> 8), A: uint8(v)}, nil
}

func parseFuncColor(fn, args, orig string) (color.NRGBA, error) {
	parts := strings.Split(args, ",")
	want := 3
	if fn == "rgba" {
		want = 4
	}
	if len(parts) != want {
		return color.NRGBA{}, fmt.Errorf("%q: %s() takes %d numbers", orig, fn, want)
	}
	var c [4]uint8
	c[3] = 255
	for i, p := range parts {
		p = strings.TrimSpace(p)
		if i == 3 {
			a, err := strconv.ParseFloat(p, 64)
			if err != nil || !(a >= 0 && a <= 1) {
				return color.NRGBA{}, fmt.Errorf("%q: alpha must be a number from 0 to 1", orig)
			}
			c[3] = uint8(a*255 + 0.5)
			continue
		}
		v, err := strconv.Atoi(p)
		if err != nil || v < 0 || v > 255 {
			return color.NRGBA{}, fmt.Errorf("%q: red, green and blue must be whole numbers from 0 to 255", orig)
		}
		c[i] = uint8(v)
	}
	return color.NRGBA{R: c[0], G: c[1], B: c[2], A: c[3]}, nil
}

func rgba(r, g, b, a uint8) color.NRGBA { return color.NRGBA{R: r, G: g, B: b, A: a} }
