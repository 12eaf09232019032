package text

import (
	"image"
	"sync"

	"github.com/go-text/typesetting/font"
)

// defaultCacheBytes bounds the memory held by cached glyph images of one
// FontSet and its clones.
const defaultCacheBytes = 64 << 20

// glyphKey identifies one rendering of a glyph: outline masks depend on the
// size and the horizontal subpixel phase; emoji bitmaps on the target size.
type glyphKey struct {
	face *face
	gid  font.GID
	size int32 // outline: size in 1/64 px; bitmap: 0
	sub  int8  // outline: subpixel phase in quarters of a px
	w, h int32 // bitmap: target size in px
}

// glyphImage is a cached rendering. off is where its top-left corner goes
// relative to the glyph origin rounded to whole pixels.
type glyphImage struct {
	mask *image.Alpha // outline glyphs
	rgba *image.RGBA  // colour bitmap glyphs
	off  image.Point
}

func (g *glyphImage) bytes() int {
	n := 64
	if g.mask != nil {
		n += len(g.mask.Pix)
	}
	if g.rgba != nil {
		n += len(g.rgba.Pix)
	}
	return n
}

// glyphCache is a bounded cache with two generations: entries used since
// the last rotation survive it, the others are dropped. This gives most of
// LRU's hit rate for a map lookup and no per-entry bookkeeping.
type glyphCache struct {
	mu       sync.Mutex
	cur, old map[glyphKey]*glyphImage
	curBytes int
	limit    int // per generation
}

func newGlyphCache(limit int) *glyphCache {
	return &glyphCache{cur: map[glyphKey]*glyphImage{}, limit: limit / 2}
}

func (c *glyphCache) get(k glyphKey) *glyphImage {
	c.mu.Lock()
	defer c.mu.Unlock()
	if g, ok := c.cur[k]; ok {
		return g
	}
	if g, ok := c.old[k]; ok {
		delete(c.old, k)
		c.addLocked(k, g)
		return g
	}
	return nil
}

func (c *glyphCache) add(k glyphKey, g *glyphImage) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.cur[k]; !ok {
		c.addLocked(k, g)
	}
}

func (c *glyphCache) addLocked(k glyphKey, g *glyphImage) {
	n := g.bytes()
	if c.curBytes+n > c.limit && len(c.cur) > 0 {
		c.old, c.cur, c.curBytes = c.cur, make(map[glyphKey]*glyphImage, len(c.cur)), 0
	}
	c.cur[k] = g
	c.curBytes += n
}

// len reports the number of cached images (for tests).
func (c *glyphCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.cur) + len(c.old)
}
