package redistest_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/haibao/haibao/internal/redistest"
)

// TestClusterSpreadsSlots: the URL reaches every node through go-redis's
// cluster client, and keys land on more than one master.
func TestClusterSpreadsSlots(t *testing.T) {
	c := redistest.StartCluster(t, 3)
	opt, err := redis.ParseClusterURL(c.URL())
	if err != nil {
		t.Fatal(err)
	}
	if len(opt.Addrs) != 3 {
		t.Fatalf("URL %s names %d nodes, want 3", c.URL(), len(opt.Addrs))
	}
	rdb := redis.NewClusterClient(opt)
	defer rdb.Close()
	ctx := context.Background()
	for i := range 30 {
		if err := rdb.Set(ctx, fmt.Sprint("k", i), i, 0).Err(); err != nil {
			t.Fatal(err)
		}
	}
	// Each node holds only its own slots' keys, so more than one non-empty
	// node means the keys were spread.
	holding := 0
	for _, n := range c.Nodes {
		node := redis.NewClient(&redis.Options{Addr: n.Addr})
		size, err := node.DBSize(ctx).Result()
		node.Close()
		if err != nil {
			t.Fatal(err)
		}
		if size > 0 {
			holding++
		}
	}
	if holding < 2 {
		t.Fatalf("30 keys on %d of 3 nodes, want them spread", holding)
	}
}

// TestSentinelFailover: the failover client finds the master through the
// Sentinel, and after the master dies it finds the promoted replica.
func TestSentinelFailover(t *testing.T) {
	s := redistest.StartSentinel(t)
	r := s.AddReplica()
	opt, err := redis.ParseFailoverURL(s.URL())
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewFailoverClient(opt)
	defer rdb.Close()
	ctx := context.Background()
	if err := rdb.Set(ctx, "k", "before", 0).Err(); err != nil {
		t.Fatal(err)
	}
	s.Master.Stop()
	s.WaitMaster(r.Addr)
	if err := rdb.Set(ctx, "k", "after", 0).Err(); err != nil {
		t.Fatalf("write after the failover: %v", err)
	}
	direct := redis.NewClient(&redis.Options{Addr: r.Addr})
	defer direct.Close()
	if v, err := direct.Get(ctx, "k").Result(); err != nil || v != "after" {
		t.Fatalf("promoted replica holds %q, %v; want \"after\"", v, err)
	}
}
