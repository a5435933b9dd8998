package custody

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/sipctl/sipctl/internal/journal"
)

// ledger is the newest generation of every account sipctl gave a password:
// which run's which entry set it. It is read and written only under the
// ledger lock, and lets --resume refuse an entry for an account changed by
// a later run.
type ledger struct {
	Version int                    `json:"version"`
	Gen     map[string]journal.Gen `json:"generations"`
}

func (c *Custodian) ledgerPath() string { return filepath.Join(c.dir(), "generations.json") }

func (c *Custodian) readLedger() (*ledger, error) {
	l := &ledger{Version: 1, Gen: map[string]journal.Gen{}}
	b, err := os.ReadFile(c.ledgerPath())
	if os.IsNotExist(err) {
		return l, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", c.ledgerPath(), err)
	}
	if err := json.Unmarshal(b, l); err != nil || l.Version != 1 {
		return nil, fmt.Errorf("%s line 1: not a sipctl generations ledger (move it aside to continue: every run with a journal will then be resumed unchecked)", c.ledgerPath())
	}
	if l.Gen == nil {
		l.Gen = map[string]journal.Gen{}
	}
	return l, nil
}

func (c *Custodian) writeLedger(l *ledger) error {
	b, err := json.Marshal(l)
	if err != nil {
		return err
	}
	path := c.ledgerPath()
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	_, werr := f.Write(b)
	serr := f.Sync()
	cerr := f.Close()
	if err := firstErr(werr, serr, cerr); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return journal.SyncDir(filepath.Dir(path))
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}
