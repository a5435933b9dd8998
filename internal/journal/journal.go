// Package journal records new passwords on disk before they are sent to a
// provider, so that a run killed at any moment can be finished: every
// account ends with a password that is on record.
//
// A journal is one file of lines (mode 0600, in a 0700 directory under the
// state directory): a header, then every planned entry with its password
// (written and fsync'd in one go before the first request), then status
// lines appended as the provider accepts or rejects each change. Reading
// folds the status lines into the entries.
//
// Every line is JSON, a tab, and the first 16 hex digits of the SHA-256 of
// the JSON: a line cut short, changed or foreign is detected and named by
// its number, never skipped. The header counts the entries, so a journal
// cut inside its entries is detected too.
package journal

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"crypto/sha256"
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

// Format and Version identify the file; a newer version is refused.
const (
	Format  = "sipctl-journal"
	Version = 2
)

// Op is what an entry does to an account.
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
	// Failed means the provider answered with an error: for a definite
	// refusal (Rejected) the password was not set.
	Failed Status = "failed"
	// Unsent means the run ended (a signal, a stop) before sending it: the
	// password is not live anywhere, but the work is left for --resume.
	Unsent Status = "unsent"
)

// Gen names the journal entry that last gave an account a password: the
// account's generation. Custody keeps the newest per account in its ledger.
type Gen struct {
	Run   string `json:"run"`
	Entry int    `json:"entry"`
}

// Entry is one account's change. Password is the secret the provider is (or
// will be) given; it is what the handover reports.
type Entry struct {
	ID       int    `json:"id"`
	Op       Op     `json:"op"`
	Provider string `json:"provider,omitempty"`
	// Realm is the provider's account space as reached, when the provider
	// names one (custody.Realm): what makes two profiles that reach the
	// same accounts (the sandbox in process and a Twilio profile pointed
	// at its `sandbox serve`) exclude each other's runs. Older journals
	// have none: their key uses Provider.
	Realm   string `json:"realm,omitempty"`
	Profile string `json:"profile,omitempty"`
	// AccountSID is the provider account (scope) the change acts in.
	AccountSID string `json:"account_sid,omitempty"`
	// Ref is the provider's opaque reference of the account (empty for a
	// create not yet accepted).
	Ref      string `json:"ref,omitempty"`
	Username string `json:"username"`
	// Made is the username the provider made from Username at create, when
	// it makes its own (Plivo appends 12 digits): what the handover gives.
	Made   string `json:"made_username,omitempty"`
	Domain string `json:"domain,omitempty"`
	// Options are the provider-specific choices of a create.
	Options map[string]string `json:"options,omitempty"`
	// CredentialListSID and CredentialSID are Twilio's parts of Ref, kept
	// for display and for readers of older journals.
	CredentialListSID string `json:"credential_list_sid,omitempty"`
	CredentialSID     string `json:"credential_sid,omitempty"`
	Password          string `json:"password"`
	// Prev is the account's generation before this entry was journaled.
	Prev     *Gen   `json:"prev,omitempty"`
	Status   Status `json:"status"`
	Error    string `json:"error,omitempty"`
	Rejected bool   `json:"rejected,omitempty"`
	// HandedOver says a done entry's password was written to the run's
	// handover: it is on another record than the journal.
	HandedOver bool `json:"handed_over,omitempty"`
}

// Key names the account an entry changes, for locks, generations and
// handover rows: provider, account scope, and USER@DOMAIN (or the Ref when
// the account has no domain).
func (e Entry) Key() string {
	space := e.Provider
	if e.Realm != "" {
		space = "realm:" + e.Realm
	}
	return AccountKey(space, e.AccountSID, e.Username, e.Domain, e.Ref)
}

// Address is USER@DOMAIN.
func (e Entry) Address() string {
	if e.Domain == "" {
		return e.Username
	}
	return e.Username + "@" + e.Domain
}

// AccountKey is Entry.Key for its parts.
func AccountKey(provider, scope, username, domain, ref string) string {
	who := strings.ToLower(domain) + "\x00" + username
	if domain == "" {
		who = "ref\x00" + ref
	}
	return provider + "\x00" + scope + "\x00" + who
}

