//go:build !windows

package serve

import "syscall"

// detached puts a background serve in a session of its own, so the
// terminal's Ctrl-C and the shell's exit do not stop it.
func detached() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setsid: true} }
