// Package redistest starts a private redis-server on a loopback port for
// tests, so the cluster code is tested against the real server rather than
// an imitation. Outside CI a missing redis-server skips the test; with
// CI=true it fails it, because CI installs one (.ci/run).
package redistest

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Server is one running redis-server.
type Server struct {
	Addr string // 127.0.0.1:port

	t    testing.TB
	bin  string
	port int
	mu   sync.Mutex
	cmd  *exec.Cmd
}

// URL is the redis:// URL of the server.
func (s *Server) URL() string { return "redis://" + s.Addr }

// Start runs a redis-server without persistence on a free loopback port
// and stops it when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("redis-server not found on PATH; .ci/run installs it (apt-get install redis-server)")
		}
		t.Skip("redis-server not found on PATH: install it (apt-get install redis-server) to run the cluster tests")
	}
	s := &Server{t: t, bin: bin, port: freePort(t)}
	s.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port))
	s.start()
	t.Cleanup(s.Stop)
	return s
}

func freePort(t testing.TB) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func (s *Server) start() {
	s.t.Helper()
	cmd := exec.Command(s.bin, "--bind", "127.0.0.1", "--port", strconv.Itoa(s.port),
		"--save", "", "--appendonly", "no", "--protected-mode", "yes", "--dir", s.t.TempDir())
	out, err := cmd.StdoutPipe()
	if err != nil {
		s.t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		s.t.Fatalf("start redis-server: %v", err)
	}
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(out)
		once := sync.Once{}
		for sc.Scan() {
			if strings.Contains(sc.Text(), "Ready to accept connections") {
				once.Do(func() { close(ready) })
			}
		}
	}()
	select {
	case <-ready:
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		s.t.Fatalf("redis-server on %s did not become ready in 30 s", s.Addr)
	}
	s.mu.Lock()
	s.cmd = cmd
	s.mu.Unlock()
}

// Stop kills the server (as a crash would) and waits for it to exit.
// Stopping a stopped server does nothing.
func (s *Server) Stop() {
	s.mu.Lock()
	cmd := s.cmd
	s.cmd = nil
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
}

// Restart starts a stopped server again on the same port, empty.
func (s *Server) Restart() {
	s.t.Helper()
	s.Stop()
	s.start()
}

// String names the server in test logs.
func (s *Server) String() string { return fmt.Sprintf("redis-server %s", s.Addr) }
