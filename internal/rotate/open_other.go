//go:build !unix

package rotate

import "os"

func openNonBlocking(path string) (*os.File, error) { return os.Open(path) }
