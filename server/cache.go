package server

import "github.com/haibao/haibao/internal/cache"

// newOutputCache keeps recently rendered posters by their ETag, bounded by
// bytes, so a poster shared in a group chat is rendered once. One poster
// may take at most a quarter of it.
func newOutputCache(limit int) *cache.Cache[string, []byte] {
	return cache.New[string, []byte](int64(limit), func(b []byte) int64 { return int64(len(b)) }, cache.Options{MaxEntry: int64(limit) / 4})
}
