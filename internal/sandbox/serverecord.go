package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sort"
	"syscall"
	"time"
)

// A running `sandbox serve` records its addresses in the state directory so
// `sandbox status`, `--verify` and `accounts check` (other processes) can
// find it. Each server has its own record, named by its process and HTTP
// port, so several servers on one database are tracked independently: one
// stopping never hides another that still runs.
const (
	serveRecordPrefix = "sandbox-serve-"
	// legacyServeRecord is the single record older versions wrote.
	legacyServeRecord = "sandbox-serve.json"
)

// ServeRecord describes a running `sandbox serve`.
type ServeRecord struct {
	PID      int       `json:"pid"`
	HTTPAddr string    `json:"http_addr"`
	SIPAddr  string    `json:"sip_addr,omitempty"`
	Started  time.Time `json:"started"`
}

// APIURL is the base URL a profile's api_url takes to reach the server.
func (r ServeRecord) APIURL() string { return "http://" + r.HTTPAddr }

func (r ServeRecord) fileName() string {
	_, port, _ := net.SplitHostPort(r.HTTPAddr)
	return fmt.Sprintf("%s%d-%s.json", serveRecordPrefix, r.PID, port)
}

// WriteServeRecord records a running server in dir (0600, replaced atomically).
func WriteServeRecord(dir string, r ServeRecord) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+r.fileName()+".*")
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
	return os.Rename(tmp.Name(), filepath.Join(dir, r.fileName()))
}

// RemoveServeRecord removes the record of the server r, and no other.
func RemoveServeRecord(dir string, r ServeRecord) {
	os.Remove(filepath.Join(dir, r.fileName()))
}

// RunningServers returns the records of every `sandbox serve` that answers on
// its recorded HTTP address, the most recently started first. Records left by
// a killed server are ignored (and removed when their process is gone).
func RunningServers(dir string) []ServeRecord {
	names, _ := filepath.Glob(filepath.Join(dir, serveRecordPrefix+"*.json"))
	names = append(names, filepath.Join(dir, legacyServeRecord))
	var live []ServeRecord
	for _, name := range names {
		r, err := readServeRecord(name)
		if err != nil || r.HTTPAddr == "" {
			continue
		}
		c, err := net.DialTimeout("tcp", r.HTTPAddr, 500*time.Millisecond)
		if err != nil {
			if !processAlive(r.PID) {
				os.Remove(name)
			}
			continue
		}
		c.Close()
		live = append(live, r)
	}
	sort.SliceStable(live, func(i, j int) bool { return live[i].Started.After(live[j].Started) })
	return live
}

// RunningServer returns the most recently started server that answers, or
// ok=false when none does.
func RunningServer(dir string) (r ServeRecord, ok bool) {
	live := RunningServers(dir)
	if len(live) == 0 {
		return ServeRecord{}, false
	}
	return live[0], true
}

// processAlive reports whether pid may still be running (signal 0 is
// delivered or refused for lack of permission).
func processAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	err = p.Signal(syscall.Signal(0))
	return err == nil || errors.Is(err, os.ErrPermission) || errors.Is(err, syscall.EPERM)
}

func readServeRecord(path string) (ServeRecord, error) {
	var r ServeRecord
	b, err := os.ReadFile(path)
	if err != nil {
		return r, err
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return r, errors.New("unreadable serve record")
	}
	return r, nil
}
