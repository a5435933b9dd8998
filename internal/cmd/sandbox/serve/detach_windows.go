package serve

import "syscall"

// detached: a background serve on Windows outlives its console's parent as it is.
func detached() *syscall.SysProcAttr { return nil }
