// Package journal records new passwords on disk before they are sent to a
// provider, so that a run killed at any moment can be finished: every
// account ends with a password that is on record.
//
// A journal is one JSON-lines file (mode 0600, in a 0700 directory under the
// state directory): a header, then every planned entry with its password
// (written and fsync'd in one go before the first request), then status
// lines appended as the provider accepts or rejects each change. Reading
// folds the status lines into the entries.
package journal

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// Op is what an entry does to a credential.
type Op string

const (
	OpCreate Op = "create"
	OpRotate Op = "rotate"
)

// Status is where an entry stands.
type Status string

const (
	Pending Status = "pending"
	Done    Status = "done"
	Failed  Status = "failed"
)

// Entry is one credential change. Password is the secret the provider is
// (or will be) given; it is what the handover reports.
type Entry struct {
	ID                int    `json:"id"`
	Op                Op     `json:"op"`
	Provider          string `json:"provider,omitempty"`
	Profile           string `json:"profile,omitempty"`
	AccountSID        string `json:"account_sid"`
	CredentialListSID string `json:"credential_list_sid"`
	CredentialSID     string `json:"credential_sid,omitempty"` // empty for a create not yet accepted
	Username          string `json:"username"`
	Domain            string `json:"domain,omitempty"`
	Password          string `json:"password"`
	Status            Status `json:"status"`
	Error             string `json:"error,omitempty"`
}

// Header describes the run a journal belongs to.
type Header struct {
	RunID    string    `json:"run_id"`
	Created  time.Time `json:"created"`
	Profile  string    `json:"profile,omitempty"`
	Provider string    `json:"provider,omitempty"`
	// AccountSID is the account the run acted in (a subaccount when
	// --subaccount was given).
	AccountSID string `json:"account_sid,omitempty"`
	// Output is the handover file the run was asked to write, so --resume
	// writes the same one.
	Output string `json:"output,omitempty"`
	// Policy is the password policy the run generated with.
	Policy string `json:"policy,omitempty"`
}

// record is one line of the file.
type record struct {
	Kind   string  `json:"kind"` // header, entry, status
	Header *Header `json:"header,omitempty"`
	Entry  *Entry  `json:"entry,omitempty"`
	// status lines
	ID            int    `json:"id,omitempty"`
	Status        Status `json:"status,omitempty"`
	Error         string `json:"error,omitempty"`
	CredentialSID string `json:"credential_sid,omitempty"`
}

// Journal is an open journal file, safe for concurrent use.
type Journal struct {
	mu      sync.Mutex
	f       *os.File
	path    string
	header  Header
	entries []Entry // index = ID
}

// Dir is where journals live under a state directory.
func Dir(stateDir string) string { return filepath.Join(stateDir, "journal") }

// Create writes a new journal holding every entry as pending and makes it
// durable (file and directory fsync'd) before returning: only then may the
// caller send any of the passwords. Entry IDs are assigned in order.
func Create(dir string, h Header, entries []Entry) (*Journal, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating the journal directory: %w", err)
	}
	if h.RunID == "" {
		h.RunID = newRunID()
	}
	if h.Created.IsZero() {
		h.Created = time.Now().UTC()
	}
	path := filepath.Join(dir, h.RunID+".jsonl")
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("creating the journal: %w", err)
	}
	j := &Journal{f: f, path: path, header: h, entries: make([]Entry, len(entries))}
	w := bufio.NewWriterSize(f, 1<<16)
	enc := json.NewEncoder(w)
	err = enc.Encode(record{Kind: "header", Header: &h})
	for i := range entries {
		e := entries[i]
		e.ID = i
		e.Status = Pending
		e.Error = ""
		j.entries[i] = e
		if err == nil {
			err = enc.Encode(record{Kind: "entry", Entry: &e})
		}
	}
	if err == nil {
		err = w.Flush()
	}
	if err == nil {
		err = f.Sync()
	}
	if err == nil {
		err = syncDir(dir)
	}
	if err != nil {
		f.Close()
		os.Remove(path)
		return nil, fmt.Errorf("writing the journal: %w", err)
	}
	return j, nil
}

// Open reads an existing journal and reopens it for appending status lines.
// A torn last line (the process died mid-write) is ignored.
func Open(path string) (*Journal, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening the journal: %w", err)
	}
	j := &Journal{f: f, path: path}
	if err := j.load(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("reading the journal %s: %w", path, err)
	}
	return j, nil
}

