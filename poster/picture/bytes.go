package picture

import (
	"image"
	"image/color"
)

// DefaultMaxDecodedBytes is the suggested bound on the memory one decode
// may take (see Limits.MaxDecodedBytes): 64 MB holds a 16 MP photo as
// 8-bit RGBA, a 24 MP baseline JPEG, or a 4 MP progressive JPEG, but not
// a 16-bit PNG of more than 8 MP.
const DefaultMaxDecodedBytes = 64 << 20

// Bytes is the memory img's pixels hold, for charging caches: the capacity
// of its pixel slices (all planes of a YCbCr image). Types it does not
// know are charged 8 bytes a pixel, the most any standard form takes.
func Bytes(img image.Image) int64 {
	switch m := img.(type) {
	case *image.RGBA:
		return int64(cap(m.Pix))
	case *image.NRGBA:
		return int64(cap(m.Pix))
	case *image.RGBA64:
		return int64(cap(m.Pix))
	case *image.NRGBA64:
		return int64(cap(m.Pix))
	case *image.Gray:
		return int64(cap(m.Pix))
	case *image.Gray16:
		return int64(cap(m.Pix))
	case *image.Alpha:
		return int64(cap(m.Pix))
	case *image.Alpha16:
		return int64(cap(m.Pix))
	case *image.CMYK:
		return int64(cap(m.Pix))
	case *image.Paletted:
		return int64(cap(m.Pix)) + int64(len(m.Palette))*paletteEntryBytes
	case *image.YCbCr:
		return int64(cap(m.Y)) + int64(cap(m.Cb)) + int64(cap(m.Cr))
	case *image.NYCbCrA:
		return int64(cap(m.Y)) + int64(cap(m.Cb)) + int64(cap(m.Cr)) + int64(cap(m.A))
	case *image.Uniform:
		return 0
	case nil:
		return 0
	}
	b := img.Bounds()
	return int64(b.Dx()) * int64(b.Dy()) * 8
}

// paletteEntryBytes is one color.Color in a palette: an interface value
// and the colour it points to.
const paletteEntryBytes = 24

// DecodedBytes is the memory the image a header describes takes once
// decoded, from its colour model: 8 bytes a pixel for 16-bit RGBA, 4 for
// 8-bit RGBA and CMYK, 2 for 16-bit grey, 1 for grey and paletted images.
// YCbCr is charged 3 bytes a pixel because the header does not say how
// the chroma is subsampled (4:4:4 takes 3, 4:2:0 takes 1.5). Models it
// does not know are charged 8.
//
// It is the size of the result only; Decode checks Limits.MaxDecodedBytes
// against a finer estimate that also counts the decoder's working memory.
func DecodedBytes(cfg image.Config) int64 {
	return pixels(cfg) * bytesPerPixel(cfg.ColorModel)
}

func pixels(cfg image.Config) int64 {
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return 0
	}
	return int64(cfg.Width) * int64(cfg.Height)
}

func bytesPerPixel(m color.Model) int64 {
	if _, ok := m.(color.Palette); ok {
		return 1
	}
	switch m {
	case color.GrayModel, color.AlphaModel:
		return 1
	case color.Gray16Model, color.Alpha16Model:
		return 2
	case color.YCbCrModel:
		return 3
	case color.RGBAModel, color.NRGBAModel, color.CMYKModel, color.NYCbCrAModel:
		return 4
	}
	return 8
}
