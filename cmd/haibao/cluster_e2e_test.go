package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/haibao/haibao/internal/redistest"
	"github.com/haibao/haibao/wxa/wxatest"
)

// The cluster end-to-end tests run the built binary: one `haibao
// fake-wechat`, one redis-server and three `haibao serve` sharing them.

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
)

func haibaoBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "haibao-cluster-e2e-")
		if err != nil {
			buildErr = err
			return
		}
		builtBin = filepath.Join(dir, "haibao")
		if out, err := exec.Command("go", "build", "-o", builtBin, ".").CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtBin
}

// lockedBuffer collects a process's log while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

type instance struct {
	cmd  *exec.Cmd
	logs *lockedBuffer
	base string
}

type rig struct {
	t     *testing.T
	bin   string
	fake  string // base URL of the fake WeChat
	redis *redistest.Server
	inst  []*instance
}

func (r *rig) start(env []string, args ...string) *instance {
	cmd := exec.Command(r.bin, args...)
	logs := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	cmd.Env = append(os.Environ(), env...)
	if err := cmd.Start(); err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if r.t.Failed() {
			r.t.Logf("log of haibao %s (last lines):\n%s", strings.Join(args, " "), lastLines(logs.String(), 15))
		}
	})
	return &instance{cmd: cmd, logs: logs}
}

// newRig starts the fake, Redis (unless noRedis) and n instances with env
// added to the common settings.
func newRig(t *testing.T, n int, noRedis bool, fakeArgs []string, env ...string) *rig {
	r := &rig{t: t, bin: haibaoBinary(t)}
	fakeAddr := freeAddr(t)
	r.start(nil, append([]string{"fake-wechat", "--addr", fakeAddr}, fakeArgs...)...)
	r.fake = "http://" + fakeAddr
	waitHTTP(t, r.fake+"/_fake/stats")
	common := []string{
		"HAIBAO_WECHAT_APPID=" + wxatest.DefaultAppID, "HAIBAO_WECHAT_SECRET=" + wxatest.DefaultSecret,
		"HAIBAO_WECHAT_BASE_URL=" + r.fake, "HAIBAO_INSTANCES=" + fmt.Sprint(n),
	}
	if !noRedis {
		r.redis = redistest.Start(t)
		common = append(common, "HAIBAO_REDIS_URL="+r.redis.URL())
	}
	for range n {
		addr := freeAddr(t)
		in := r.start(append(append(common, "HAIBAO_CACHE_DIR="+t.TempDir()), env...), "serve", "--addr", addr, "--layouts", "../../layouts")
		in.base = "http://" + addr
		r.inst = append(r.inst, in)
	}
	for _, in := range r.inst {
		waitHTTP(t, in.base+"/healthz")
	}
	return r
}

func (r *rig) stats() wxatest.Stats {
	r.t.Helper()
	resp, err := http.Get(r.fake + "/_fake/stats")
	if err != nil {
		r.t.Fatal(err)
	}
	defer resp.Body.Close()
	var st wxatest.Stats
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		r.t.Fatal(err)
	}
	return st
}

func (r *rig) faults(f wxatest.Faults) {
	r.t.Helper()
	b, _ := json.Marshal(f)
	resp, err := http.Post(r.fake+"/_fake/faults", "application/json", bytes.NewReader(b))
	if err != nil {
		r.t.Fatal(err)
	}
	resp.Body.Close()
}

type answer struct {
	status     int
	code       string // error code of a JSON error
	retryAfter string
	took       time.Duration
	err        error
}

var codeClient = &http.Client{Timeout: 60 * time.Second}

func getCode(base, scene string) answer {
	start := time.Now()
	resp, err := codeClient.Get(base + "/v1/codes?page=pages/index&scene=" + url.QueryEscape(scene))
	if err != nil {
		return answer{err: err, took: time.Since(start)}
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After"), took: time.Since(start)}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error struct{ Code string } `json:"error"`
		}
		_ = json.Unmarshal(b, &e)
		a.code = e.Error.Code
	}
	return a
}

func latencyAt(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(len(s)-1, int(float64(len(s))*p))]
}

