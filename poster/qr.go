package poster

import (
	"context"
	"image"
	"image/color"

	"github.com/haibao/haibao/internal/cache"
	"github.com/haibao/haibao/internal/qrcode"
	"github.com/haibao/haibao/poster/picture"
)

// qrSource is the default CodeSource: a standard QR code of the page and
// scene, so layouts render and scan without WeChat credentials. Campaigns
// reuse the same few codes, so they are kept within a byte budget.
type qrSource struct {
	cache *cache.Cache[CodeRequest, image.Image]
}

func newQRSource() *qrSource {
	return &qrSource{cache: cache.New[CodeRequest, image.Image](qrCacheBytes, picture.Bytes, cache.Options{})}
}

func (q *qrSource) Code(ctx context.Context, req CodeRequest) (image.Image, error) {
	return q.cache.Do(ctx, req, func(context.Context) (image.Image, error) {
		content := req.Path
		if content == "" {
			content = req.Page + "?scene=" + req.Scene
		}
		fg := color.NRGBA{R: req.LineColor.R, G: req.LineColor.G, B: req.LineColor.B, A: 255}
		bg := color.NRGBA{R: 255, G: 255, B: 255, A: 255}
		if req.Transparent {
			bg = color.NRGBA{}
		}
		img, err := qrcode.Image(content, req.Width, fg, bg)
		if err != nil {
			return nil, err
		}
		// Premultiplied RGBA composites fastest, and an opaque one is
		// copied rather than blended.
		return premultiplyInPlace(img), nil
	})
}
