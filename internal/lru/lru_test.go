package lru

import (
	"fmt"
	"testing"
)

func TestEvictsLeastRecentlyUsed(t *testing.T) {
	c := New[string, []byte](100, func(b []byte) int { return len(b) })
	for i := range 3 {
		c.Add(fmt.Sprint(i), make([]byte, 30))
	}
	c.Get("0") // 0 is now the most recent; 1 the least
	c.Add("3", make([]byte, 30))
	if _, ok := c.Get("1"); ok {
		t.Error("least recently used value kept")
	}
	for _, k := range []string{"0", "2", "3"} {
		if _, ok := c.Get(k); !ok {
			t.Errorf("%s evicted", k)
		}
	}
	c.Add("huge", make([]byte, 101))
	if _, ok := c.Get("huge"); ok || c.Len() != 3 {
		t.Error("value over the whole limit stored")
	}
	c.Add("0", make([]byte, 90)) // replacing frees the old size first
	if c.Len() != 1 {
		t.Errorf("len %d after a large replacement, want 1", c.Len())
	}
	c.Remove("0")
	if c.Len() != 0 {
		t.Error("remove")
	}
}
