package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/haibao/haibao/preview"
)

func runPreview(ctx context.Context, sio stdio, args []string) int {
	fl := flag.NewFlagSet("preview", flag.ContinueOnError)
	fl.SetOutput(sio.err)
	dir := fl.String("layouts", "layouts", "layouts folder to show and watch")
	addr := fl.String("addr", "127.0.0.1:8090", "listen address")
	fl.Usage = func() {
		fmt.Fprintln(sio.err, "usage: haibao preview [--layouts DIR] [--addr 127.0.0.1:8090]")
		fl.PrintDefaults()
	}
	if code, done := parseFlags(fl, args); done {
		return code
	}
	log := slog.New(slog.NewTextHandler(sio.err, nil))
	engine, err := newEngine(sio)
	if err != nil {
		return fail(sio, err)
	}
	p, err := preview.New(preview.Config{Dir: *dir, Engine: engine, Logger: log})
	if err != nil {
		return fail(sio, err)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fail(sio, err)
	}
	hs := &http.Server{Handler: p.Handler(), ReadHeaderTimeout: 10 * time.Second}
	log.Info("preview ready; saved changes show up at once", "url", "http://"+ln.Addr().String()+"/", "layouts", *dir)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		if err := p.Run(ctx); err != nil {
			log.Error("watching stopped", "err", err)
		}
	}()
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return fail(sio, err)
	case <-ctx.Done():
	}
	sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer scancel()
	// Event streams never end by themselves; close them with the server.
	if err := hs.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) && !errors.Is(err, context.DeadlineExceeded) {
		return fail(sio, err)
	}
	return exitOK
}
