package custody

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/sipctl/sipctl/internal/journal"
)

// fileLock is an flock(2) lock on a file: released by the kernel when the
// process dies, so a killed run never leaves a stale lock.
type fileLock struct{ f *os.File }

func openLockFile(path string) (*os.File, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	return os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
}

// tryLock takes the lock without waiting; ok is false when another process
// holds it.
func tryLock(path string) (l *fileLock, ok bool, err error) {
	f, err := openLockFile(path)
	if err != nil {
		return nil, false, err
	}
	if err := lockFile(f); err != nil {
		f.Close()
		if errors.Is(err, errWouldBlock) {
			return nil, false, nil
		}
		return nil, false, err
	}
	return &fileLock{f: f}, true, nil
}

// waitLock takes the lock, waiting up to d.
func waitLock(path string, d time.Duration) (*fileLock, error) {
	deadline := time.Now().Add(d)
	for {
		l, ok, err := tryLock(path)
		if err != nil || ok {
			return l, err
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("the lock %s is still held after %s", path, d)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (l *fileLock) unlock() {
	if l != nil && l.f != nil {
		unlockFile(l.f)
		l.f.Close()
		l.f = nil
	}
}

// Holder describes the process running a run, written into its lock file.
type Holder struct {
	Run     string    `json:"run"`
	PID     int       `json:"pid"`
	Command string    `json:"command"`
	Started time.Time `json:"started"`
}

func (h Holder) String() string {
	return fmt.Sprintf("run %s (%s, pid %d, started %s)", h.Run, h.Command, h.PID, h.Started.Local().Format("15:04:05"))
}

func (c *Custodian) dir() string        { return filepath.Join(c.StateDir, "custody") }
func (c *Custodian) ledgerLock() string { return filepath.Join(c.dir(), "ledger.lock") }
func (c *Custodian) runLock(run string) string {
	return filepath.Join(c.dir(), "runs", run+".lock")
}
func (c *Custodian) journalDir() string { return journal.Dir(c.StateDir) }

// lockRun takes a run's lock for this process and records who holds it.
func (c *Custodian) lockRun(run, command string) (*fileLock, *Holder, error) {
	path := c.runLock(run)
	l, ok, err := tryLock(path)
	if err != nil {
		return nil, nil, fmt.Errorf("locking run %s: %w", run, err)
	}
	if !ok {
		h := c.holder(run)
		return nil, &h, nil
	}
	h := Holder{Run: run, PID: os.Getpid(), Command: command, Started: time.Now().UTC()}
	b, _ := json.Marshal(h)
	l.f.Truncate(0)
	if _, err := l.f.WriteAt(append(b, '\n'), 0); err != nil {
		l.unlock()
		return nil, nil, fmt.Errorf("writing the lock of run %s: %w", run, err)
	}
	return l, nil, nil
}

// holder reads who holds a run's lock.
func (c *Custodian) holder(run string) Holder {
	h := Holder{Run: run}
	if b, err := os.ReadFile(c.runLock(run)); err == nil {
		json.Unmarshal(b, &h)
	}
	if h.Command == "" {
		h.Command = "sipctl"
	}
	return h
}

// live reports whether a process holds the run's lock now.
func (c *Custodian) live(run string) bool {
	l, ok, err := tryLock(c.runLock(run))
	if err != nil {
		return false
	}
	if ok {
		l.unlock()
		return false
	}
	return true
}

// releaseRun drops a run's lock and its file.
func (c *Custodian) releaseRun(l *fileLock, run string) {
	if l == nil {
		return
	}
	os.Remove(c.runLock(run))
	l.unlock()
}
