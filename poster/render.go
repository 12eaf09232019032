package poster

import (
	"context"
	"image"
	"sync"
)

// Render draws l with data at the requested scale: Bind, Fetch and Draw in
// one call, for callers that need no admission between the stages.
func (e *Engine) Render(ctx context.Context, l *Layout, data map[string]any, opt RenderOptions) (*Result, error) {
	d, err := e.Bind(l, data, opt)
	if err != nil {
		return nil, err
	}
	if err := e.Fetch(ctx, d); err != nil {
		return nil, err
	}
	return e.Draw(ctx, d)
}

// canvas hands out an RGBA image, reusing the buffer of an earlier
// released render when one is big enough; dirty says it holds that
// render's pixels and must be cleared unless it is painted over whole.
func (e *Engine) canvas(w, h int) (img *image.RGBA, release func(), dirty bool) {
	n := w * h * 4
	var pix []uint8
	if v, ok := e.canvases.Get().(*[]uint8); ok && cap(*v) >= n {
		pix = (*v)[:n]
		dirty = true
	} else {
		if ok {
			e.canvases.Put(v)
		}
		pix = make([]uint8, n)
	}
	img = &image.RGBA{Pix: pix, Stride: w * 4, Rect: image.Rect(0, 0, w, h)}
	var once sync.Once
	return img, func() { once.Do(func() { e.canvases.Put(&pix) }) }, dirty
}
