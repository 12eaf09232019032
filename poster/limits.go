package poster

import (
	"errors"

	"github.com/haibao/haibao/poster/picture"
	"github.com/haibao/haibao/poster/text"
)

// The engine's limits, in one place. Every other bound derives from these,
// so a layout that validates is never refused at an allowed scale because
// an inner limit is smaller, and nothing a request can say makes one render
// allocate more than a known amount.
const (
	// MaxScale is the largest pixel ratio a render may ask for: the CLI,
	// the service and signed URLs all use it.
	MaxScale = 4.0
	// MinLayoutScale is the smallest default scale a layout may declare.
	MinLayoutScale = 0.1

	// MaxCanvasPixels bounds width × height of one canvas at its render
	// scale (160 MB of RGBA).
	MaxCanvasPixels = 40_000_000
	// MaxCanvasSide bounds a canvas side, an element size and any
	// coordinate, in layout units.
	MaxCanvasSide = 4000
	// MaxElements bounds the elements of one layout.
	MaxElements = 500
	// MaxLayoutBytes bounds a layout file; real layouts are a few kilobytes.
	MaxLayoutBytes = 1 << 20

	// MaxFontSize and MaxLetterSpacing are in layout units: at MaxScale they
	// reach exactly the text engine's pixel limits.
	MaxFontSize      = text.MaxFontSize / MaxScale
	MaxLetterSpacing = text.MaxLetterSpacing / MaxScale

	// maxElementCanvases bounds the pixel buffer one element may need (a
	// resampled image, a gradient, a code) as a multiple of its canvas,
	// so an element placed mostly off the canvas cannot allocate more than
	// the canvas itself several times over.
	maxElementCanvases = 4
	// minElementBudget keeps small canvases from refusing ordinary
	// elements that bleed over their edges.
	minElementBudget = 1 << 20

	// MaxImageBytes bounds an encoded image the engine decodes itself
	// (layout files, embedded assets, data: URLs).
	MaxImageBytes = 20 << 20
	// MaxDecodedImageBytes bounds the memory one decode may take at its
	// peak, counted in the decoded form's own bytes per pixel (a 16-bit
	// PNG takes 8 bytes a pixel), for layout images, assets and data: URLs
	// alike; remote images have the same bound from their loader.
	MaxDecodedImageBytes = picture.DefaultMaxDecodedBytes

	// maxFetchesPerRender bounds the remote images and codes one render
	// loads at once.
	maxFetchesPerRender = 8
	// fittedCacheBytes bounds the resampled copies of layout images and
	// assets kept across renders; qrCacheBytes the stand-in QR codes.
	fittedCacheBytes = 64 << 20
	qrCacheBytes     = 16 << 20
	// layerCacheBytes bounds the pre-drawn bottoms of canvases (see layer);
	// canvases over maxLayerBytes (a 750-wide poster past scale 2) are
	// drawn whole each time rather than keep another copy.
	layerCacheBytes = 32 << 20
	maxLayerBytes   = 16 << 20
)

// ErrCanvasTooLarge is returned when a render would exceed MaxCanvasPixels
// or an element's buffer budget, e.g. a tall auto-height layout at a high
// scale.
var ErrCanvasTooLarge = errors.New("canvas too large")

// ErrInvalidScale is returned for a scale that is not a number greater than
// 0 and at most MaxScale, or too small to give a canvas of one pixel.
var ErrInvalidScale = errors.New("scale must be a number greater than 0 and at most 4")

// elementBudget is the most pixels one element's buffer may take on a
// canvas of canvasPixels.
func elementBudget(canvasPixels int) int {
	return max(canvasPixels*maxElementCanvases, minElementBudget)
}

// imageLimits bound the images the engine decodes itself.
func imageLimits() picture.Limits {
	return picture.Limits{MaxBytes: MaxImageBytes, MaxPixels: MaxCanvasPixels, MaxDecodedBytes: MaxDecodedImageBytes}
}
