// Package audit appends a record of every credential change (create, rotate,
// delete) to a JSON-lines file, so a reseller can answer "who changed this
// account's password, and when" without the log ever holding a secret.
package audit

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/sipctl/sipctl/internal/redact"
)

// Actions and outcomes as written to the log.
const (
	ActionCreate = "create"
	ActionRotate = "rotate"
	ActionDelete = "delete"

	OutcomeOK     = "ok"
	OutcomeFailed = "failed"
)

// Entry is one line of the audit log. It has no field for a password, and
// Error must be a message that holds none (provider errors never echo one).
type Entry struct {
	Time       time.Time `json:"time"`
	Profile    string    `json:"profile,omitempty"`
	AccountSID string    `json:"account_sid,omitempty"`
	SID        string    `json:"sid,omitempty"`
	Username   string    `json:"username,omitempty"`
	Action     string    `json:"action"`
	Outcome    string    `json:"outcome"`
	Error      string    `json:"error,omitempty"`
}

// Log is an open audit log, safe for concurrent use by goroutines; several
// processes may append at once because each entry is one O_APPEND write.
type Log struct {
	mu   sync.Mutex
	f    *os.File
	path string
}

// DefaultPath is audit.log in sipctl's state directory.
func DefaultPath() string {
	return filepath.Join(stateDir(), "audit.log")
}

// Open opens (creating if needed) the audit log at path, mode 0600 in a 0700
// directory.
func Open(path string) (*Log, error) {
	if path == "" {
		path = DefaultPath()
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("creating the audit log's directory: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening the audit log: %w (set another place with --audit-log)", err)
	}
	// A log created by an older version or by hand may be wider; it names
	// accounts, so keep it private.
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return nil, fmt.Errorf("restricting the audit log to mode 0600: %w", err)
	}
	return &Log{f: f, path: path}, nil
}

// Path is where the log is written.
func (l *Log) Path() string { return l.path }

// Record appends one entry; a zero Time is set to now.
func (l *Log) Record(e Entry) error {
	e.Error = redact.Line(e.Error) // whatever a server echoed: no secret, no control character
	if l == nil {
		return errors.New("audit log is not open")
	}
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	e.Time = e.Time.UTC()
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	b = append(b, '\n')
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return errors.New("audit log is closed")
	}
	if _, err := l.f.Write(b); err != nil {
		return fmt.Errorf("writing the audit log: %w", err)
	}
	return nil
}

// Close flushes the log to disk and closes it.
func (l *Log) Close() error {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return nil
	}
	serr := l.f.Sync()
	cerr := l.f.Close()
	l.f = nil
	return errors.Join(serr, cerr)
}
