package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// slowPost opens a connection and sends a POST whose body comes at one
// byte a second; it returns the connection and a channel that receives
// the status line the server answers with ("" if it closed without one).
func slowPost(t *testing.T, addr, path string) (net.Conn, <-chan string) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer e2e-key\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{", path)
	go func() {
		for {
			time.Sleep(time.Second)
			if _, err := conn.Write([]byte(" ")); err != nil {
				return
			}
		}
	}()
	status := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(conn).ReadString('\n')
		status <- strings.TrimSpace(line)
	}()
	return conn, status
}

// waitFor polls cond with a generous limit: slow machines only make it
// take longer, never fail.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for range 2000 {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

// TestShutdownEndsSlowBodies: a client sending its body at 1 byte/s does
// not hold the shutdown for the grace period; its handler sees the read
// fail and answers.
func TestShutdownEndsSlowBodies(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	reading := make(chan struct{}, 1)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reading <- struct{}{}
		if _, err := io.ReadAll(r.Body); err != nil {
			http.Error(w, "body: "+err.Error(), http.StatusRequestTimeout)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	cfg := defaultHTTPConfig()
	cfg.Grace = 10 * time.Minute // far longer than any test run
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serveUntil(ctx, ln, h, cfg) }()
	_, status := slowPost(t, ln.Addr().String(), "/")
	<-reading
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serveUntil: %v", err)
		}
	case <-time.After(5 * time.Minute):
		t.Fatal("shutdown waited on the slow body")
	}
	if got := <-status; got != "HTTP/1.1 408 Request Timeout" {
		t.Errorf("slow client got %q", got)
	}
}

// TestBodyDeadline: a body that does not arrive within BodyTimeout fails,
// and once a body has arrived its deadline no longer applies: a handler
// that works longer than BodyTimeout keeps its context.
func TestBodyDeadline(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	// Long enough that a busy machine still sends a small body in time.
	const timeout = time.Second
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.ReadAll(r.Body); err != nil {
			http.Error(w, "body", http.StatusRequestTimeout)
			return
		}
		// Work past the body deadline, as a slow render does.
		time.Sleep(timeout + timeout/2)
		if r.Context().Err() != nil {
			http.Error(w, "context ended", http.StatusInternalServerError)
			return
		}
		io.WriteString(w, "ok")
	})
	cfg := defaultHTTPConfig()
	cfg.BodyTimeout = timeout
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go serveUntil(ctx, ln, h, cfg)
	base := "http://" + ln.Addr().String()
	for _, body := range []io.Reader{strings.NewReader(`{"a": 1}`), io.MultiReader(strings.NewReader(`{"a"`), strings.NewReader(`: 1}`))} {
		resp, err := http.Post(base, "application/json", body)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(b) != "ok" {
			t.Errorf("%d %s", resp.StatusCode, b)
		}
	}
	_, status := slowPost(t, ln.Addr().String(), "/")
	if got := <-status; got != "HTTP/1.1 408 Request Timeout" {
		t.Errorf("slow body got %q", got)
	}
}
