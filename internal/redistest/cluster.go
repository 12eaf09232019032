package redistest

import (
	"context"
	"net/url"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// settleTimeout bounds how long a cluster or a sentinel may take to agree
// on its state; generous for the same reason as startTimeout.
const settleTimeout = 90 * time.Second

// Cluster is a Redis Cluster of masters without replicas, the slots spread
// evenly over them.
type Cluster struct {
	Nodes []*Server
}

// URL names every node the way go-redis's ParseClusterURL reads it:
// redis://first?addr=second&addr=third….
func (c *Cluster) URL() string {
	q := url.Values{}
	for _, n := range c.Nodes[1:] {
		q.Add("addr", n.Addr)
	}
	return "redis://" + c.Nodes[0].Addr + "?" + q.Encode()
}

// StartCluster runs n (at least 3) cluster-enabled redis-servers without
// persistence, joins them with redis-cli --cluster create and waits until
// every node says the cluster is ok. Every node stops when the test ends.
func StartCluster(t testing.TB, n int) *Cluster {
	t.Helper()
	if n < 3 {
		t.Fatalf("redistest: a Redis Cluster needs at least 3 masters, got %d", n)
	}
	server := lookPath(t, "redis-server")
	cli := lookPath(t, "redis-cli")
	c := &Cluster{}
	for range n {
		c.Nodes = append(c.Nodes, startServer(t, server, serverReady, func(port int) []string {
			// The bus port is set explicitly: the default, port + 10000,
			// may be taken or beyond 65535 for an ephemeral port.
			return plainArgs(t, "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
				"--cluster-port", strconv.Itoa(freePort(t)), "--cluster-node-timeout", "5000")(port)
		}))
	}
	args := []string{"--cluster", "create"}
	for _, node := range c.Nodes {
		args = append(args, node.Addr)
	}
	args = append(args, "--cluster-replicas", "0", "--cluster-yes")
	ctx, cancel := context.WithTimeout(context.Background(), settleTimeout)
	defer cancel()
	if out, err := exec.CommandContext(ctx, cli, args...).CombinedOutput(); err != nil {
		t.Fatalf("redis-cli --cluster create: %v\n%s", err, out)
	}
	for _, node := range c.Nodes {
		rdb := redis.NewClient(&redis.Options{Addr: node.Addr})
		poll(ctx, t, "cluster_state:ok on "+node.Addr, func() (bool, string) {
			info, err := rdb.ClusterInfo(ctx).Result()
			if err != nil {
				return false, err.Error()
			}
			return strings.Contains(info, "cluster_state:ok") &&
				strings.Contains(info, "cluster_known_nodes:"+strconv.Itoa(n)+"\r\n"), info
		})
		_ = rdb.Close()
	}
	return c
}

// poll calls check until it reports true, failing the test with what it
// last said when ctx ends.
func poll(ctx context.Context, t testing.TB, what string, check func() (bool, string)) {
	t.Helper()
	for {
		ok, said := check()
		if ok {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("redistest: no %s within %v; last: %s", what, settleTimeout, said)
		case <-time.After(50 * time.Millisecond):
		}
	}
}
