package filelock

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
)

// A held lock is busy for every other open of the file (flock is per open
// file, so this holds within one process too); Wait says it waits, gives
// up when its context ends, and takes the lock once it is released.
func TestLockWaitAndRelease(t *testing.T) {
	path := filepath.Join(t.TempDir(), "h.json.lock")
	l, err := TryLock(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := TryLock(path); !errors.Is(err, ErrBusy) {
		t.Fatalf("second lock: %v, want ErrBusy", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	told := 0
	waited := make(chan error, 1)
	go func() {
		_, err := Wait(ctx, path, func() { told++; cancel() })
		waited <- err
	}()
	if err := <-waited; !errors.Is(err, context.Canceled) || told != 1 {
		t.Fatalf("wait: %v, told %d", err, told)
	}
	l.Unlock()
	l2, err := Wait(context.Background(), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	l2.Unlock()
}
