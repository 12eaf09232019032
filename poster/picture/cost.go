package picture

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/color"
)

// DecodeCost is the memory decoding b takes at its peak, read from the
// headers alone: the decoded image, the decoder's working buffers that are
// alive at the same time (coefficients of a progressive JPEG, the passes of
// an interlaced PNG, the colour conversion of a CMYK or RGB JPEG, the copy
// that turns an EXIF-rotated JPEG upright) and the form the result is kept
// in. The format name and header are returned too. It errs like Decode on
// bytes that are not an image.
func DecodeCost(b []byte) (int64, image.Config, string, error) {
	cfg, format, err := image.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		if errors.Is(err, image.ErrFormat) {
			return 0, cfg, "", ErrUnsupported
		}
		return 0, cfg, "", fmt.Errorf("image header: %w", err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return 0, cfg, "", fmt.Errorf("image header: %d×%d pixels", cfg.Width, cfg.Height)
	}
	px := pixels(cfg)
	switch format {
	case "png":
		return pngCost(b, cfg), cfg, format, nil
	case "jpeg":
		n := jpegCost(b, cfg)
		if o := exifOrientation(b); o != 1 {
			n += 4 * px // orient makes an NRGBA copy while the original is alive
		}
		return n, cfg, format, nil
	case "gif":
		return px, cfg, format, nil // the first frame, paletted, within the screen
	case "webp":
		return webpDecodeCost(b, px), cfg, format, nil
	}
	return DecodedBytes(cfg), cfg, format, nil
}

// pngCost counts what Go's PNG decoder allocates: grey images with a
// transparent colour become NRGBA (the header's model says grey), and an
// interlaced image is decoded pass by pass into images as large as the
// result in all, which the collector may not have reclaimed yet.
func pngCost(b []byte, cfg image.Config) int64 {
	bpp := bytesPerPixel(cfg.ColorModel)
	interlaced, transparent := pngLayout(b)
	if transparent {
		switch cfg.ColorModel {
		case color.GrayModel:
			bpp = 4
		case color.Gray16Model:
			bpp = 8
		}
	}
	n := pixels(cfg) * bpp
	if interlaced {
		n *= 2
	}
	return n
}

// pngLayout reads the interlace flag of the IHDR chunk and whether a tRNS
// chunk comes before the image data.
func pngLayout(b []byte) (interlaced, transparent bool) {
	const sig = 8
	if len(b) < sig+8+13 {
		return false, false
	}
	interlaced = b[sig+8+12] != 0
	for i := sig; i+8 <= len(b); {
		n := int(binary.BigEndian.Uint32(b[i:]))
		typ := string(b[i+4 : i+8])
		if typ == "tRNS" {
			return interlaced, true
		}
		if typ == "IDAT" || n < 0 || n > len(b) {
			break
		}
		i += 12 + n
	}
	return interlaced, false
}

// jpegCost counts what Go's JPEG decoder allocates for the frame b holds:
// the component planes padded to whole MCUs, 256 bytes of coefficients a
// block per component when progressive, and a 4-byte-a-pixel converted
// copy for 4-component and RGB images. A frame it cannot read is charged
// as 4:4:4 progressive.
func jpegCost(b []byte, cfg image.Config) int64 {
	px := pixels(cfg)
	f, ok := readJPEGFrame(b)
	if !ok {
		return px * (3 + 3*4 + 4)
	}
	w, h := int64(cfg.Width), int64(cfg.Height)
	if len(f.comps) == 1 {
		f.comps[0] = jpegComp{1, 1} // Go decodes grey in 8×8 units whatever the factors say
	}
	h0, v0 := int64(f.comps[0].h), int64(f.comps[0].v)
	mxx := (w + 8*h0 - 1) / (8 * h0)
	myy := (h + 8*v0 - 1) / (8 * v0)
	// Each component c is stored at 8·h_c·mxx × 8·v_c·myy samples.
	var planes, coeffs int64
	for _, c := range f.comps {
		blocks := mxx * myy * int64(c.h) * int64(c.v)
		planes += 64 * blocks
		coeffs += 256 * blocks
	}
	n := planes
	if f.progressive {
		n += coeffs
	}
	if len(f.comps) == 4 || cfg.ColorModel == color.RGBAModel {
		n += 4 * px
	}
	return n
}

type jpegComp struct{ h, v int }

type jpegFrame struct {
	progressive bool
	comps       []jpegComp
}

// readJPEGFrame reads the sampling factors from the start-of-frame segment.
func readJPEGFrame(b []byte) (jpegFrame, bool) {
	var f jpegFrame
	found := false
	jpegSegments(b, func(marker byte, seg []byte) bool {
		if marker != 0xC0 && marker != 0xC1 && marker != 0xC2 {
			return true
		}
		if len(seg) < 6 {
			return false
		}
		n := int(seg[5])
		if n != 1 && n != 3 && n != 4 || len(seg) < 6+3*n {
			return false
		}
		for i := range n {
			hv := seg[7+3*i]
			c := jpegComp{int(hv >> 4), int(hv & 0x0f)}
			if c.h < 1 || c.h > 4 || c.v < 1 || c.v > 4 {
				return false
			}
			f.comps = append(f.comps, c)
		}
		f.progressive = marker == 0xC2
		found = true
		return false
	})
	return f, found
}

// jpegSegments calls fn with each marker segment before the first scan,
// while fn returns true.
func jpegSegments(b []byte, fn func(marker byte, seg []byte) bool) {
	if len(b) < 4 || b[0] != 0xFF || b[1] != 0xD8 {
		return
	}
	for i := 2; i+4 <= len(b); {
		if b[i] != 0xFF {
			return
		}
		marker := b[i+1]
		if marker == 0xFF { // fill byte
			i++
			continue
		}
		if marker == 0xDA || marker == 0xD9 { // start of scan, end of image
			return
		}
		size := int(binary.BigEndian.Uint16(b[i+2:]))
		if size < 2 || i+2+size > len(b) {
			return
		}
		if !fn(marker, b[i+4:i+2+size]) {
			return
		}
		i += 2 + size
	}
}

// webpKind reads the chunks of a WebP file: whether its image is lossless
// (VP8L) and whether a lossy image carries an alpha plane (ALPH).
func webpKind(b []byte) (lossless, alpha bool) {
	for i := 12; i+8 <= len(b); {
		n := int(binary.LittleEndian.Uint32(b[i+4:]))
		switch string(b[i : i+4]) {
		case "VP8L":
			return true, true
		case "ALPH":
			alpha = true
		case "VP8 ":
			return false, alpha
		}
		if n < 0 || n > len(b) {
			break
		}
		i += 8 + n + n&1
	}
	return false, alpha
}
