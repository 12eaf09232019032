//go:build linux || darwin || freebsd

package storage

import (
	"os"

	"golang.org/x/sys/unix"
)

const (
	digestAttr = "user.haibao.digest"
	etagAttr   = "user.haibao.etag"
)

// setAttr is best effort: without extended attributes a resumed run
// renders a named poster again instead of skipping it, and Stat hashes
// the file for its ETag.
func setAttr(f *os.File, name, value string) {
	_ = unix.Fsetxattr(int(f.Fd()), name, []byte(value), 0)
}

func getAttr(f *os.File, name string) string {
	buf := make([]byte, 128)
	n, err := unix.Fgetxattr(int(f.Fd()), name, buf)
	if err != nil || n <= 0 {
		return ""
	}
	return string(buf[:n])
}
