//go:build unix

package handover

import (
	"os"
	"syscall"
)

// openNonBlocking opens path for reading without waiting for a writer (a
// FIFO) or a carrier (a device).
func openNonBlocking(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
}
