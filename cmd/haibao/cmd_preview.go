package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"runtime"
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
	gates, err := preview.NewGates(runtime.GOMAXPROCS(0))
	if err != nil {
		return fail(sio, err)
	}
	pcfg := preview.DefaultConfig()
	pcfg.Dir, pcfg.Engine, pcfg.Logger, pcfg.Admission = *dir, engine, log, gates
	p, err := preview.New(pcfg)
	if err != nil {
		return fail(sio, err)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fail(sio, err)
	}
	log.Info("preview ready; saved changes show up at once", "url", "http://"+ln.Addr().String()+"/", "layouts", *dir)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		if err := p.Run(ctx); err != nil {
			log.Error("watching stopped", "err", err)
		}
	}()
	// Event streams end when the watcher stops with ctx, so shutdown is quick.
	if err := serveUntil(ctx, ln, p.Handler(), 5*time.Second); err != nil {
		return fail(sio, err)
	}
	return exitOK
}
