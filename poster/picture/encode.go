package picture

import (
	"bufio"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"sync"

	"github.com/chai2010/webp"
)

// pngBuffers lets PNG encodes reuse their large internal buffers.
type pngBuffers struct{ pool sync.Pool }

func (p *pngBuffers) Get() *png.EncoderBuffer {
	b, _ := p.pool.Get().(*png.EncoderBuffer)
	return b
}

func (p *pngBuffers) Put(b *png.EncoderBuffer) { p.pool.Put(b) }

var pngEncoder = png.Encoder{CompressionLevel: png.BestSpeed, BufferPool: &pngBuffers{}}

// Encode writes img as png, jpeg or webp. quality (1–100) applies to JPEG
// and lossy WebP. PNG uses the fastest compression: posters are mostly
// photos and gradients, where stronger settings save little and cost much.
func Encode(w io.Writer, img image.Image, format string, quality int) error {
	if quality < 1 || quality > 100 {
		return fmt.Errorf("quality must be from 1 to 100, got %d", quality)
	}
	switch format {
	case "png":
		return pngEncoder.Encode(w, img)
	case "jpeg", "jpg":
		bw := bufio.NewWriterSize(w, 64<<10)
		if err := jpeg.Encode(bw, img, &jpeg.Options{Quality: quality}); err != nil {
			return err
		}
		return bw.Flush()
	case "webp":
		return webp.Encode(w, img, &webp.Options{Quality: float32(quality)})
	}
	return fmt.Errorf("unknown image format %q (want png, jpeg or webp)", format)
}
