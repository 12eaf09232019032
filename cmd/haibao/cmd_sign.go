package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/haibao/haibao/signurl"
)

func runSign(ctx context.Context, sio stdio, args []string) int {
	fl := flag.NewFlagSet("sign", flag.ContinueOnError)
	fl.SetOutput(sio.err)
	layout := fl.String("layout", "", "layout name")
	data := fl.String("data", "", "JSON data file, or - for stdin")
	ttl := fl.Duration("ttl", 24*time.Hour, "how long the URL works")
	base := fl.String("base", envOr(sio, "HAIBAO_PUBLIC_URL", "http://127.0.0.1:8080"), "service URL the link points at (HAIBAO_PUBLIC_URL)")
	format := fl.String("format", "png", "png, jpg or webp")
	fl.Usage = func() {
		fmt.Fprintln(sio.err, "usage: haibao sign --layout L --data FILE [--ttl 24h] [--base URL] [--format png]   (key: HAIBAO_SIGNING_KEYS)")
		fl.PrintDefaults()
	}
	if code, done := parseFlags(fl, args); done {
		return code
	}
	if *layout == "" || *data == "" {
		return usageError(sio, fl, "--layout and --data are required")
	}
	if *ttl <= 0 {
		return usageError(sio, fl, "--ttl must be positive")
	}
	if extFormat := map[string]bool{"png": true, "jpg": true, "webp": true}; !extFormat[*format] {
		return usageError(sio, fl, "--format must be png, jpg or webp")
	}
	keys, err := signurl.ParseKeys(sio.getenv("HAIBAO_SIGNING_KEYS"))
	if err != nil {
		return fail(sio, fmt.Errorf("HAIBAO_SIGNING_KEYS: %w", err))
	}
	if len(keys) == 0 {
		return fail(sio, errors.New("no signing key: set HAIBAO_SIGNING_KEYS (comma-separated; the first one signs)"))
	}
	values, err := readData(sio, *data)
	if err != nil {
		return fail(sio, err)
	}
	u, err := signurl.URL(*base, keys[0], *layout, *format, values, time.Now().Add(*ttl))
	if err != nil {
		return fail(sio, err)
	}
	fmt.Fprintln(sio.out, u)
	return exitOK
}
