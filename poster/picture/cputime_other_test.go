//go:build !unix

package picture

func cpuTime() int64 { return 0 }