func (j *Journal) load(r io.Reader) error {
	br := bufio.NewReaderSize(r, 1<<16)
	sawHeader := false
	for lineNo := 1; ; lineNo++ {
		line, err := br.ReadBytes('\n')
		if len(line) > 0 {
			complete := line[len(line)-1] == '\n'
			var rec record
			if jerr := json.Unmarshal(line, &rec); jerr != nil {
				if !complete {
					return nil // torn final write
				}
				return fmt.Errorf("line %d is corrupt", lineNo)
			}
			switch rec.Kind {
			case "header":
				j.header = *rec.Header
				sawHeader = true
			case "entry":
				if rec.Entry == nil || rec.Entry.ID != len(j.entries) {
					return fmt.Errorf("line %d: entry out of order", lineNo)
				}
				j.entries = append(j.entries, *rec.Entry)
			case "status":
				if rec.ID < 0 || rec.ID >= len(j.entries) {
					return fmt.Errorf("line %d: status for unknown entry %d", lineNo, rec.ID)
				}
				e := &j.entries[rec.ID]
				e.Status, e.Error = rec.Status, rec.Error
				if rec.CredentialSID != "" {
					e.CredentialSID = rec.CredentialSID
				}
			default:
				return fmt.Errorf("line %d: unknown record %q", lineNo, rec.Kind)
			}
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
	}
	if !sawHeader {
		return errors.New("no header")
	}
	return nil
}

// Path is the journal's file.
func (j *Journal) Path() string { return j.path }

// Header describes the run.
func (j *Journal) Header() Header { return j.header }

// Entries returns a copy of every entry with its current status.
func (j *Journal) Entries() []Entry {
	j.mu.Lock()
	defer j.mu.Unlock()
	return slices.Clone(j.entries)
}

// Entry returns one entry by ID.
func (j *Journal) Entry(id int) Entry {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.entries[id]
}

// Unfinished returns the entries not yet done (pending or failed).
func (j *Journal) Unfinished() []Entry {
	j.mu.Lock()
	defer j.mu.Unlock()
	var out []Entry
	for _, e := range j.entries {
		if e.Status != Done {
			out = append(out, e)
		}
	}
	return out
}

// Mark records an entry's outcome. credentialSID is the SID a create got
// (empty otherwise). Status lines are not fsync'd one by one: losing one
// only means --resume sets the same password again, which is harmless.
func (j *Journal) Mark(id int, status Status, errMsg, credentialSID string) error {
	b, err := json.Marshal(record{Kind: "status", ID: id, Status: status, Error: errMsg, CredentialSID: credentialSID})
	if err != nil {
		return err
	}
	b = append(b, '\n')
	j.mu.Lock()
	defer j.mu.Unlock()
	if id < 0 || id >= len(j.entries) {
		return fmt.Errorf("journal: no entry %d", id)
	}
	if j.f == nil {
		return errors.New("journal is closed")
	}
	if _, err := j.f.Write(b); err != nil {
		return fmt.Errorf("writing the journal: %w", err)
	}
	e := &j.entries[id]
	e.Status, e.Error = status, errMsg
	if credentialSID != "" {
		e.CredentialSID = credentialSID
	}
	return nil
}

// Close syncs and closes the file; the journal stays on disk.
func (j *Journal) Close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return nil
	}
	err := errors.Join(j.f.Sync(), j.f.Close())
	j.f = nil
	return err
}

// Remove closes and deletes the journal: call it only once every password
// in it is in the user's hands (the handover is written).
func (j *Journal) Remove() error {
	if err := j.Close(); err != nil {
		return err
	}
	if err := os.Remove(j.path); err != nil {
		return err
	}
	return syncDir(filepath.Dir(j.path))
}

// List returns the journals in dir, oldest first.
func List(dir string) ([]string, error) {
	des, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []string
	for _, de := range des {
		if !de.IsDir() && strings.HasSuffix(de.Name(), ".jsonl") {
			out = append(out, filepath.Join(dir, de.Name()))
		}
	}
	slices.Sort(out) // run IDs start with a sortable timestamp
	return out, nil
}

func newRunID() string {
	var b [4]byte
	rand.Read(b[:])
	return time.Now().UTC().Format("20060102T150405.000000000Z") + "-" + hex.EncodeToString(b[:])
}

// syncDir makes a file's creation or removal durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
