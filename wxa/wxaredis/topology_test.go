package wxaredis_test

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/haibao/haibao/internal/redistest"
	"github.com/haibao/haibao/wxa"
	"github.com/haibao/haibao/wxa/wxaredis"
	"github.com/haibao/haibao/wxa/wxatest"
)

// topoInstance is one haibao instance of the topology tests: a Store and,
// per app, the wxa client built on it the way haibao serve builds it.
type topoInstance struct {
	store    *wxaredis.Store
	clients  map[string]*wxa.Client
	limiters map[string]*wxaredis.Limiter
	quotas   map[string]*wxaredis.Quota
}

// topoApps are the appids tried as the second app, until one lands on
// another master of the cluster than the first.
var topoApps = []string{"wx1111fake1111app", "wx2222fake2222app", "wx3333fake3333app", "wx4444fake4444app", "wx5555fake5555app"}

// TestTopologies runs two instances serving two apps through a Redis
// Cluster of three masters and through a Sentinel, with the URL and
// Topology as HAIBAO_REDIS_URL and HAIBAO_REDIS_TOPOLOGY give them. Every
// script (GCRA live and bulk, cooldown, lock extend and compare-and-delete,
// token compare-and-delete) and pipeline runs; on the Cluster a script
// whose keys were on two slots would fail with CROSSSLOT, so passing
// proves the hash tag holds each app's keys together. The Cluster case
// then checks where the keys are: each app's on one master, the two apps
// on different masters.
func TestTopologies(t *testing.T) {
	for _, tc := range []struct {
		topo  wxaredis.Topology
		start func(*testing.T) string
	}{
		{wxaredis.TopologyCluster, func(t *testing.T) string { return redistest.StartCluster(t, 3).URL() }},
		// Topology "" with master_name in the URL must pick Sentinel too.
		{"", func(t *testing.T) string { return redistest.StartSentinel(t).URL() }},
	} {
		name := string(tc.topo)
		if name == "" {
			name = "sentinel-by-url"
		}
		t.Run(name, func(t *testing.T) { testTopology(t, tc.topo, tc.start(t)) })
	}
}

