package jobs

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/haibao/haibao/internal/redistest"
)

func clusterClient(t *testing.T, c *redistest.Cluster) *redis.ClusterClient {
	t.Helper()
	opt, err := redis.ParseClusterURL(c.URL())
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClusterClient(opt)
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

// TestRedisClusterJobs runs jobs through a Redis Cluster of three masters:
// the create, claim and renew scripts and the finishing transaction touch
// several keys each (claim even keys it does not declare), which a Cluster
// accepts only on one slot. A job moves to the second instance when the
// first stops (claim queues it again because its lease is gone), a DELETE
// on one instance stops the job the other runs, and every job key sits on
// one master.
func TestRedisClusterJobs(t *testing.T) {
	cluster := redistest.StartCluster(t, 3)
	f := newFixture(t)
	var uploads atomic.Int64
	sink := &slowSink{Dir: f.store, n: &uploads}
	instance := func(concurrency int) *Manager {
		return f.manager(t, func(c *Config) {
			c.Dir, c.Redis, c.Sink, c.Concurrency = t.TempDir(), clusterClient(t, cluster), sink, concurrency
		})
	}
	const n = 40
	b, _, _ := moveJob(t, instance(2), func() *Manager { return instance(1) }, &uploads, n, 5)
	defer b.Close()

	// A second job runs on b; the DELETE comes through another instance
	// that runs nothing (its worker is never started).
	code, v := do(t, b.Handler(), "POST", "/v1/jobs", "application/json", rowsBody(400))
	if code != http.StatusAccepted {
		t.Fatalf("POST: %d %v", code, v)
	}
	id2 := v["id"].(string)
	waitUploads(t, &uploads, n+5)
	log := slog.New(slog.DiscardHandler)
	c := &Manager{cfg: Config{Dir: t.TempDir()}.withDefaults(), log: log, b: openRedis(clusterClient(t, cluster), t.TempDir(), 64, log)}
	if code, v := do(t, c.Handler(), "DELETE", "/v1/jobs/"+id2, "", ""); code != http.StatusAccepted {
		t.Fatalf("DELETE: %d %v", code, v)
	}
	v = wait(t, b.Handler(), id2)
	if v["status"] != "cancelled" || uploads.Load() >= n+400 {
		t.Fatalf("after DELETE: %v, %d uploads", v, uploads.Load())
	}

	// Every job key is on the master owning the {haibao:jobs} slot.
	var mu sync.Mutex
	where := map[string][]string{}
	err := clusterClient(t, cluster).ForEachMaster(context.Background(), func(ctx context.Context, node *redis.Client) error {
		keys, err := node.Keys(ctx, "haibao:*").Result()
		mu.Lock()
		defer mu.Unlock()
		for _, k := range keys {
			where[node.Options().Addr] = append(where[node.Options().Addr], k)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(where) != 1 {
		t.Fatalf("job keys on %d masters, want 1: %v", len(where), where)
	}
	for _, keys := range where {
		for _, k := range keys {
			if !strings.HasPrefix(k, keyPrefix) {
				t.Errorf("key %q is not under %q", k, keyPrefix)
			}
		}
		// Both jobs ended: their states remain, the lists are empty.
		if len(keys) != 2 {
			t.Errorf("keys after both jobs ended: %v, want the two states", keys)
		}
	}
}
