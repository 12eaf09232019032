package server

import "github.com/haibao/haibao/internal/lru"

// newOutputCache keeps recently rendered posters by their ETag, bounded by
// bytes, so a poster shared in a group chat is rendered once. One poster
// may take at most a quarter of it.
func newOutputCache(limit int) *lru.Cache[string, []byte] {
	return lru.New[string, []byte](limit, func(b []byte) int {
		if len(b) > limit/4 {
			return limit + 1
		}
		return len(b)
	})
}
