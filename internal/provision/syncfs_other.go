//go:build !linux

package provision

// syncFS is not available: each file is synced on its own.
func syncFS(string) (bool, error) { return false, nil }

const haveSyncFS = false