// Header describes the run a journal belongs to.
type Header struct {
	Format  string    `json:"format"`
	Version int       `json:"version"`
	RunID   string    `json:"run_id"`
	Created time.Time `json:"created"`
	// Command is what ran ("password rotate", "accounts create").
	Command  string `json:"command,omitempty"`
	Profile  string `json:"profile,omitempty"`
	Provider string `json:"provider,omitempty"`
	// AccountSID is the account the run acted in (a subaccount when
	// --subaccount was given).
	AccountSID string `json:"account_sid,omitempty"`
	// Output is the handover file the run was asked to write, so --resume
	// writes the same one.
	Output string `json:"output,omitempty"`
	// Handovers are the handover files of a run across subaccounts
	// (password rotate --all-subaccounts): one per account SID, so --resume
	// writes each customer's passwords to that customer's file.
	Handovers []Handover `json:"handovers,omitempty"`
	// Policy is the password policy the run generated with.
	Policy string `json:"policy,omitempty"`
	// Entries is how many entry lines follow the header.
	Entries int `json:"entries"`
}

// Handover is one subaccount's handover file in a run across subaccounts.
type Handover struct {
	AccountSID string `json:"account_sid"`
	// Name is the subaccount's friendly name when the run began.
	Name string `json:"name,omitempty"`
	Path string `json:"path"`
}

// record is one line of the file.
type record struct {
	Kind   string  `json:"kind"` // header, entry, status, made
	Header *Header `json:"header,omitempty"`
	Entry  *Entry  `json:"entry,omitempty"`
	// status lines
	ID            int    `json:"id,omitempty"`
	Status        Status `json:"status,omitempty"`
	Error         string `json:"error,omitempty"`
	Rejected      bool   `json:"rejected,omitempty"`
	Ref           string `json:"ref,omitempty"`
	CredentialSID string `json:"credential_sid,omitempty"`
	HandedOver    bool   `json:"handed_over,omitempty"`
	// made lines
	Made string `json:"made_username,omitempty"`
}

// DamageError says which line of which journal cannot be trusted.
type DamageError struct {
	Path   string
	Line   int
	Reason string
}

func (e *DamageError) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("journal %s: %s", e.Path, e.Reason)
	}
	return fmt.Sprintf("journal %s line %d: %s", e.Path, e.Line, e.Reason)
}

// Journal is an open journal file, safe for concurrent use.
type Journal struct {
	mu      sync.Mutex
	f       *os.File
	size    int64 // bytes known good on disk
	path    string
	header  Header
	entries []Entry // index = ID
	// damage is set when the file could be read only in part.
	damage *DamageError
	// torn is set when the only damage is a torn tail (see TornTail).
	torn *TornTail
	// writeErr is the first failed write: after it the journal takes no more.
	writeErr error
}

// Dir is where journals live under a state directory.
func Dir(stateDir string) string { return filepath.Join(stateDir, "journal") }

// PathFor is the file of a run in dir.
func PathFor(dir, runID string) string { return filepath.Join(dir, runID+".jsonl") }

// NewRunID makes a run ID that sorts by time.
func NewRunID() string {
	var b [4]byte
	rand.Read(b[:])
	return time.Now().UTC().Format("20060102T150405.000000Z") + "-" + hex.EncodeToString(b[:])
}

func line(rec record) ([]byte, error) {
	b, err := json.Marshal(rec)
	if err != nil {
		return nil, err
	}
	return rawLine(b), nil
}

// rawLine is a JSON body with its checksum and newline.
func rawLine(b []byte) []byte {
	sum := sha256.Sum256(b)
	b = append(b, '\t')
	b = hex.AppendEncode(b, sum[:8])
	return append(b, '\n')
}

// Create writes a new journal holding every entry as pending and makes it
// durable (file and directory fsync'd) before returning: only then may the
// caller send any of the passwords. Entry IDs are assigned in order. On any
// error nothing of the journal is left behind.
func Create(dir string, h Header, entries []Entry) (*Journal, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating the journal directory: %w", err)
	}
	if err := tighten(dir, 0o700); err != nil {
		return nil, err
	}
	if h.RunID == "" {
		h.RunID = NewRunID()
	}
	if h.Created.IsZero() {
		h.Created = time.Now().UTC()
	}
	h.Format, h.Version, h.Entries = Format, Version, len(entries)
	path := PathFor(dir, h.RunID)
	// Written under a temporary name and renamed once durable: a journal
	// under its real name is always complete, even if the process was
	// killed while writing it (nothing was sent before it was complete).
	tmp := PartialPath(dir, h.RunID)
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("creating the journal: %w", err)
	}
	j := &Journal{f: f, path: path, header: h, entries: make([]Entry, len(entries))}
	var buf bytes.Buffer
	b, err := line(record{Kind: "header", Header: &h})
	buf.Write(b)
	for i := range entries {
		e := entries[i]
		e.ID = i
		e.Status = Pending
		e.Error, e.Rejected = "", false
		j.entries[i] = e
		if err == nil {
			b, err = line(record{Kind: "entry", Entry: &e})
			buf.Write(b)
		}
	}
	if err == nil {
		_, err = f.Write(buf.Bytes())
	}
	if err == nil {
		err = f.Sync()
	}
	if err == nil {
		if _, serr := os.Stat(path); serr == nil {
			err = fmt.Errorf("run %s exists", h.RunID)
		} else {
			err = os.Rename(tmp, path)
		}
	}
	if err == nil {
		err = syncDir(dir)
	}
	if err != nil {
		f.Close()
		os.Remove(tmp)
		os.Remove(path)
		syncDir(dir)
		return nil, fmt.Errorf("writing the journal %s: %w", path, unwrapPath(err))
	}
	j.size = int64(buf.Len())
	return j, nil
}

