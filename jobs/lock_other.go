//go:build !unix

package jobs

// lockDir cannot lock here; run one process per jobs folder.
func lockDir(dir string) (func(), error) { return func() {}, nil }
