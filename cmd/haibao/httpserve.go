package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// httpConfig bounds how long one client may take, so a slow client costs
// a connection for a bounded time and cannot hold a shutdown.
//
// There is deliberately no whole-request ReadTimeout: net/http keeps it as
// the connection's read deadline while the handler runs, and when it
// passes, the connection's background read cancels the request context —
// of a slow render or of the preview's event stream. The body deadline is
// set per request instead and lifted once the body has arrived.
type httpConfig struct {
	ReadHeaderTimeout time.Duration // request line and headers
	BodyTimeout       time.Duration // the whole body of one request
	IdleTimeout       time.Duration // a kept-alive connection between requests
	MaxHeaderBytes    int           // request line and headers; signed URLs carry their data here
	Grace             time.Duration // shutdown: the longest wait for requests in flight
}

func defaultHTTPConfig() httpConfig {
	return httpConfig{
		ReadHeaderTimeout: 10 * time.Second,
		BodyTimeout:       10 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    64 << 10,
		Grace:             30 * time.Second,
	}
}

// shortGrace is the HTTP config of the development servers (preview,
// fake WeChat), whose requests are quick.
func shortGrace() httpConfig {
	c := defaultHTTPConfig()
	c.Grace = 5 * time.Second
	return c
}

// Validate checks c; it changes nothing.
func (c httpConfig) Validate() error {
	if c.ReadHeaderTimeout <= 0 || c.BodyTimeout <= 0 || c.IdleTimeout <= 0 || c.MaxHeaderBytes <= 0 || c.Grace <= 0 {
		return errors.New("http: timeouts, header limit and grace must be positive")
	}
	return nil
}

// serveUntil serves h on ln until ctx ends, then shuts down: bodies still
// being received fail at once (their handlers answer and the connections
// close), and the other requests in flight get up to c.Grace to finish.
func serveUntil(ctx context.Context, ln net.Listener, h http.Handler, c httpConfig) error {
	bodies := newBodyWatch(c.BodyTimeout)
	hs := &http.Server{
		Handler:           bodies.wrap(h),
		ReadHeaderTimeout: c.ReadHeaderTimeout,
		IdleTimeout:       c.IdleTimeout,
		MaxHeaderBytes:    c.MaxHeaderBytes,
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), c.Grace)
	defer cancel()
	bodies.stop()
	err := hs.Shutdown(sctx)
	if errors.Is(err, context.DeadlineExceeded) {
		hs.Close()
		return fmt.Errorf("shutdown: requests still running after %s were cut off", c.Grace)
	}
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// bodyWatch gives each request body a read deadline and knows which
// bodies are still arriving, so shutdown can end them.
type bodyWatch struct {
	timeout time.Duration

	mu       sync.Mutex
	stopping bool
	reading  map[*watchedBody]struct{}
}

func newBodyWatch(timeout time.Duration) *bodyWatch {
	return &bodyWatch{timeout: timeout, reading: map[*watchedBody]struct{}{}}
}

func (w *bodyWatch) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
			h.ServeHTTP(rw, r)
			return
		}
		b := &watchedBody{ReadCloser: r.Body, watch: w, rc: http.NewResponseController(rw), left: r.ContentLength}
		w.start(b)
		// Deadlines may only be changed while the handler runs.
		defer w.forget(b)
		r.Body = b
		h.ServeHTTP(rw, r)
	})
}

func (w *bodyWatch) start(b *watchedBody) {
	w.mu.Lock()
	defer w.mu.Unlock()
	deadline := time.Now().Add(w.timeout)
	if w.stopping {
		deadline = time.Now()
	}
	_ = b.rc.SetReadDeadline(deadline) // not supported only for HTTP/2, which this server does not speak
	w.reading[b] = struct{}{}
}

// arrived lifts the deadline of a body that was received in full, so it
// cannot cut the connection (and the request context) during the render.
func (w *bodyWatch) arrived(b *watchedBody) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, ok := w.reading[b]; ok {
		delete(w.reading, b)
		_ = b.rc.SetReadDeadline(time.Time{})
	}
}

// forget drops b when its handler returns. A body that did not arrive in
// full keeps its deadline, which bounds net/http's draining of the rest.
func (w *bodyWatch) forget(b *watchedBody) {
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.reading, b)
}

// stop fails every body still arriving, and every body that starts later.
func (w *bodyWatch) stop() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.stopping = true
	now := time.Now()
	for b := range w.reading {
		_ = b.rc.SetReadDeadline(now)
	}
}

type watchedBody struct {
	io.ReadCloser
	watch *bodyWatch
	rc    *http.ResponseController
	left  int64 // bytes still due when the length is known, else -1
}

func (b *watchedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if b.left > 0 {
		b.left -= int64(n)
	}
	// With a known length the last byte is the end: decoders stop there
	// without reading to io.EOF.
	if err == io.EOF || (err == nil && b.left == 0) {
		b.watch.arrived(b)
	}
	return n, err
}
