package server

import (
	"github.com/haibao/haibao/internal/cache"
	"github.com/haibao/haibao/poster"
)

// made is one rendered poster: its bytes and what lint found in it, which
// depend on exactly the same inputs and are cached together.
type made struct {
	body     []byte
	findings []poster.Finding
}

// newOutputCache keeps recently rendered posters by their ETag, bounded by
// bytes, so a poster shared in a group chat is rendered once. One poster
// may take at most a quarter of it.
func newOutputCache(limit int) *cache.Cache[string, made] {
	return cache.New[string, made](int64(limit), func(m made) int64 { return int64(len(m.body)) + 256*int64(len(m.findings)) },
		cache.Options{MaxEntry: int64(limit) / 4})
}