// TornTail is damage confined to the end of a journal, after its last
// complete line: a status line cut short by a crash (status lines are not
// fsync'd one by one), possibly followed by NUL bytes a filesystem left.
// Nothing before it is lost but the statuses it held, and a lost status
// only means --resume sends the same password again.
type TornTail struct {
	// Line is the first line of the tail; Offset where it starts.
	Line   int
	Offset int64
	Bytes  int
}

// Torn is the journal's torn tail (nil when it ends cleanly).
func (j *Journal) Torn() *TornTail { return j.torn }

// Open reads an existing journal and reopens it for appending status lines.
// A torn tail (TornTail) is cut off first, so the journal ends with its last
// complete line; call Open only while holding the run's lock. Any other
// damage is an error (*DamageError) naming the line, and the file is left
// as it is.
func Open(path string) (*Journal, error) {
	j, err := Read(path)
	if err != nil {
		return nil, err
	}
	if j.damage != nil {
		return nil, j.damage
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening the journal: %w", err)
	}
	if j.torn != nil {
		if err := f.Truncate(j.torn.Offset); err == nil {
			err = f.Sync()
		}
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("cutting the torn end off the journal %s: %w", path, err)
		}
		j.size = j.torn.Offset
	}
	j.f = f
	return j, nil
}

// Read reads a journal without opening it for writing. When the file is
// damaged the journal holds what could be read and Damage says where it
// stops being trustworthy; the error is only for a file that cannot be read
// at all.
func Read(path string) (*Journal, error) {
	if err := tighten(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	if err := tighten(path, 0o600); err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("opening the journal: %w", err)
	}
	defer f.Close()
	j := &Journal{path: path}
	j.damage = j.load(f)
	if j.damage != nil && j.header.RunID == "" {
		return nil, j.damage
	}
	return j, nil
}

// Damage is why the journal could be read only in part (nil when intact).
func (j *Journal) Damage() *DamageError { return j.damage }

