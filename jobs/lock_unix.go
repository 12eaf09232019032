//go:build unix

package jobs

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// lockDir takes the jobs folder for this process: two processes running
// the same jobs would run each job twice.
func lockDir(dir string) (func(), error) {
	f, err := os.OpenFile(filepath.Join(dir, ".lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("%w: %s (give each instance its own HAIBAO_JOBS_DIR)", ErrDirInUse, dir)
	}
	return func() { f.Close() }, nil
}
