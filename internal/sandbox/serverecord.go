package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"
)

// serveRecordName is where a running `sandbox serve` writes its addresses,
// so `sandbox status` (another process) can report them.
const serveRecordName = "sandbox-serve.json"

// ServeRecord describes a running `sandbox serve`.
type ServeRecord struct {
	PID      int       `json:"pid"`
	HTTPAddr string    `json:"http_addr"`
	SIPAddr  string    `json:"sip_addr,omitempty"`
	Started  time.Time `json:"started"`
}

// APIURL is the base URL a profile's api_url takes to reach the server.
func (r ServeRecord) APIURL() string { return "http://" + r.HTTPAddr }

// WriteServeRecord records a running server in dir (0600, replaced atomically).
func WriteServeRecord(dir string, r ServeRecord) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, serveRecordName+".*")
	if err != nil {
		return fmt.Errorf("recording the server's addresses: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), filepath.Join(dir, serveRecordName))
}

// RemoveServeRecord removes the record if it is still the one pid wrote.
func RemoveServeRecord(dir string, pid int) {
	if r, err := readServeRecord(dir); err == nil && r.PID == pid {
		os.Remove(filepath.Join(dir, serveRecordName))
	}
}

// RunningServer returns the record of a `sandbox serve` that answers on its
// recorded HTTP address, or ok=false when none does (a record left by a
// killed server is ignored).
func RunningServer(dir string) (r ServeRecord, ok bool) {
	r, err := readServeRecord(dir)
	if err != nil || r.HTTPAddr == "" {
		return r, false
	}
	c, err := net.DialTimeout("tcp", r.HTTPAddr, 500*time.Millisecond)
	if err != nil {
		return r, false
	}
	c.Close()
	return r, true
}

func readServeRecord(dir string) (ServeRecord, error) {
	var r ServeRecord
	b, err := os.ReadFile(filepath.Join(dir, serveRecordName))
	if err != nil {
		return r, err
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return r, errors.New("unreadable serve record")
	}
	return r, nil
}
