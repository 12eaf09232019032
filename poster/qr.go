package poster

import (
	"context"
	"image"
	"image/color"
	"sync"

	"github.com/haibao/haibao/internal/qrcode"
)

// qrSource is the default CodeSource: a standard QR code of the page and
// scene, so layouts render and scan without WeChat credentials. Codes are
// kept in a small bounded cache since campaigns reuse the same few.
type qrSource struct {
	mu    sync.Mutex
	cache map[CodeRequest]image.Image
}

const maxQRCache = 256

func newQRSource() *qrSource { return &qrSource{cache: map[CodeRequest]image.Image{}} }

func (q *qrSource) Code(ctx context.Context, req CodeRequest) (image.Image, error) {
	q.mu.Lock()
	img, ok := q.cache[req]
	q.mu.Unlock()
	if ok {
		return img, nil
	}
	content := req.Path
	if content == "" {
		content = req.Page + "?scene=" + req.Scene
	}
	fg := color.NRGBA{R: req.LineColor.R, G: req.LineColor.G, B: req.LineColor.B, A: 255}
	bg := color.NRGBA{R: 255, G: 255, B: 255, A: 255}
	if req.Transparent {
		bg = color.NRGBA{}
	}
	code, err := qrcode.Image(content, req.Width, fg, bg)
	if err != nil {
		return nil, err
	}
	q.mu.Lock()
	if len(q.cache) >= maxQRCache {
		clear(q.cache)
	}
	q.cache[req] = code
	q.mu.Unlock()
	return code, nil
}
