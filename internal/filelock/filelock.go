// Package filelock is an exclusive advisory lock on a file (flock(2), or
// LockFileEx on Windows): the kernel releases it when the process dies, so
// a killed run never leaves a stale lock and nothing guesses about one.
package filelock

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"time"
)

// Lock is a held lock.
type Lock struct{ f *os.File }

// ErrBusy is TryLock's answer when another process holds the lock.
var ErrBusy = errors.New("the lock is held by another process")

func open(path string) (*os.File, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	return os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
}

// TryLock takes the lock on path (created 0600 when missing) without
// waiting; ErrBusy when another process holds it.
func TryLock(path string) (*Lock, error) {
	f, err := open(path)
	if err != nil {
		return nil, err
	}
	if err := lockFile(f); err != nil {
		f.Close()
		if errors.Is(err, errWouldBlock) {
			return nil, ErrBusy
		}
		return nil, err
	}
	return &Lock{f: f}, nil
}

// Wait takes the lock, waiting as long as ctx allows. waiting, when set,
// is called once if the lock is busy, before the wait (to say so on a
// terminal).
func Wait(ctx context.Context, path string, waiting func()) (*Lock, error) {
	told := false
	for {
		l, err := TryLock(path)
		if !errors.Is(err, ErrBusy) {
			return l, err
		}
		if !told && waiting != nil {
			waiting()
			told = true
		}
		t := time.NewTimer(5 * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
	}
}

// File is the open lock file (a run writes its holder into it).
func (l *Lock) File() *os.File { return l.f }

// Unlock releases the lock; the file stays, so that a process waiting on
// it and one arriving later lock the same file.
func (l *Lock) Unlock() {
	if l != nil && l.f != nil {
		unlockFile(l.f)
		l.f.Close()
		l.f = nil
	}
}
