// Package handover is the handover file: what a person is given so that
// every new password reaches a device. A handover is a ledger (one row per
// account; new rows replace old ones, every other row stays), in JSON or a
// formula-safe CSV, written atomically with mode 0600 under a lock beside
// it, and read back with file and line named for anything sipctl cannot
// use. Custody (internal/custody) decides what goes in; this package only
// reads, merges and writes.
package handover

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/filelock"
	"github.com/sipctl/sipctl/internal/journal"
)

// Record is one line of the handover: what a person needs to enter on a
// device.
type Record struct {
	// SID is the provider's identifier of the account (Twilio: the
	// credential SID; other providers: the account reference).
	SID      string `json:"sid"`
	Username string `json:"username"`
	Domain   string `json:"domain"`
	Password string `json:"password"`
	// Verified is the registrar's answer to a --verify REGISTER with the
	// new password (accepted, rejected, no-answer); empty when not checked.
	Verified string `json:"verified,omitempty"`
}

// Key is the account a record is for: the handover is a ledger with one
// row per account.
func (r Record) Key() string {
	if r.Domain == "" {
		return "sid\x00" + r.SID
	}
	return strings.ToLower(r.Domain) + "\x00" + r.Username
}

// RecordOf is the handover row of an entry.
func RecordOf(e journal.Entry) Record {
	sid := e.CredentialSID
	if sid == "" {
		sid = e.Ref
	}
	user := e.Username
	if e.Made != "" {
		user = e.Made // the provider's name for the account (Plivo's digits)
	}
	return Record{SID: sid, Username: user, Domain: e.Domain, Password: e.Password}
}

// Records are the done entries of a journal, in journal order, one per
// account.
func Records(entries []journal.Entry) []Record {
	var out []Record
	for _, e := range entries {
		if e.Status == journal.Done {
			out = append(out, RecordOf(e))
		}
	}
	return out
}

// HandoverError names the file and line of a handover sipctl cannot use.
type HandoverError struct {
	Path   string
	Line   int
	Reason string
}

func (e *HandoverError) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("handover %s: %s", e.Path, e.Reason)
	}
	return fmt.Sprintf("handover %s line %d: %s", e.Path, e.Line, e.Reason)
}

func isCSV(path string) bool { return strings.EqualFold(filepath.Ext(path), ".csv") }

// CheckHandoverPath rejects an --output whose format is unknown, before any
// password changes.
func CheckHandoverPath(path string) error {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".json", ".csv":
		return nil
	}
	return fmt.Errorf("--output %s: the file name must end in .json or .csv", path)
}

// Resolve is the file a handover path writes: the path itself, or the file
// a symlink in the same directory points to. A directory, a symlink to
// another directory, or a dangling symlink is refused.
func Resolve(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	st, err := os.Lstat(abs)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return abs, nil
	case err != nil:
		return "", &HandoverError{Path: path, Reason: err.Error()}
	case st.IsDir():
		return "", &HandoverError{Path: path, Reason: "is a directory"}
	case st.Mode()&os.ModeSymlink != 0:
		target, err := filepath.EvalSymlinks(abs)
		if err != nil {
			return "", &HandoverError{Path: path, Reason: "is a symlink that leads nowhere"}
		}
		realDir, _ := filepath.EvalSymlinks(filepath.Dir(abs))
		if filepath.Dir(target) != realDir {
			return "", &HandoverError{Path: path, Reason: fmt.Sprintf("is a symlink to another directory (%s): give that path instead", target)}
		}
		if ts, err := os.Stat(target); err == nil && ts.IsDir() {
			return "", &HandoverError{Path: path, Reason: "is a symlink to a directory"}
		} else if err == nil && !ts.Mode().IsRegular() {
			// A FIFO or a device would block the read, or take the
			// passwords somewhere that is not a file.
			return "", &HandoverError{Path: path, Reason: "is a symlink to something that is not a regular file"}
		}
		return target, nil
	case !st.Mode().IsRegular():
		return "", &HandoverError{Path: path, Reason: "is not a regular file"}
	}
	return abs, nil
}

