package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
)

// runSchema prints the JSON Schema of a layout's data, for apps that
// generate types from it.
func runSchema(ctx context.Context, sio stdio, args []string) int {
	fl := flag.NewFlagSet("schema", flag.ContinueOnError)
	fl.SetOutput(sio.err)
	layout := fl.String("layout", "", "layout name (in --layouts) or path to a .yaml file")
	dir := fl.String("layouts", "", "layouts folder (default: ./layouts when present, else the embedded samples)")
	fl.Usage = func() {
		fmt.Fprintln(sio.err, "usage: haibao schema --layout NAME|PATH [--layouts DIR]")
		fmt.Fprintln(sio.err, "Prints the JSON Schema (2020-12) of the data the layout takes.")
		fl.PrintDefaults()
	}
	if code, done := parseFlags(fl, args); done {
		return code
	}
	if *layout == "" {
		return usageError(sio, fl, "--layout is required")
	}
	engine, err := newEngine(sio)
	if err != nil {
		return fail(sio, err)
	}
	l, folder, err := loadLayout(engine, *layout, *dir)
	if err != nil {
		return fail(sio, prefixProblems(err, folder))
	}
	b, err := json.MarshalIndent(l.DataSchema(), "", "  ")
	if err != nil {
		return fail(sio, err)
	}
	fmt.Fprintf(sio.out, "%s\n", b)
	return exitOK
}
