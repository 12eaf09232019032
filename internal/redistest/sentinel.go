package redistest

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/redis/go-redis/v9"
)

// MasterName is the name the Sentinel knows the master by.
const MasterName = "mymaster"

// Sentinel is a master redis-server watched by one Sentinel (quorum 1),
// and the master's replicas if any were added.
type Sentinel struct {
	Master   *Server // the first master; after a failover, see MasterAddr
	Sentinel *Server
	Replicas []*Server

	t   testing.TB
	bin string
}

// URL is the way go-redis's ParseFailoverURL reads it: the Sentinel's
// address and master_name.
func (s *Sentinel) URL() string {
	return "redis://" + s.Sentinel.Addr + "?master_name=" + MasterName
}

// StartSentinel runs a master without persistence and a Sentinel watching
// it, and waits until the Sentinel reaches the master. Both stop when the
// test ends.
func StartSentinel(t testing.TB) *Sentinel {
	t.Helper()
	bin := lookPath(t, "redis-server")
	s := &Sentinel{t: t, bin: bin}
	s.Master = startServer(t, bin, serverReady, plainArgs(t))
	// Sentinel does not log that it is ready; it logs the master it
	// monitors once it listens.
	s.Sentinel = startServer(t, bin, "+monitor master "+MasterName, func(port int) []string {
		// Sentinel rewrites its configuration file, so each start gets a
		// fresh one in a folder of its own. A master that does not answer
		// for 2 s is down; with quorum 1 this Sentinel alone decides.
		dir := t.TempDir()
		conf := filepath.Join(dir, "sentinel.conf")
		host, mport, _ := net.SplitHostPort(s.Master.Addr)
		body := fmt.Sprintf("sentinel monitor %s %s %s 1\n"+
			"sentinel down-after-milliseconds %[1]s 2000\n"+
			"sentinel failover-timeout %[1]s 10000\n", MasterName, host, mport)
		if err := os.WriteFile(conf, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return []string{conf, "--sentinel", "--bind", "127.0.0.1", "--port", strconv.Itoa(port),
			"--protected-mode", "yes", "--dir", dir}
	})
	s.waitSentinel(s.Master.Addr, 0)
	return s
}

// AddReplica starts a replica of the master and waits until the Sentinel
// lists it as a healthy replica, so that it can be promoted.
func (s *Sentinel) AddReplica() *Server {
	s.t.Helper()
	host, port, _ := net.SplitHostPort(s.Master.Addr)
	r := startServer(s.t, s.bin, serverReady, plainArgs(s.t, "--replicaof", host, port))
	s.Replicas = append(s.Replicas, r)
	s.waitSentinel(s.Master.Addr, len(s.Replicas))
	return r
}

// WaitMaster waits until the Sentinel names addr as the master and sees it
// healthy, as after a failover to a replica.
func (s *Sentinel) WaitMaster(addr string) {
	s.t.Helper()
	s.waitSentinel(addr, -1)
}

// waitSentinel polls the Sentinel until it names master as the master,
// flags it as nothing but a master (reached, not down) and, unless
// replicas is negative, counts that many replicas in sync.
func (s *Sentinel) waitSentinel(master string, replicas int) {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), settleTimeout)
	defer cancel()
	sc := redis.NewSentinelClient(&redis.Options{Addr: s.Sentinel.Addr})
	defer sc.Close()
	what := fmt.Sprintf("Sentinel view of master %s with %d replicas", master, replicas)
	poll(ctx, s.t, what, func() (bool, string) {
		m, err := sc.Master(ctx, MasterName).Result()
		if err != nil {
			return false, err.Error()
		}
		ok := net.JoinHostPort(m["ip"], m["port"]) == master && m["flags"] == "master"
		if replicas >= 0 {
			ok = ok && m["num-slaves"] == strconv.Itoa(replicas)
		}
		if ok && replicas > 0 {
			rs, err := sc.Replicas(ctx, MasterName).Result()
			if err != nil {
				return false, err.Error()
			}
			for _, r := range rs {
				// A replica is promotable once the Sentinel has heard of
				// it and its link to the master is up.
				if r["flags"] != "slave" || r["master-link-status"] != "ok" {
					return false, fmt.Sprint(r)
				}
			}
		}
		return ok, fmt.Sprint(m)
	})
}
