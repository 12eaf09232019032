package server

import (
	"container/list"
	"sync"
)

// outputCache keeps recently rendered posters by their ETag, bounded by
// bytes, so a poster shared in a group chat is rendered once.
type outputCache struct {
	mu    sync.Mutex
	limit int
	size  int
	order *list.List
	items map[string]*list.Element
}

type outputEntry struct {
	key  string
	data []byte
}

func newOutputCache(limit int) *outputCache {
	return &outputCache{limit: limit, order: list.New(), items: map[string]*list.Element{}}
}

func (c *outputCache) get(key string) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[key]; ok {
		c.order.MoveToFront(el)
		return el.Value.(*outputEntry).data, true
	}
	return nil, false
}

func (c *outputCache) put(key string, data []byte) {
	if len(data) > c.limit/4 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.items[key]; ok {
		return
	}
	c.items[key] = c.order.PushFront(&outputEntry{key: key, data: data})
	c.size += len(data)
	for c.size > c.limit {
		el := c.order.Back()
		e := el.Value.(*outputEntry)
		c.order.Remove(el)
		delete(c.items, e.key)
		c.size -= len(e.data)
	}
}
