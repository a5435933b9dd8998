package custody

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/sipctl/sipctl/internal/journal"
	"github.com/sipctl/sipctl/internal/rotate"
)

// RunInfo describes an unfinished run without its passwords.
type RunInfo struct {
	RunID      string    `json:"run_id"`
	Command    string    `json:"command"`
	Profile    string    `json:"profile"`
	Provider   string    `json:"provider"`
	AccountSID string    `json:"account_sid,omitempty"`
	Created    time.Time `json:"created"`
	Output     string    `json:"output,omitempty"`
	// Handovers are the per-subaccount files of a run across subaccounts.
	Handovers []journal.Handover `json:"handovers,omitempty"`
	Path      string             `json:"journal"`
	// InProgress says a process is running it now.
	InProgress bool `json:"in_progress"`
	Total      int  `json:"total"`
	Done       int  `json:"done"`
	Pending    int  `json:"pending"`
	Failed     int  `json:"failed"`
	// Rejected failed for certain: the provider refused, nothing was set.
	Rejected   int `json:"rejected"`
	Superseded int `json:"superseded"`
	// HandedOver are done and in the run's handover (another record).
	HandedOver int `json:"handed_over"`
	// NotSent were never sent (the run stopped first): not live.
	NotSent int `json:"not_sent"`
	// Live is how many of its passwords may be in use at the provider and
	// are on no other record: done but not handed over, pending (maybe
	// sent before a kill), or failed for an unknown reason (unconfirmed).
	Live int `json:"live"`
	// Damage is why the journal can be read only in part.
	Damage  string      `json:"damage,omitempty"`
	Entries []EntryInfo `json:"entries,omitempty"`
	damage  *journal.DamageError
}

// DamageErr is Damage as an error naming file and line (nil when intact).
func (ri RunInfo) DamageErr() error {
	if ri.damage == nil {
		return nil
	}
	return ri.damage
}

// EntryInfo is one entry without its password.
type EntryInfo struct {
	ID       int    `json:"id"`
	Op       string `json:"op"`
	Account  string `json:"account"`
	Ref      string `json:"ref,omitempty"`
	Status   string `json:"status"`
	Error    string `json:"error,omitempty"`
	Rejected bool   `json:"rejected,omitempty"`
}

func (c *Custodian) info(path string, withEntries bool) (RunInfo, error) {
	ri := RunInfo{RunID: journal.RunIDOf(path), Path: path}
	j, err := journal.Read(path)
	if err != nil {
		var d *journal.DamageError
		if !errors.As(err, &d) {
			return ri, err
		}
		ri.Damage, ri.damage = d.Error(), d
		ri.InProgress = c.live(ri.RunID)
		return ri, nil
	}
	h := j.Header()
	ri.Command, ri.Profile, ri.Provider, ri.AccountSID, ri.Created, ri.Output = h.Command, h.Profile, h.Provider, h.AccountSID, h.Created, h.Output
	ri.Handovers = h.Handovers
	if d := j.Damage(); d != nil {
		ri.Damage, ri.damage = d.Error(), d
	}
	for _, e := range j.Entries() {
		ri.Total++
		switch {
		case e.Status == journal.Done:
			ri.Done++
			if e.HandedOver {
				ri.HandedOver++
			}
		case e.Status == journal.Unsent:
			ri.NotSent++
		case e.Status == journal.Pending:
			ri.Pending++
		case e.Status == Superseded_:
			ri.Superseded++
		case e.Rejected:
			ri.Rejected++
		default:
			ri.Failed++
		}
		if withEntries {
			ri.Entries = append(ri.Entries, EntryInfo{ID: e.ID, Op: string(e.Op), Account: e.Address(), Ref: e.Ref,
				Status: string(e.Status), Error: e.Error, Rejected: e.Rejected})
		}
	}
	ri.Live = ri.Done - ri.HandedOver + ri.Pending + ri.Failed
	if ri.Damage != "" && h.Entries > ri.Total {
		// Entries that could not be read may hold live passwords too.
		ri.Live += h.Entries - ri.Total
	}
	ri.InProgress = c.live(ri.RunID)
	return ri, nil
}

// Runs lists the unfinished runs, oldest first.
func (c *Custodian) Runs() ([]RunInfo, error) {
	paths, err := journal.List(c.journalDir())
	if err != nil {
		return nil, err
	}
	out := []RunInfo{}
	for _, p := range paths {
		ri, err := c.info(p, false)
		if errors.Is(err, os.ErrNotExist) {
			continue // finished meanwhile
		}
		if err != nil {
			return nil, err
		}
		out = append(out, ri)
	}
	return out, nil
}

// Show describes one run and its entries, without passwords.
func (c *Custodian) Show(runID string) (RunInfo, error) {
	path := journal.PathFor(c.journalDir(), runID)
	if _, err := os.Stat(path); err != nil {
		return RunInfo{}, fmt.Errorf("no unfinished run %s in %s", runID, c.journalDir())
	}
	return c.info(path, true)
}

// Discard deletes an unfinished run's journal. Its passwords are gone with
// it: the caller must have confirmed that with the user (RunInfo.Live).
func (c *Custodian) Discard(runID string) error {
	path := journal.PathFor(c.journalDir(), runID)
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("no unfinished run %s in %s", runID, c.journalDir())
	}
	ll, err := waitLock(c.ledgerLock(), ledgerWait)
	if err != nil {
		return err
	}
	defer ll.unlock()
	lock, holder, err := c.lockRun(runID, "password runs discard")
	if err != nil {
		return err
	}
	if holder != nil {
		return &BusyError{Holder: *holder}
	}
	defer c.releaseRun(lock, runID)
	if err := os.Remove(path); err != nil {
		return fmt.Errorf("removing %s: %w", path, err)
	}
	return journal.SyncDir(c.journalDir())
}

// Salvage writes every intact entry of a run's journal that may hold a
// live password (all but definite refusals and superseded entries) to the
// handover file output (merged, 0600, under its lock), so that no intact
// password is reachable only through Discard, even from a damaged journal.
// It leaves the journal as it is and returns how many records it wrote.
func (c *Custodian) Salvage(runID, output string) (int, error) {
	path := journal.PathFor(c.journalDir(), runID)
	if _, err := os.Stat(path); err != nil {
		return 0, fmt.Errorf("no unfinished run %s in %s", runID, c.journalDir())
	}
	if err := rotate.CheckHandoverPath(output); err != nil {
		return 0, err
	}
	j, err := journal.Read(path)
	if err != nil {
		return 0, err
	}
	var records []rotate.Record
	for _, e := range j.Entries() {
		if holdsPassword(e) && e.Password != "" {
			records = append(records, rotate.RecordOf(e))
		}
	}
	if len(records) == 0 {
		return 0, nil
	}
	if _, err := rotate.CheckHandover(output); err != nil {
		return 0, err
	}
	if err := rotate.WriteHandover(output, records); err != nil {
		return 0, err
	}
	return len(records), nil
}
