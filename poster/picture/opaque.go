package picture

import (
	"encoding/binary"
	"image"
)

// alphaMask picks the alpha bytes of two RGBA pixels read as one
// little-endian word.
const alphaMask = 0xff000000_ff000000

// Opaque reports whether every pixel of img has full alpha, as
// img.Opaque() does, reading two pixels a word: the encoders ask it of
// every canvas, and the byte-at-a-time scan of the standard library
// took a tenth of a JPEG encode.
func Opaque(img *image.RGBA) bool {
	b := img.Rect
	if b.Empty() {
		return true
	}
	n := 4 * b.Dx()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		row := img.Pix[img.PixOffset(b.Min.X, y):][:n]
		i := 0
		for ; i+32 <= len(row); i += 32 {
			r := row[i : i+32 : i+32]
			if binary.LittleEndian.Uint64(r[0:])&binary.LittleEndian.Uint64(r[8:])&
				binary.LittleEndian.Uint64(r[16:])&binary.LittleEndian.Uint64(r[24:])&alphaMask != alphaMask {
				return false
			}
		}
		for ; i < len(row); i += 4 {
			if row[i+3] != 0xff {
				return false
			}
		}
	}
	return true
}
