//go:build !(linux || darwin || freebsd)

package storage

import "os"

const (
	digestAttr = ""
	etagAttr   = ""
)

func setAttr(*os.File, string, string) {}

func getAttr(*os.File, string) string { return "" }