// hammer sends perInstance requests to every instance from workers
// goroutines each, over scenes unique scenes in a different order per
// instance, and returns the answers.
func hammer(r *rig, perInstance, scenes, workers int) []answer {
	var mu sync.Mutex
	var out []answer
	var wg sync.WaitGroup
	for i, in := range r.inst {
		order := rand.New(rand.NewPCG(uint64(i), 7)).Perm(perInstance)
		var next atomic.Int64
		for range workers {
			wg.Go(func() {
				for {
					k := int(next.Add(1)) - 1
					if k >= perInstance {
						return
					}
					a := getCode(in.base, fmt.Sprintf("s=%d", order[k]%scenes))
					mu.Lock()
					out = append(out, a)
					mu.Unlock()
				}
			})
		}
	}
	wg.Wait()
	return out
}

func statuses(as []answer) map[int]int {
	m := map[int]int{}
	for _, a := range as {
		m[a.status]++
	}
	return m
}

func durations(as []answer) []time.Duration {
	var ds []time.Duration
	for _, a := range as {
		ds = append(ds, a.took)
	}
	return ds
}

// TestClusterOneCallPerCode: 3 × 2,000 requests over 600 unique scenes
// cost exactly 600 getUnlimited calls with Redis, and no 45009. Without
// Redis the same load costs a call per scene per instance.
func TestClusterOneCallPerCode(t *testing.T) {
	for _, tc := range []struct {
		name      string
		noRedis   bool
		wantCalls int
	}{{"redis", false, 600}, {"no-redis", true, 1800}} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, 3, tc.noRedis, []string{"--rate", "5000"})
			start := time.Now()
			as := hammer(r, 2000, 600, 16)
			elapsed := time.Since(start)
			st := r.stats()
			ds := durations(as)
			t.Logf("%s: %d requests in %v: statuses %v, %d getUnlimited calls, %d token calls, errors %v, p50 %v, p99 %v",
				tc.name, len(as), elapsed.Round(time.Millisecond), statuses(as), st.CodeCalls["getUnlimited"], st.StableTokenCalls, st.Errors,
				latencyAt(ds, 0.5).Round(time.Microsecond), latencyAt(ds, 0.99).Round(time.Microsecond))
			if s := statuses(as); s[200] != 6000 {
				t.Fatalf("statuses %v, want 6000 × 200", s)
			}
			if n := st.CodeCalls["getUnlimited"]; n != tc.wantCalls {
				t.Fatalf("%d getUnlimited calls, want %d", n, tc.wantCalls)
			}
			if st.Errors["45009"] != 0 {
				t.Fatalf("fake answered 45009 %d times", st.Errors["45009"])
			}
		})
	}
}

