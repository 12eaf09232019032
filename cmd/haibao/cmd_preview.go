package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime"

	"github.com/haibao/haibao/editor"
	"github.com/haibao/haibao/preview"
)

func runPreview(ctx context.Context, sio stdio, args []string) int {
	fl := flag.NewFlagSet("preview", flag.ContinueOnError)
	fl.SetOutput(sio.err)
	dir := fl.String("layouts", "layouts", "layouts folder to show and watch")
	addr := fl.String("addr", "127.0.0.1:8090", "listen address")
	edit := fl.Bool("edit", false, "also serve the visual editor at /edit/, which writes the layout files")
	allowRemote := fl.Bool("allow-remote-edit", false, "with --edit, listen on and accept non-loopback addresses")
	fl.Usage = func() {
		fmt.Fprintln(sio.err, "usage: haibao preview [--layouts DIR] [--addr 127.0.0.1:8090] [--edit [--allow-remote-edit]]")
		fl.PrintDefaults()
	}
	if code, done := parseFlags(fl, args); done {
		return code
	}
	if *edit && !*allowRemote && !loopbackListen(*addr) {
		fmt.Fprintf(sio.err, "haibao preview: --edit listens on loopback only; %s is not (add --allow-remote-edit to share the editor)\n", *addr)
		return exitUsage
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
	var h http.Handler = p.Handler()
	if *edit {
		ed, err := editor.New(editor.Config{Dir: *dir, Engine: engine, Logger: log, AllowRemote: *allowRemote})
		if err != nil {
			return fail(sio, err)
		}
		mux := http.NewServeMux()
		mux.Handle("/edit/", http.StripPrefix("/edit", ed.Handler()))
		mux.Handle("/", h)
		h = mux
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fail(sio, err)
	}
	log.Info("preview ready; saved changes show up at once", "url", "http://"+ln.Addr().String()+"/", "layouts", *dir)
	if *edit {
		log.Info("editor ready; every change is saved into the layout file", "url", "http://"+ln.Addr().String()+"/edit/")
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		if err := p.Run(ctx); err != nil {
			log.Error("watching stopped", "err", err)
		}
	}()
	// Event streams end when the watcher stops with ctx, so shutdown is quick.
	if err := serveUntil(ctx, ln, h, shortGrace()); err != nil {
		return fail(sio, err)
	}
	return exitOK
}

// loopbackListen reports an address that only this machine can reach.
func loopbackListen(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
