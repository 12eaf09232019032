// Package atomicfile writes files so that readers see either the old
// content or the whole new content, never half of it.
package atomicfile

import (
	"io"
	"os"
	"path/filepath"
)

// Write creates path with what write produces: it writes a temporary file in
// the same folder, syncs it and renames it into place. On any error the
// temporary file is removed and path is left as it was.
func Write(path string, perm os.FileMode, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), perm); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