// TestClusterHoldsBudget: a load above the budget keeps the fake's count
// within the budget (plus the burst); the excess gets 503 with Retry-After
// and never reaches WeChat.
func TestClusterHoldsBudget(t *testing.T) {
	const perMinute, burst = 1200, 10
	r := newRig(t, 3, false, []string{"--rate", "5000"}, "HAIBAO_WECHAT_RATE="+fmt.Sprint(perMinute), "HAIBAO_WECHAT_BURST="+fmt.Sprint(burst), "HAIBAO_REQUEST_TIMEOUT=2s")
	var mu sync.Mutex
	var as []answer
	var seq atomic.Int64
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	start := time.Now()
	var wg sync.WaitGroup
	// 90 callers each waiting at most 1 s for a slot (a 2 s timeout less
	// 1 s kept for the call) need about 90 calls a second; the budget
	// gives 20.
	for w := range 90 {
		wg.Go(func() {
			for ctx.Err() == nil {
				a := getCode(r.inst[w%3].base, fmt.Sprintf("load%d", seq.Add(1)))
				mu.Lock()
				as = append(as, a)
				mu.Unlock()
				if a.status == 503 {
					// A polite client comes back later rather than at once
					// (and the test does not starve the 2-core machine).
					time.Sleep(200 * time.Millisecond)
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	calls := r.stats().CodeCalls["getUnlimited"]
	allowed := burst + int(elapsed.Seconds()*perMinute/60)
	s := statuses(as)
	t.Logf("%d requests in %v: statuses %v; %d getUnlimited calls, budget allows %d (%.1f%%)", len(as), elapsed.Round(time.Millisecond), s, calls, allowed, 100*float64(calls)/float64(allowed))
	if calls > allowed+allowed/100 {
		t.Fatalf("%d calls reached WeChat in %v; the budget allows %d", calls, elapsed, allowed)
	}
	if calls < allowed*8/10 {
		t.Fatalf("only %d calls in %v; the budget allows %d", calls, elapsed, allowed)
	}
	// A call let through keeps 1 s of its caller's deadline; on a busy
	// 2-core machine (this test beside other packages' tests, under -race)
	// some still overrun it (504; 5 % seen). More than 10 % would mean
	// slots are handed out too late.
	if s[200]+s[504] != calls || s[504] > calls/10 || s[503] == 0 || s[200]+s[503]+s[504] != len(as) {
		t.Fatalf("statuses %v for %d calls: want one 200 per call (a 504 at most for 10 %%) and 503 for the rest", s, calls)
	}
	for _, a := range as {
		if a.status == 503 && (a.code != "wechat_unavailable" || a.retryAfter == "") {
			t.Fatalf("503 with code %q and Retry-After %q", a.code, a.retryAfter)
		}
	}
}

// TestClusterKilledLockHolder: an instance killed (-9) while it holds a
// code's lock blocks that code no longer than the lease; another instance
// then fetches it.
func TestClusterKilledLockHolder(t *testing.T) {
	const lease = 2 * time.Second
	r := newRig(t, 3, false, nil, "HAIBAO_CODE_LOCK_LEASE="+lease.String())
	r.faults(wxatest.Faults{LatencyMS: 20000})
	go getCode(r.inst[0].base, "held")
	deadline := time.Now().Add(30 * time.Second)
	for r.stats().CodeCalls["getUnlimited"] == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the first instance never called WeChat")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := r.inst[0].cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = r.inst[0].cmd.Wait()
	killed := time.Now()
	r.faults(wxatest.Faults{})
	a := getCode(r.inst[1].base, "held")
	waited := time.Since(killed)
	t.Logf("second instance got the code %v after the holder was killed (lease %v)", waited.Round(time.Millisecond), lease)
	if a.status != 200 {
		t.Fatalf("second instance: %+v", a)
	}
	if waited > lease+10*time.Second {
		t.Fatalf("code blocked %v by a dead holder; the lease is %v", waited, lease)
	}
	if n := r.stats().CodeCalls["getUnlimited"]; n != 2 {
		t.Fatalf("%d getUnlimited calls, want 2 (the dead holder's and the second instance's)", n)
	}
	// The third instance now reads it from Redis.
	if a := getCode(r.inst[2].base, "held"); a.status != 200 || r.stats().CodeCalls["getUnlimited"] != 2 {
		t.Fatalf("third instance: %+v, %d calls", a, r.stats().CodeCalls["getUnlimited"])
	}
}

// TestClusterRedisOutage: Redis stopped mid-run costs no 5xx (live
// requests fall back to a local share of the budget); when it is back,
// every instance returns to cluster mode without a restart.
func TestClusterRedisOutage(t *testing.T) {
	r := newRig(t, 3, false, nil)
	var mu sync.Mutex
	var phase = "before"
	byPhase := map[string][]answer{}
	stop := make(chan struct{})
	var seq atomic.Int64
	var wg sync.WaitGroup
	for w := range 6 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				case <-time.After(50 * time.Millisecond):
				}
				a := getCode(r.inst[w%3].base, fmt.Sprintf("o%d", seq.Add(1)%300))
				mu.Lock()
				byPhase[phase] = append(byPhase[phase], a)
				mu.Unlock()
			}
		})
	}
	setPhase := func(p string) { mu.Lock(); phase = p; mu.Unlock() }
	time.Sleep(3 * time.Second)
	setPhase("down")
	r.redis.Stop()
	waitLog(t, r, "Redis unreachable")
	waitMode(t, r, "local")
	time.Sleep(3 * time.Second)
	setPhase("back")
	r.redis.Restart()
	waitLog(t, r, "Redis reachable: cluster mode")
	waitMode(t, r, "cluster")
	time.Sleep(3 * time.Second)
	close(stop)
	wg.Wait()
	for _, p := range []string{"before", "down", "back"} {
		as := byPhase[p]
		t.Logf("%s: %d requests, statuses %v, p50 %v, p99 %v", p, len(as), statuses(as), latencyAt(durations(as), 0.5).Round(time.Microsecond), latencyAt(durations(as), 0.99).Round(time.Microsecond))
		for _, a := range as {
			if a.status != 200 {
				t.Fatalf("%s: a request answered %+v", p, a)
			}
		}
	}
}

