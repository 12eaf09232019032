package main

import (
	"strings"
	"testing"
)

func TestPreviewEditLoopbackOnly(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"preview", "--edit", "--addr", "0.0.0.0:0"}, exitUsage, "--edit listens on loopback only; 0.0.0.0:0 is not"},
		{[]string{"preview", "--edit", "--addr", "192.0.2.1:8090"}, exitUsage, "--edit listens on loopback only"},
		{[]string{"preview", "--edit", "--addr", "nonsense"}, exitUsage, "--edit listens on loopback only"},
	} {
		code, _, errs := runCLI(t, "", tc.args...)
		if code != tc.code || !strings.Contains(errs, tc.want) {
			t.Errorf("%v: code %d, stderr %q; want %d with %q", tc.args, code, errs, tc.code, tc.want)
		}
	}
	for _, tc := range []struct {
		addr string
		want bool
	}{{"127.0.0.1:8090", true}, {"localhost:1", true}, {"[::1]:0", true}, {":8090", false}, {"0.0.0.0:1", false}} {
		if got := loopbackListen(tc.addr); got != tc.want {
			t.Errorf("loopbackListen(%q) = %v, want %v", tc.addr, got, tc.want)
		}
	}
}
