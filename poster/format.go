package poster

import (
	"fmt"
	"path/filepath"
	"strings"
)

// Format is an output image encoding.
type Format int

const (
	PNG Format = iota
	JPEG
	WebP
)

// DefaultQuality is the JPEG and WebP quality used when none is given.
const DefaultQuality = 90

// ParseFormat reads a format name: png, jpeg (or jpg) or webp.
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "png":
		return PNG, nil
	case "jpeg", "jpg":
		return JPEG, nil
	case "webp":
		return WebP, nil
	}
	return 0, fmt.Errorf("unknown format %q (want png, jpeg or webp)", s)
}

// FormatFromPath guesses the format from a file name's extension.
func FormatFromPath(path string) (Format, bool) {
	f, err := ParseFormat(strings.TrimPrefix(filepath.Ext(path), "."))
	return f, err == nil
}

func (f Format) String() string {
	switch f {
	case JPEG:
		return "jpeg"
	case WebP:
		return "webp"
	}
	return "png"
}

// Ext is the usual file extension, without the dot.
func (f Format) Ext() string {
	if f == JPEG {
		return "jpg"
	}
	return f.String()
}

// ContentType is the MIME type of the encoding.
func (f Format) ContentType() string {
	return "image/" + f.String()
}

// Subsampling is how much colour detail a JPEG keeps.
type Subsampling int

const (
	// Subsampling420 stores colour at half resolution each way: the
	// smallest files, right for photos.
	Subsampling420 Subsampling = iota
	// Subsampling444 keeps colour at full resolution: sharper saturated
	// text such as red prices, for about a fifth more bytes.
	Subsampling444
)

// ParseSubsampling reads "420" or "444"; empty means 420.
func ParseSubsampling(s string) (Subsampling, error) {
	switch strings.TrimSpace(s) {
	case "", "420":
		return Subsampling420, nil
	case "444":
		return Subsampling444, nil
	}
	return 0, fmt.Errorf("unknown subsampling %q (want 420 or 444)", s)
}

func (s Subsampling) String() string {
	if s == Subsampling444 {
		return "444"
	}
	return "420"
}