func (j *Journal) load(r io.Reader) *DamageError {
	br := bufio.NewReaderSize(r, 1<<16)
	dmg := func(n int, format string, args ...any) *DamageError {
		return &DamageError{Path: j.path, Line: n, Reason: fmt.Sprintf(format, args...)}
	}
	var lineNo int
	var first *DamageError
	// starts are where lines begin, to find the bytes from the first
	// damaged line on (a torn tail, or damage).
	var off int64
	var starts []int64
	for lineNo = 1; ; lineNo++ {
		raw, err := br.ReadBytes('\n')
		if len(raw) == 0 && errors.Is(err, io.EOF) {
			break
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return dmg(lineNo, "%v", err)
		}
		starts = append(starts, off)
		off += int64(len(raw))
		if first != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			continue
		}
		if raw[len(raw)-1] != '\n' {
			first = dmg(lineNo, "cut short (the file ends inside the line)")
			break
		}
		body := raw[:len(raw)-1]
		tab := bytes.LastIndexByte(body, '\t')
		if tab < 0 {
			if lineNo == 1 {
				first = dmg(1, "not a sipctl journal (no checksum; written by an older or another program)")
			} else {
				first = dmg(lineNo, "has no checksum")
			}
			continue
		}
		sum := sha256.Sum256(body[:tab])
		if hex.EncodeToString(sum[:8]) != string(body[tab+1:]) {
			first = dmg(lineNo, "checksum mismatch (the line was changed or damaged)")
			continue
		}
		var rec record
		if jerr := json.Unmarshal(body[:tab], &rec); jerr != nil {
			first = dmg(lineNo, "not a journal record")
			continue
		}
		switch {
		case lineNo == 1 && (rec.Kind != "header" || rec.Header == nil || rec.Header.Format != Format):
			first = dmg(1, "not a sipctl journal")
		case lineNo == 1 && rec.Header.Version > Version:
			first = dmg(1, "written by a newer sipctl (journal version %d; this one reads %d): use that version", rec.Header.Version, Version)
		case lineNo == 1:
			j.header = *rec.Header
		case rec.Kind == "header":
			first = dmg(lineNo, "a second header")
		case rec.Kind == "entry":
			if rec.Entry == nil || rec.Entry.ID != len(j.entries) || len(j.entries) >= j.header.Entries {
				first = dmg(lineNo, "entry out of order")
				continue
			}
			j.entries = append(j.entries, *rec.Entry)
		case rec.Kind == "status":
			if len(j.entries) < j.header.Entries {
				first = dmg(lineNo, "status line before the last entry")
				continue
			}
			if rec.ID < 0 || rec.ID >= len(j.entries) {
				first = dmg(lineNo, "status for unknown entry %d", rec.ID)
				continue
			}
			e := &j.entries[rec.ID]
			e.Status, e.Error, e.Rejected = rec.Status, rec.Error, rec.Rejected
			e.HandedOver = rec.HandedOver
			if rec.Ref != "" {
				e.Ref = rec.Ref
			}
			if rec.CredentialSID != "" {
				e.CredentialSID = rec.CredentialSID
			}
		case rec.Kind == "made":
			if rec.ID < 0 || rec.ID >= len(j.entries) || rec.Made == "" {
				first = dmg(lineNo, "made username for unknown entry %d", rec.ID)
				continue
			}
			j.entries[rec.ID].Made = rec.Made
		default:
			first = dmg(lineNo, "unknown record %q", rec.Kind)
		}
		if errors.Is(err, io.EOF) {
			break
		}
	}
	if first != nil && j.header.RunID != "" && len(j.entries) == j.header.Entries && first.Line > j.header.Entries+1 {
		if f, ok := r.(*os.File); ok {
			at := starts[first.Line-1]
			if tail, err := io.ReadAll(io.NewSectionReader(f, at, 1<<20)); err == nil && tornTail(tail) {
				j.torn = &TornTail{Line: first.Line, Offset: at, Bytes: len(tail)}
				j.size = at
				return nil
			}
		}
	}
	if first != nil {
		return first
	}
	if j.header.RunID == "" {
		return dmg(0, "empty file")
	}
	if len(j.entries) < j.header.Entries {
		return dmg(lineNo, "cut short: %d of %d entries", len(j.entries), j.header.Entries)
	}
	if f, ok := r.(*os.File); ok {
		if st, err := f.Stat(); err == nil {
			j.size = st.Size()
		}
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

// Mark records an entry's outcome. ref is the reference a create got
// (empty otherwise); rejected says the provider definitely refused (the
// password was not set). Status lines are not fsync'd one by one: losing
// one only means --resume sets the same password again, which is harmless.
// A failed write (a full disk) is cut back off the file, so the journal
// stays intact, and every later Mark fails with the same error: the caller
// must stop sending.
func (j *Journal) Mark(id int, status Status, errMsg string, rejected bool, ref, credSID string) error {
	b, err := line(record{Kind: "status", ID: id, Status: status, Error: errMsg, Rejected: rejected, Ref: ref, CredentialSID: credSID})
	if err != nil {
		return err
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if id < 0 || id >= len(j.entries) {
		return fmt.Errorf("journal: no entry %d", id)
	}
	if j.writeErr != nil {
		return j.writeErr
	}
	if j.f == nil {
		return errors.New("journal is closed")
	}
	if n, err := j.f.Write(b); err != nil {
		if n > 0 {
			j.f.Truncate(j.size)
		}
		j.writeErr = fmt.Errorf("writing the journal %s: %w", j.path, err)
		return j.writeErr
	}
	j.size += int64(len(b))
	e := &j.entries[id]
	e.Status, e.Error, e.Rejected = status, errMsg, rejected
	if ref != "" {
		e.Ref = ref
	}
	if credSID != "" {
		e.CredentialSID = credSID
	}
	return nil
}

// NoteMade records the username the provider made for a create's entry
// (Plivo appends digits to the one asked for), so the handover and a
// resumed run give the account's real name. Like a status line it is not
// fsync'd alone: a lost one is found again by --resume, whose create
// answers that the name was asked for and looks the account up.
func (j *Journal) NoteMade(id int, made string) error {
	b, err := line(record{Kind: "made", ID: id, Made: made})
	if err != nil {
		return err
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if id < 0 || id >= len(j.entries) {
		return fmt.Errorf("journal: no entry %d", id)
	}
	if j.writeErr != nil {
		return j.writeErr
	}
	if j.f == nil {
		return errors.New("journal is closed")
	}
	if n, err := j.f.Write(b); err != nil {
		if n > 0 {
			j.f.Truncate(j.size)
		}
		j.writeErr = fmt.Errorf("writing the journal %s: %w", j.path, err)
		return j.writeErr
	}
	j.size += int64(len(b))
	j.entries[id].Made = made
	return nil
}

// Sync makes the status lines so far durable.
func (j *Journal) Sync() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return nil
	}
	if err := j.f.Sync(); err != nil {
		return fmt.Errorf("syncing the journal %s: %w", j.path, err)
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

// PartialPath is where a journal is written before it is complete.
func PartialPath(dir, runID string) string { return filepath.Join(dir, "."+runID+".partial") }

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s %s: %w", pe.Op, pe.Path, pe.Err)
	}
	return err
}

// RunIDOf is the run ID a journal path names.
func RunIDOf(path string) string { return strings.TrimSuffix(filepath.Base(path), ".jsonl") }

// syncDir makes a file's creation or removal durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// SyncDir is syncDir for other packages.
func SyncDir(dir string) error { return syncDir(dir) }

// tornTail reports bytes that a crash can leave after the last complete
// line: the start of one status line, without its newline, and NUL bytes.
func tornTail(b []byte) bool {
	if len(b) >= 1<<20 {
		return false
	}
	rest := bytes.ReplaceAll(b, []byte{0}, nil)
	if bytes.IndexByte(rest, '\n') >= 0 {
		return false
	}
	const status = `{"kind":"status"`
	n := min(len(rest), len(status))
	return string(rest[:n]) == status[:n]
}

// tighten makes a journal file or directory private (mode perm), as it
// must be: a looser one is tightened, and refused when that fails, never
// used as it is.
func tighten(path string, perm os.FileMode) error {
	st, err := os.Stat(path)
	if err != nil {
		return nil // the caller reports it
	}
	if st.Mode().Perm()&^perm == 0 {
		return nil
	}
	if err := os.Chmod(path, st.Mode().Perm()&perm); err != nil {
		return fmt.Errorf("%s has mode %v, readable by others, and cannot be made private: %w (fix its mode to %v or move it)", path, st.Mode().Perm(), unwrapPath(err), perm)
	}
	return nil
}

// CheckDir makes sure the journal directory is private, tightening it.
func CheckDir(dir string) error { return tighten(dir, 0o700) }

// MarkHandedOver records that the done entries ids are in the run's
// handover, so a kept journal is not counted as their only record.
func (j *Journal) MarkHandedOver(ids []int) error {
	return j.markEach(ids, func(e Entry) record {
		return record{Kind: "status", ID: e.ID, Status: Done, Ref: e.Ref, CredentialSID: e.CredentialSID, HandedOver: true}
	})
}

// MarkUnsent records that the entries ids were never sent (the run
// stopped first): their passwords are not live.
func (j *Journal) MarkUnsent(ids []int) error {
	return j.markEach(ids, func(e Entry) record {
		return record{Kind: "status", ID: e.ID, Status: Unsent}
	})
}

func (j *Journal) markEach(ids []int, rec func(Entry) record) error {
	if len(ids) == 0 {
		return nil
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.writeErr != nil {
		return j.writeErr
	}
	if j.f == nil {
		return errors.New("journal is closed")
	}
	var buf bytes.Buffer
	for _, id := range ids {
		if id < 0 || id >= len(j.entries) {
			return fmt.Errorf("journal: no entry %d", id)
		}
		b, err := line(rec(j.entries[id]))
		if err != nil {
			return err
		}
		buf.Write(b)
	}
	if n, err := j.f.Write(buf.Bytes()); err != nil {
		if n > 0 {
			j.f.Truncate(j.size)
		}
		j.writeErr = fmt.Errorf("writing the journal %s: %w", j.path, err)
		return j.writeErr
	}
	j.size += int64(buf.Len())
	for _, id := range ids {
		r := rec(j.entries[id])
		e := &j.entries[id]
		e.Status, e.HandedOver = r.Status, r.HandedOver
		if r.Status == Unsent {
			e.Error, e.Rejected = "", false
		}
	}
	return nil
}
