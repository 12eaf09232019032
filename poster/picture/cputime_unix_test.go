//go:build unix

package picture

import "syscall"

// cpuTime is the process's user and system CPU time in nanoseconds: on a
// busy shared machine it says more about an encoder than wall time does.
func cpuTime() int64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