// waitMode waits until every instance's /readyz and haibao_cluster_mode
// say mode.
func waitMode(t *testing.T, r *rig, mode string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for _, in := range r.inst {
		for {
			ready, metrics := "", ""
			if resp, err := http.Get(in.base + "/readyz"); err == nil {
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				ready = string(b)
			}
			if resp, err := http.Get(in.base + "/metrics"); err == nil {
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				metrics = string(b)
			}
			if strings.Contains(ready, `"cluster_mode":"`+mode+`"`) && strings.Contains(metrics, `haibao_cluster_mode{mode="`+mode+`"} 1`) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("an instance did not report cluster mode %q within 30 s: %s", mode, ready)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
}

// waitLog waits until every live instance logged s.
func waitLog(t *testing.T, r *rig, s string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for _, in := range r.inst {
		for !strings.Contains(in.logs.String(), s) {
			if time.Now().After(deadline) {
				t.Fatalf("an instance did not log %q within 30 s", s)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}

// TestClusterLegacyToken: legacy tokens with three instances cost one token
// call; an injected 40001 costs exactly one refetch cluster-wide. Without
// Redis, legacy mode with several instances refuses to start.
func TestClusterLegacyToken(t *testing.T) {
	r := newRig(t, 3, false, nil, "HAIBAO_WECHAT_TOKEN_MODE=legacy")
	for i, in := range r.inst {
		if a := getCode(in.base, fmt.Sprintf("t%d", i)); a.status != 200 {
			t.Fatalf("instance %d: %+v", i, a)
		}
	}
	if st := r.stats(); st.TokenCalls != 1 || st.StableTokenCalls != 0 {
		t.Fatalf("%d legacy and %d stable token calls from 3 instances, want 1 and 0", st.TokenCalls, st.StableTokenCalls)
	}
	r.faults(wxatest.Faults{ErrCode: 40001, Count: 1})
	if a := getCode(r.inst[1].base, "refused"); a.status != 200 {
		t.Fatalf("call after a refused token: %+v", a)
	}
	for i, in := range r.inst {
		if a := getCode(in.base, fmt.Sprintf("after%d", i)); a.status != 200 {
			t.Fatalf("instance %d after the refetch: %+v", i, a)
		}
	}
	if st := r.stats(); st.TokenCalls != 2 {
		t.Fatalf("%d token calls after one injected 40001, want 2", st.TokenCalls)
	}

	cmd := exec.Command(r.bin, "serve", "--addr", freeAddr(t))
	cmd.Env = append(os.Environ(), "HAIBAO_WECHAT_APPID="+wxatest.DefaultAppID, "HAIBAO_WECHAT_SECRET="+wxatest.DefaultSecret,
		"HAIBAO_WECHAT_BASE_URL="+r.fake, "HAIBAO_WECHAT_TOKEN_MODE=legacy", "HAIBAO_INSTANCES=3", "HAIBAO_REDIS_URL=")
	out, err := cmd.CombinedOutput()
	if code := cmd.ProcessState.ExitCode(); err == nil || code != exitUsage || !strings.Contains(string(out), "needs HAIBAO_REDIS_URL") {
		t.Fatalf("legacy mode, 3 instances, no Redis: exit %d, output %s", code, out)
	}
}

// TestClusterCooldown: one 45009 seen by one instance pauses every
// instance until the next minute; their callers get 503 with Retry-After
// and WeChat sees no further call.
func TestClusterCooldown(t *testing.T) {
	r := newRig(t, 3, false, nil, "HAIBAO_REQUEST_TIMEOUT=3s")
	// The pause lasts until the next minute (on Redis's clock, this
	// machine's): start early in a minute so it outlasts the checks below.
	for time.Now().Second() > 30 {
		time.Sleep(time.Second)
	}
	r.faults(wxatest.Faults{ErrCode: 45009, Count: 1})
	if a := getCode(r.inst[0].base, "c0"); a.status != 503 || a.code != "wechat_unavailable" || a.retryAfter == "" {
		t.Fatalf("call answered 45009: %+v", a)
	}
	for i, in := range r.inst {
		if a := getCode(in.base, fmt.Sprintf("c%d", i+1)); a.status != 503 || a.code != "wechat_unavailable" || a.retryAfter == "" {
			t.Fatalf("instance %d during the cooldown: %+v", i, a)
		}
	}
	if n := r.stats().CodeCalls["getUnlimited"]; n != 1 {
		t.Fatalf("%d getUnlimited calls, want 1: none during the cooldown", n)
	}
}

// TestClusterPregenFillsShared: pregen with Redis fills the shared cache
// from the bulk budget; the serving instances then answer those codes
// without a call.
func TestClusterPregenFillsShared(t *testing.T) {
	r := newRig(t, 2, false, nil)
	var scenes strings.Builder
	for i := range 50 {
		fmt.Fprintf(&scenes, "p=%d\n", i)
	}
	file := filepath.Join(t.TempDir(), "scenes.txt")
	if err := os.WriteFile(file, []byte(scenes.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(r.bin, "pregen", "--page", "pages/index", "--scenes", file)
	cmd.Env = append(os.Environ(), "HAIBAO_WECHAT_APPID="+wxatest.DefaultAppID, "HAIBAO_WECHAT_SECRET="+wxatest.DefaultSecret,
		"HAIBAO_WECHAT_BASE_URL="+r.fake, "HAIBAO_REDIS_URL="+r.redis.URL(), "HAIBAO_CACHE_DIR="+t.TempDir())
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "50 generated") {
		t.Fatalf("pregen: %v\n%s", err, out)
	}
	if n := r.stats().CodeCalls["getUnlimited"]; n != 50 {
		t.Fatalf("pregen made %d calls for 50 scenes", n)
	}
	for i := range 50 {
		if a := getCode(r.inst[i%2].base, fmt.Sprintf("p=%d", i)); a.status != 200 {
			t.Fatalf("scene %d: %+v", i, a)
		}
	}
	if n := r.stats().CodeCalls["getUnlimited"]; n != 50 {
		t.Fatalf("%d calls after serving pregenerated codes, want still 50", n)
	}
}

// TestClusterTwoApps: two instances and two mini programs on one Redis.
// Each app's codes cost one call per scene cluster-wide, made under its
// own appid, and every Redis key but the registry sits under its app's
// hash tag.
func TestClusterTwoApps(t *testing.T) {
	const shopID = "wx1111shop1111app"
	r := newRig(t, 2, false, []string{"--apps", shopID + ":shop-secret"}, "HAIBAO_WECHAT_APPS=shop="+shopID+":shop-secret")
	var wg sync.WaitGroup
	slots := make(chan struct{}, 8) // within the instances' admission limits
	for i := range 80 {
		wg.Go(func() {
			slots <- struct{}{}
			defer func() { <-slots }()
			app := []string{"default", "shop"}[i%2]
			resp, err := codeClient.Get(r.inst[(i/2)%2].base + "/v1/codes?page=pages/index&scene=s%3D" + fmt.Sprint(i%20) + "&app=" + app)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Errorf("%s scene %d: %d", app, i%20, resp.StatusCode)
			}
		})
	}
	wg.Wait()
	// 20 scenes × 2 apps: 10 scenes each went to one app (i%2 decides the
	// app, i%20 the scene), each asked four times from both instances.
	st := r.stats().AppCodeCalls
	if st[wxatest.DefaultAppID]["getUnlimited"] != 10 || st[shopID]["getUnlimited"] != 10 {
		t.Errorf("calls by appid %v; want 10 each", st)
	}
	keys, err := redisKeys(r)
	if err != nil {
		t.Fatal(err)
	}
	tagged := map[string]int{}
	for _, k := range keys {
		switch {
		case k == "haibao:instances":
		case strings.HasPrefix(k, "haibao:{wx:"+wxatest.DefaultAppID+"}:"):
			tagged[wxatest.DefaultAppID]++
		case strings.HasPrefix(k, "haibao:{wx:"+shopID+"}:"):
			tagged[shopID]++
		default:
			t.Errorf("key %q is under no app's hash tag", k)
		}
	}
	if tagged[wxatest.DefaultAppID] < 11 || tagged[shopID] < 11 {
		t.Errorf("keys by app %v; want at least 10 codes and a budget each", tagged)
	}
}

func redisKeys(r *rig) ([]string, error) {
	rdb := redis.NewClient(&redis.Options{Addr: r.redis.Addr})
	defer rdb.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return rdb.Keys(ctx, "*").Result()
}
