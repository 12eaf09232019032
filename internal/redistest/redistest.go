// Package redistest starts private redis-server processes on loopback
// ports for tests: one server, a Redis Cluster or a Sentinel watching a
// master, so the cluster code is tested against the real server rather
// than an imitation. Outside CI a missing redis-server (or redis-cli, for
// a cluster) skips the test; with CI=true it fails it, because CI installs
// them (.ci/run).
package redistest

import (
	"bytes"
	"errors"
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

// startTimeout bounds how long a process may take to say it is ready; it
// is generous because a busy 2-core machine under -race is slow.
const startTimeout = 60 * time.Second

// Server is one running redis-server (or redis-sentinel).
type Server struct {
	Addr string // 127.0.0.1:port

	t    testing.TB
	bin  string
	port int
	// args builds the command line for a start on port; asked again at
	// every start, so a retry on another port gets fresh files.
	args  func(port int) []string
	ready string // the log line that says it is ready
	mu    sync.Mutex
	proc  *process
}

// URL is the redis:// URL of the server.
func (s *Server) URL() string { return "redis://" + s.Addr }

// Start runs a redis-server without persistence on a free loopback port
// and stops it when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	return startServer(t, lookPath(t, "redis-server"), serverReady, plainArgs(t))
}

// lookPath finds a Redis binary, skipping the test outside CI when it is
// missing.
func lookPath(t testing.TB, name string) string {
	t.Helper()
	bin, err := exec.LookPath(name)
	if err == nil {
		return bin
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s not found on PATH; .ci/run installs it (apt-get install redis-server)", name)
	}
	t.Skipf("%s not found on PATH: install it (apt-get install redis-server) to run the cluster tests", name)
	return ""
}

// plainArgs is a server without persistence, listening on loopback only.
func plainArgs(t testing.TB, extra ...string) func(port int) []string {
	return func(port int) []string {
		return append([]string{"--bind", "127.0.0.1", "--port", strconv.Itoa(port),
			"--save", "", "--appendonly", "no", "--protected-mode", "yes", "--dir", t.TempDir()}, extra...)
	}
}

// serverReady is what redis-server logs once it takes connections.
const serverReady = "Ready to accept connections"

func startServer(t testing.TB, bin, ready string, args func(port int) []string) *Server {
	t.Helper()
	s := &Server{t: t, bin: bin, args: args, ready: ready}
	// A free port found here may be taken by another test process before
	// the server binds it; then the server exits and another port is tried.
	for attempt := 1; ; attempt++ {
		s.port = freePort(t)
		s.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port))
		err := s.start()
		if err == nil {
			break
		}
		if !errors.Is(err, errExited) || attempt == 3 {
			t.Fatal(err)
		}
		t.Logf("%v; trying another port", err)
	}
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

var errExited = errors.New("exited before it was ready")

// process is a started redis-server and the end of its output.
type process struct {
	cmd  *exec.Cmd
	out  *watcher
	done chan struct{} // closed when the process has exited
}

func (s *Server) start() error {
	w := &watcher{want: []byte(s.ready), ready: make(chan struct{})}
	cmd := exec.Command(s.bin, s.args(s.port)...)
	cmd.Stdout, cmd.Stderr = w, w
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", s.bin, err)
	}
	p := &process{cmd: cmd, out: w, done: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		close(p.done)
	}()
	select {
	case <-w.ready:
	case <-p.done:
		return fmt.Errorf("%s on %s %w: %s", s.bin, s.Addr, errExited, w.tail())
	case <-time.After(startTimeout):
		p.kill()
		return fmt.Errorf("%s on %s not ready in %v: %s", s.bin, s.Addr, startTimeout, w.tail())
	}
	s.mu.Lock()
	s.proc = p
	s.mu.Unlock()
	return nil
}

func (p *process) kill() {
	_ = p.cmd.Process.Kill()
	<-p.done
}

// Stop kills the server (as a crash would) and waits for it to exit.
// Stopping a stopped server does nothing.
func (s *Server) Stop() {
	s.mu.Lock()
	p := s.proc
	s.proc = nil
	s.mu.Unlock()
	if p != nil {
		p.kill()
	}
}

// Restart starts a stopped server again on the same port, empty.
func (s *Server) Restart() {
	s.t.Helper()
	s.Stop()
	if err := s.start(); err != nil {
		s.t.Fatal(err)
	}
}

// String names the server in test logs.
func (s *Server) String() string { return fmt.Sprintf("redis-server %s", s.Addr) }

// watcher takes a process's output: it closes ready at the first line
// holding want and keeps the last few KB for error messages.
type watcher struct {
	want  []byte
	ready chan struct{}

	mu   sync.Mutex
	buf  []byte
	seen bool
}

const keepOutput = 4 << 10

func (w *watcher) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	if !w.seen && bytes.Contains(w.buf, w.want) {
		w.seen = true
		close(w.ready)
	}
	// Keep enough to find want across two writes, and the end of the log.
	if len(w.buf) > 2*keepOutput {
		w.buf = append(w.buf[:0], w.buf[len(w.buf)-keepOutput:]...)
	}
	return len(p), nil
}

func (w *watcher) tail() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return strings.TrimSpace(string(w.buf))
}
