package rotate

import (
	"errors"
	"net"
	"syscall"
)

// isNetErr reports a transport failure (connection refused or reset, DNS,
// timeout) as opposed to an answer from the provider.
func isNetErr(err error) bool {
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED)
}
