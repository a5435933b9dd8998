package custody

import (
	"context"
	"fmt"

	"github.com/sipctl/sipctl/internal/handover"
	"github.com/sipctl/sipctl/internal/journal"
)

// Target is a place a run hands its passwords over to: a handover file
// (FileTarget), or another kind a command adds (provisioning directories).
// Custody calls Check for every target before the first request, and Write
// once the run is done with the records of the applied entries the target
// Takes. The journal is removed only when every target wrote (or a print
// reached the user); otherwise it keeps the passwords for --resume.
//
// A target that --resume must write again has to be recorded in the
// journal's header, as Output and Handovers are; a target given only in
// Request.Targets is written by the run that was given it.
type Target interface {
	// String names the target in messages ("handover office.csv").
	String() string
	// Check refuses, before any change, a target that cannot take the
	// records. It must not block (no opening a FIFO).
	Check() error
	// Takes reports whether entry e's record goes to this target.
	Takes(e journal.Entry) bool
	// Write hands the records over, durably and atomically: when it
	// returns nil they are in the user's hands.
	Write(ctx context.Context, rs []handover.Record) error
}

// FileTarget is a handover file (.json or .csv) that takes every entry, or
// only those of one account (a subaccount's file in a run across them).
type FileTarget struct {
	Path string
	// AccountSID, when set, limits the file to that account's entries.
	AccountSID string
	// waiting is told when another process holds the file's lock.
	waiting func(path string)
}

func (t *FileTarget) String() string { return "handover " + t.Path }

// Check is handover.CheckHandover: a known format, a regular file (or
// none yet) in a writable directory, with content sipctl can merge into.
func (t *FileTarget) Check() error {
	_, err := handover.CheckHandover(t.Path)
	return err
}

func (t *FileTarget) Takes(e journal.Entry) bool {
	return t.AccountSID == "" || e.AccountSID == t.AccountSID
}

// Write merges the records into the file under its lock.
func (t *FileTarget) Write(ctx context.Context, rs []handover.Record) error {
	return handover.WriteHandoverLocked(ctx, t.Path, rs, func() {
		if t.waiting != nil {
			t.waiting(t.Path)
		}
	})
}

// writeTargets hands each extra target the records of the done entries it
// takes; it reports whether all of them wrote.
func (r *Run) writeTargets(done []journal.Entry, records []handover.Record, rep *Report) bool {
	ok := true
	for _, t := range r.targets {
		var rs []handover.Record
		for i, e := range done {
			if t.Takes(e) {
				rs = append(rs, records[i])
			}
		}
		if len(rs) == 0 {
			continue
		}
		if ft, isFile := t.(*FileTarget); isFile && ft.waiting == nil {
			ft.waiting = r.sayWaiting
		}
		if err := t.Write(context.Background(), rs); err != nil {
			rep.HandoverErr = joinErr(rep.HandoverErr, fmt.Errorf("%s: %w", t, err))
			ok = false
			continue
		}
		rep.Targets = append(rep.Targets, WrittenTarget{Target: t, Records: len(rs)})
	}
	return ok
}

// WrittenTarget is a target Finish wrote, with how many records.
type WrittenTarget struct {
	Target  Target
	Records int
}

func (r *Run) sayWaiting(path string) {
	if r.notes != nil {
		fmt.Fprintf(r.notes, "Waiting for another sipctl that is writing %s…\n", path)
	}
}

func joinErr(a, b error) error {
	if a == nil {
		return b
	}
	return fmt.Errorf("%w; %w", a, b)
}

// AddTarget gives a resumed run a target its journal does not record (a
// provisioning directory named again on --resume), checked first.
func (r *Run) AddTarget(t Target) error {
	if err := t.Check(); err != nil {
		return fmt.Errorf("%s: %w", t, err)
	}
	r.targets = append(r.targets, t)
	return nil
}