// CheckHandover makes sure a handover can be written at path before any
// password changes: a known format, not a directory or a symlink elsewhere,
// a directory that takes a new file (not read-only, not full), and, when
// the file exists, content sipctl can merge into. It returns the rows
// already there.
func CheckHandover(path string) ([]Record, error) {
	if err := CheckHandoverPath(path); err != nil {
		return nil, err
	}
	real, err := Resolve(path)
	if err != nil {
		return nil, err
	}
	dir := filepath.Dir(real)
	probe, err := os.CreateTemp(dir, ".sipctl-probe-*")
	if err != nil {
		return nil, &HandoverError{Path: path, Reason: fmt.Sprintf("cannot be written: %v", unwrapPath(err))}
	}
	_, werr := probe.Write(make([]byte, 512))
	serr := probe.Sync()
	probe.Close()
	os.Remove(probe.Name())
	if err := errors.Join(werr, serr); err != nil {
		return nil, &HandoverError{Path: path, Reason: fmt.Sprintf("cannot be written: %v", unwrapPath(err))}
	}
	old, err := ReadHandover(real)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if isCSV(path) {
		for i, r := range old {
			if FormulaStart(r.Password) {
				return nil, &HandoverError{Path: path, Line: i + 2, Reason: "a password starts with = + - @ or a tab, which a CSV cell must not: use a .json handover"}
			}
		}
	}
	return old, nil
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// ReadHandover reads a handover sipctl wrote (JSON array or CSV). An error
// names the file and line; os.ErrNotExist is returned as it is.
func ReadHandover(path string) ([]Record, error) {
	data, err := readRegular(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
		return nil, &HandoverError{Path: path, Reason: unwrapPath(err).Error()}
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, nil
	}
	if isCSV(path) {
		return readCSV(path, data)
	}
	return readJSON(path, data)
}

func lineAt(data []byte, off int64) int {
	off = min(max(off, 0), int64(len(data)))
	return bytes.Count(data[:off], []byte("\n")) + 1
}

func readJSON(path string, data []byte) ([]Record, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	bad := func(reason string) error {
		return &HandoverError{Path: path, Line: lineAt(data, dec.InputOffset()), Reason: reason}
	}
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('[') {
		return nil, bad("not a sipctl handover (a JSON array of records)")
	}
	var out []Record
	for dec.More() {
		var r Record
		if err := dec.Decode(&r); err != nil {
			// The decoder's message can quote file content, which is secret.
			return nil, bad("not a handover record (fields sid, username, domain, password, verified)")
		}
		if r.Username == "" || r.Password == "" {
			return nil, bad("a record without username or password")
		}
		out = append(out, r)
	}
	if _, err := dec.Token(); err != nil {
		return nil, bad("the array is not closed (the file is cut short)")
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, bad("content after the array")
	}
	return out, nil
}

var csvHeader = []string{"sid", "username", "domain", "password"}

func readCSV(path string, data []byte) ([]Record, error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.ReuseRecord = false
	head, err := r.Read()
	if err != nil {
		return nil, &HandoverError{Path: path, Line: 1, Reason: "not a sipctl handover CSV"}
	}
	if len(head) < 4 || !slices.Equal(head[:4], csvHeader) || (len(head) == 5 && head[4] != "verified") || len(head) > 5 {
		return nil, &HandoverError{Path: path, Line: 1, Reason: "not a sipctl handover CSV (header must be sid,username,domain,password[,verified])"}
	}
	if !bytes.HasSuffix(data, []byte("\n")) {
		return nil, &HandoverError{Path: path, Line: lineAt(data, int64(len(data))), Reason: "cut short (no end of line)"}
	}
	var out []Record
	for {
		row, err := r.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		line, _ := r.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.Line
			}
			return nil, &HandoverError{Path: path, Line: line, Reason: "not a handover row (wrong number of fields or bad quoting)"}
		}
		rec := Record{SID: unescapeCell(row[0]), Username: unescapeCell(row[1]), Domain: unescapeCell(row[2]), Password: row[3]}
		if len(row) == 5 {
			rec.Verified = unescapeCell(row[4])
		}
		if rec.Username == "" || rec.Password == "" {
			return nil, &HandoverError{Path: path, Line: line, Reason: "a row without username or password"}
		}
		out = append(out, rec)
	}
}

// escapeCell keeps a spreadsheet from running a cell as a formula: a cell
// that starts with = + - @, tab or CR gets a leading single quote, which
// ReadHandover strips. Passwords are never escaped (see WriteHandover).
func escapeCell(s string) string {
	if FormulaStart(s) || (strings.HasPrefix(s, "'") && FormulaStart(s[1:])) {
		return "'" + s
	}
	return s
}

