//go:build linux || darwin || freebsd

package storage

import (
	"os"

	"golang.org/x/sys/unix"
)

const digestAttr = "user.haibao.digest"

// setDigest is best effort: without extended attributes a resumed run
// renders a named poster again instead of skipping it.
func setDigest(f *os.File, digest string) {
	_ = unix.Fsetxattr(int(f.Fd()), digestAttr, []byte(digest), 0)
}

func getDigest(f *os.File) string {
	buf := make([]byte, 128)
	n, err := unix.Fgetxattr(int(f.Fd()), digestAttr, buf)
	if err != nil || n <= 0 {
		return ""
	}
	return string(buf[:n])
}