func testTopology(t *testing.T, topo wxaredis.Topology, url string) {
	ctx := context.Background()
	a := topoOpen(t, url, topo)
	appA, appB := wxatest.DefaultAppID, topoSecondApp(t, a.store, wxatest.DefaultAppID)
	apps := []string{appA, appB}
	fakes := map[string]*wxatest.Server{}
	for _, id := range apps {
		f := wxatest.NewServer(wxatest.Options{AppID: id})
		t.Cleanup(f.Close)
		fakes[id] = f
	}
	b := topoOpen(t, url, topo)
	instances := []*topoInstance{a, b}
	for _, in := range instances {
		for _, id := range apps {
			topoApp(t, in, id, fakes[id].URL)
		}
	}
	// The heartbeat registry (a MULTI on one key) counts both instances.
	for deadline := time.Now().Add(30 * time.Second); a.store.Instances() != 2 || b.store.Instances() != 2; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("instances seen: %d and %d after 30 s, want 2", a.store.Instances(), b.store.Instances())
		}
	}

	// Both instances ask every code at once: one fetch per code across
	// the cluster (lock, shared cache), one legacy token per app (lock,
	// double-check), get counted against the quota, and one bulk code
	// (the three-key GCRA script) asked by one instance only, so that it
	// is the bulk caller who fetches it.
	round := func(tag string) {
		t.Helper()
		var wg sync.WaitGroup
		for i := range 2 * 8 {
			for _, id := range apps {
				wg.Go(func() {
					cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
					defer cancel()
					r := wxa.CodeRequest{API: wxa.APIUnlimited, Page: "pages/index", Scene: fmt.Sprintf("%s%d", tag, i%8)}
					switch {
					case i%8 == 0:
						r = wxa.CodeRequest{API: wxa.APIGet, Path: "pages/a?s=" + tag}
					case i == 1:
						r.Scene = "bulk-" + tag
						cctx = wxa.WithClass(cctx, wxa.ClassBulk)
					}
					if _, err := instances[i/8].clients[id].Code(cctx, r); err != nil {
						t.Errorf("%s %s code %d: %v", id, tag, i, err)
					}
				})
			}
		}
		wg.Wait()
	}
	round("a")
	for _, id := range apps {
		st := fakes[id].Stats()
		if st.CodeCalls["getUnlimited"] != 8 || st.CodeCalls["get"] != 1 || st.TokenCalls != 1 {
			t.Fatalf("%s: fake saw %v code calls and %d token calls from 2 instances; want getUnlimited 8, get 1 and 1 token call", id, st.CodeCalls, st.TokenCalls)
		}
		if n, err := a.quotas[id].Used(ctx); err != nil || n != 1 {
			t.Fatalf("%s: quota used %d, %v; want 1", id, n, err)
		}
	}
	// WeChat refuses the shared token: both instances report it, exactly
	// one refetches (compare-and-delete, then lock).
	for _, id := range apps {
		fakes[id].RetireTokens()
	}
	round("b")
	for _, id := range apps {
		// Calls refused with the retired token are counted as calls by
		// the fake: the codes delivered are the calls less the errors.
		st := fakes[id].Stats()
		delivered := st.CodeCalls["getUnlimited"] + st.CodeCalls["get"] - st.Errors["40001"]
		if delivered != 18 || st.QuotaUsed != 2 || st.TokenCalls != 2 || len(st.Errors) != 1 {
			t.Fatalf("%s after the token was refused: fake saw %v code calls, errors %v, quota %d and %d token calls; want 18 codes delivered, 2 of them get, only 40001 errors and 2 token calls",
				id, st.CodeCalls, st.Errors, st.QuotaUsed, st.TokenCalls)
		}
		if n, err := b.quotas[id].Used(ctx); err != nil || n != 2 {
			t.Fatalf("%s: quota used %d, %v; want 2", id, n, err)
		}
	}

	// The bulk budget (60 a minute, burst 2) runs dry after a few calls
	// from either instance, while live calls still go.
	for n := 0; ; n++ {
		err := instances[n%2].limiters[appA].Wait(wxa.WithClass(deadline(t, 0), wxa.ClassBulk))
		if err == nil {
			if n >= 5 {
				t.Fatalf("%d bulk calls at once passed a budget with a burst of 2", n+1)
			}
			continue
		}
		if !errors.Is(err, wxa.ErrRateLimited) || !strings.Contains(err.Error(), "bulk budget of 60") {
			t.Fatalf("bulk call %d: %v, want the bulk budget's refusal", n+1, err)
		}
		break
	}
	for i, in := range instances {
		if err := in.limiters[appA].Wait(deadline(t, 0)); err != nil {
			t.Fatalf("live call on instance %d after the bulk budget ran dry: %v", i, err)
		}
	}

	// A holder slower than its lease keeps the lock by extending it, so
	// the other instance waits instead of fetching too.
	var loads atomic.Int64
	slow := func(context.Context) ([]byte, error) {
		loads.Add(1)
		time.Sleep(3 * time.Second)
		return []byte("slow-code"), nil
	}
	var wg sync.WaitGroup
	for i, in := range instances {
		l, err := in.store.NewCache(wxaredis.CacheConfig{AppID: appA, Lease: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		wg.Go(func() {
			cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			got, err := l.LoadShared(cctx, wxa.CodeRequest{API: wxa.APIUnlimited, Scene: "slow"}, "slow", slow)
			if err != nil || string(got) != "slow-code" {
				t.Errorf("instance %d LoadShared = %q, %v", i, got, err)
			}
		})
	}
	wg.Wait()
	if n := loads.Load(); n != 1 {
		t.Fatalf("a fetch of 3 s under a 1 s lease ran %d times, want 1 (the lease is extended)", n)
	}

	// A 45009 on one instance pauses the app on every instance, and only
	// that app.
	for time.Now().Second() >= 50 { // the pause ends at the minute
		time.Sleep(100 * time.Millisecond)
	}
	if d := a.limiters[appA].Cooldown(ctx); d <= 0 || d > 62*time.Second {
		t.Fatalf("cooldown of %v, want until the next minute", d)
	}
	if err := b.limiters[appA].Wait(deadline(t, 0)); !errors.Is(err, wxa.ErrRateLimited) || !strings.Contains(err.Error(), "45009") {
		t.Fatalf("%s on the other instance during its cooldown: %v", appA, err)
	}
	if err := b.limiters[appB].Wait(deadline(t, 0)); err != nil {
		t.Fatalf("%s during %s's cooldown: %v", appB, appA, err)
	}

	topoCheckKeys(t, a.store.Client(), apps)
	for i, in := range instances {
		if m := in.store.Mode(); m != wxaredis.ModeCluster {
			t.Errorf("instance %d ended in mode %s; a failed script would have switched it to local", i, m)
		}
	}
}

func topoOpen(t *testing.T, url string, topo wxaredis.Topology) *topoInstance {
	t.Helper()
	s, err := wxaredis.Open(context.Background(), wxaredis.Config{URL: url, Topology: topo, Heartbeat: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	waitMode(t, s, wxaredis.ModeCluster)
	return &topoInstance{store: s, clients: map[string]*wxa.Client{}, limiters: map[string]*wxaredis.Limiter{},
		quotas: map[string]*wxaredis.Quota{}}
}

// topoApp builds the limiter, quota, code cache, legacy token source and
// client of app id on instance in.
func topoApp(t *testing.T, in *topoInstance, id, fakeURL string) {
	t.Helper()
	ctx := context.Background()
	lim, err := in.store.NewLimiter(wxaredis.LimiterConfig{AppID: id, PerMinute: 600, Burst: 50, BulkPerMinute: 60, BulkBurst: 2})
	if err != nil {
		t.Fatal(err)
	}
	q, err := in.store.NewQuota(ctx, wxaredis.QuotaConfig{AppID: id})
	if err != nil {
		t.Fatal(err)
	}
	codes, err := in.store.NewCache(wxaredis.CacheConfig{AppID: id, Memory: wxa.NewMemoryCache(1 << 20), Limiter: lim, Quota: q})
	if err != nil {
		t.Fatal(err)
	}
	tc := wxa.TokenConfig{AppID: id, Secret: wxatest.DefaultSecret, BaseURL: fakeURL}
	tokens, err := in.store.NewTokens(wxaredis.TokenConfig{TokenConfig: tc, Legacy: true})
	if err != nil {
		t.Fatal(err)
	}
	c, err := wxa.New(wxa.Config{AppID: id, Secret: wxatest.DefaultSecret, BaseURL: fakeURL, Cache: codes, Limiter: lim, Tokens: tokens})
	if err != nil {
		t.Fatal(err)
	}
	in.clients[id], in.limiters[id], in.quotas[id] = c, lim, q
}

// topoSecondApp picks an appid whose keys a Cluster keeps on another
// master than first's; any will do for other topologies.
func topoSecondApp(t *testing.T, s *wxaredis.Store, first string) string {
	t.Helper()
	cc, ok := s.Client().(*redis.ClusterClient)
	if !ok {
		return topoApps[0]
	}
	ctx := context.Background()
	node := func(id string) string {
		c, err := cc.MasterForKey(ctx, "haibao:{wx:"+id+"}:quota")
		if err != nil {
			t.Fatal(err)
		}
		return c.Options().Addr
	}
	for _, id := range topoApps {
		if node(id) != node(first) {
			return id
		}
	}
	t.Fatalf("all of %v share a master with %s", topoApps, first)
	return ""
}

// topoCheckKeys lists the keys on every master: each app's keys are under
// its hash tag, of the kinds the test made, and on a Cluster all on one
// master, the two apps' on different masters.
func topoCheckKeys(t *testing.T, rdb redis.UniversalClient, apps []string) {
	t.Helper()
	ctx := context.Background()
	var mu sync.Mutex
	where := map[string][]string{} // key → masters holding it
	list := func(ctx context.Context, c *redis.Client) error {
		keys, err := c.Keys(ctx, "haibao:*").Result()
		mu.Lock()
		defer mu.Unlock()
		for _, k := range keys {
			where[k] = append(where[k], c.Options().Addr)
		}
		return err
	}
	var err error
	if cc, ok := rdb.(*redis.ClusterClient); ok {
		err = cc.ForEachMaster(ctx, list)
	} else {
		var keys []string
		keys, err = rdb.Keys(ctx, "haibao:*").Result()
		for _, k := range keys {
			where[k] = []string{"master"}
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	nodes := map[string]map[string]bool{} // appid → masters
	kinds := map[string]map[string]bool{} // appid → kinds of key
	for k, on := range where {
		if k == "haibao:instances" {
			continue
		}
		id := ""
		for _, cand := range apps {
			if strings.HasPrefix(k, "haibao:{wx:"+cand+"}:") {
				id = cand
			}
		}
		if id == "" || len(on) != 1 {
			t.Errorf("key %q on %v: want it under an app's hash tag, on one master", k, on)
			continue
		}
		if nodes[id] == nil {
			nodes[id], kinds[id] = map[string]bool{}, map[string]bool{}
		}
		nodes[id][on[0]] = true
		kind, _, _ := strings.Cut(strings.TrimPrefix(k, "haibao:{wx:"+id+"}:"), ":")
		kinds[id][kind] = true
	}
	// Rate keys expire about a second after their last use, so only the
	// lasting kinds are required.
	for _, id := range apps {
		for _, kind := range []string{"code", "quota", "token"} {
			if !kinds[id][kind] {
				t.Errorf("%s has no %s key; it has %v", id, kind, sortedKeys(kinds[id]))
			}
		}
		if len(nodes[id]) != 1 {
			t.Errorf("%s's keys are on masters %v, want one", id, sortedKeys(nodes[id]))
		}
	}
	if !kinds[apps[0]]["cooldown"] {
		t.Errorf("%s has no cooldown key after a 45009; it has %v", apps[0], sortedKeys(kinds[apps[0]]))
	}
	if _, ok := rdb.(*redis.ClusterClient); ok && fmt.Sprint(sortedKeys(nodes[apps[0]])) == fmt.Sprint(sortedKeys(nodes[apps[1]])) {
		t.Errorf("both apps' keys are on %v; the test meant them on different masters", sortedKeys(nodes[apps[0]]))
	}
}

func sortedKeys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestSentinelFailover: the master dies and the Sentinel promotes its
// replica. The Store goes local meanwhile, finds the new master through
// the Sentinel by itself, and is back in cluster mode with the codes it
// had stored and with working scripts.
func TestSentinelFailover(t *testing.T) {
	sentinel := redistest.StartSentinel(t)
	replica := sentinel.AddReplica()
	in := topoOpen(t, sentinel.URL(), wxaredis.TopologySentinel)
	lim := limiter(t, in.store, wxaredis.LimiterConfig{PerMinute: 600, Burst: 50})
	codes, err := in.store.NewCache(wxaredis.CacheConfig{AppID: appid, Limiter: lim})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var loads atomic.Int64
	load := func(context.Context) ([]byte, error) {
		loads.Add(1)
		return []byte("code-bytes"), nil
	}
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if _, err := codes.LoadShared(cctx, req, "before", load); err != nil {
		t.Fatal(err)
	}
	// The replica must have the code before the master dies.
	if n, err := in.store.Client().Do(ctx, "WAIT", 1, 30000).Int(); err != nil || n != 1 {
		t.Fatalf("WAIT for the replica: %d, %v", n, err)
	}

	sentinel.Master.Stop()
	waitMode(t, in.store, wxaredis.ModeLocal)
	sentinel.WaitMaster(replica.Addr)
	waitMode(t, in.store, wxaredis.ModeCluster)

	if b, ok, err := codes.Get(cctx, "before"); err != nil || !ok || string(b) != "code-bytes" {
		t.Fatalf("code stored before the failover: %q, %v, %v", b, ok, err)
	}
	if _, err := codes.LoadShared(cctx, req, "after", load); err != nil {
		t.Fatal(err)
	}
	if err := lim.Wait(deadline(t, 0)); err != nil {
		t.Fatalf("limiter after the failover: %v", err)
	}
	if n := loads.Load(); n != 2 {
		t.Fatalf("load ran %d times for two codes, want 2", n)
	}
	// The writes went to the promoted replica.
	direct := redis.NewClient(&redis.Options{Addr: replica.Addr})
	defer direct.Close()
	if n, err := direct.Exists(ctx, "haibao:{wx:"+appid+"}:code:"+sha("after")).Result(); err != nil || n != 1 {
		t.Fatalf("code stored after the failover is not on %s: %d, %v", replica.Addr, n, err)
	}
}