func unescapeCell(s string) string {
	if strings.HasPrefix(s, "'") && (FormulaStart(s[1:]) || (strings.HasPrefix(s[1:], "'") && FormulaStart(s[2:]))) {
		return s[1:]
	}
	return s
}

// Merge is the ledger rule: a new record replaces the old one for the same
// account in place, every other old record stays, new accounts are added
// at the end.
func Merge(old, rs []Record) []Record {
	out := slices.Clone(old)
	at := map[string]int{}
	for i, r := range out {
		at[r.Key()] = i
	}
	for _, r := range rs {
		if i, ok := at[r.Key()]; ok {
			out[i] = r
			continue
		}
		at[r.Key()] = len(out)
		out = append(out, r)
	}
	return out
}

// EncodeJSON is the --json and .json form: an array of records.
func EncodeJSON(rs []Record) ([]byte, error) {
	if rs == nil {
		rs = []Record{}
	}
	b, err := json.MarshalIndent(rs, "", "  ")
	return append(b, '\n'), err
}

// EncodeCSV is the .csv form. A password starting with a formula character
// is refused rather than altered: the handover must hold it byte for byte.
func EncodeCSV(rs []Record) ([]byte, error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	verified := slices.ContainsFunc(rs, func(r Record) bool { return r.Verified != "" })
	header := slices.Clone(csvHeader)
	if verified {
		header = append(header, "verified")
	}
	w.Write(header)
	for _, r := range rs {
		if FormulaStart(r.Password) {
			return nil, fmt.Errorf("the password of %s starts with = + - @ or a tab, which a CSV cell must not: use a .json handover", r.Username)
		}
		row := []string{escapeCell(r.SID), escapeCell(r.Username), escapeCell(r.Domain), r.Password}
		if verified {
			row = append(row, escapeCell(r.Verified))
		}
		w.Write(row)
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

// WriteHandover merges the records into the handover at path (JSON or CSV
// by extension) and writes it atomically: a temporary file in the same
// directory, fsync'd, renamed over the old one, and the directory fsync'd.
// Mode 0600. Readers see the old file or the whole new one.
func WriteHandover(path string, rs []Record) error {
	return WriteHandoverLocked(context.Background(), path, rs, nil)
}

// LockPath is the lock file of a handover: beside it, not on it, so the
// rename that replaces the handover keeps working.
func LockPath(real string) string {
	return filepath.Join(filepath.Dir(real), "."+filepath.Base(real)+".lock")
}

// WriteHandoverLocked is WriteHandover holding the handover's lock
// (LockPath) for the whole read, merge and write, so runs in other
// processes that write the same file wait instead of overwriting each
// other's rows. waiting, when set, is called once if another process
// holds it.
func WriteHandoverLocked(ctx context.Context, path string, rs []Record, waiting func()) error {
	real, err := Resolve(path)
	if err != nil {
		return err
	}
	l, err := filelock.Wait(ctx, LockPath(real), waiting)
	if err != nil {
		return &HandoverError{Path: path, Reason: fmt.Sprintf("cannot lock %s: %v", LockPath(real), unwrapPath(err))}
	}
	defer l.Unlock()
	return writeHandover(path, rs)
}

func writeHandover(path string, rs []Record) error {
	old, err := CheckHandover(path)
	if err != nil {
		return err
	}
	rs = Merge(old, rs)
	var data []byte
	if isCSV(path) {
		data, err = EncodeCSV(rs)
	} else {
		data, err = EncodeJSON(rs)
	}
	if err != nil {
		return fmt.Errorf("writing the handover file %s: %w", path, err)
	}
	real, err := Resolve(path)
	if err != nil {
		return err
	}
	if err := config.WriteFileAtomic(real, data, 0o600); err != nil {
		return fmt.Errorf("writing the handover file %s: %w", path, unwrapPath(err))
	}
	return nil
}

// readRegular reads a file only if it is a regular one. It opens without
// blocking, so a FIFO put in its place (after the checks) cannot hang the
// run, and checks what it opened, not what the name led to before.
func readRegular(path string) ([]byte, error) {
	f, err := openNonBlocking(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, errors.New("not a regular file")
	}
	return io.ReadAll(f)
}

// FormulaStart reports whether s starts with a character a spreadsheet
// reads as the start of a formula (= + - @, tab, CR).
func FormulaStart(s string) bool {
	return s != "" && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r')
}
