// Package custody keeps every password sipctl sets on record until the user
// has it, on every path a run can take. It is the one owner of that
// promise: `accounts create`, `password rotate` and `--resume` call it; a
// command parses flags, calls custody, and prints.
//
// A run goes through these steps, in this order:
//
//  1. Check before any change: the audit log opens, the journal directory
//     takes a file, the handover target is writable and mergeable.
//  2. Under the ledger lock (flock on custody/ledger.lock in the state
//     directory): refuse when another run holds a journal for any of the
//     accounts (live: "in progress"; dead: "unfinished, resume or
//     discard"), record each account's new generation, and write the
//     journal (every entry, fsync'd) while holding the run's own lock
//     (custody/runs/RUN.lock, held for the run's life).
//  3. Apply the entries (internal/rotate's engine); a journal or audit
//     write error stops the run at once; a signal stops new requests and
//     lets the ones in flight finish.
//  4. Hand over: merge the done entries into the handover file (atomic,
//  0600. and/or print them; remove the journal only when every password
//     in it is in the user's hands or was definitely not set.
//
// Resume re-opens a journal (refusing a damaged one, naming file and line),
// takes its run lock, and applies only the entries whose account's
// generation is still the entry's own.
package custody

import (
	"context"
	"errors"
	"fmt"
	"github.com/sipctl/sipctl/internal/redact"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/sipctl/sipctl/internal/audit"
	"github.com/sipctl/sipctl/internal/journal"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/rotate"
)

// ledgerWait bounds the wait for the ledger lock, which is held only for
// short steps (reading journals, writing one).
const ledgerWait = 2 * time.Minute

// Custodian works in one state directory.
type Custodian struct {
	StateDir string
}

// New is a custodian of stateDir.
func New(stateDir string) *Custodian { return &Custodian{StateDir: stateDir} }

// Request is a new run.
type Request struct {
	// Command names the run for lock holders and `runs list`.
	Command  string
	Profile  string
	Provider provider.SIPAccounts
	// AccountSID is the provider account (scope) the run acts in.
	AccountSID string
	Entries    []journal.Entry
	// Output is the handover file ("" for none), as the user gave it.
	Output string
	// Handovers, instead of Output, split the handover by subaccount: each
	// entry's record goes to the file of its AccountSID (a run across
	// subaccounts). Every file is checked before any request.
	Handovers []journal.Handover
	Policy    string
	AuditLog  string
	// Realm overrides Realm(Provider) when Provider wraps the provider
	// that names it.
	Realm string
	// Targets are further places the passwords go (see Target), checked
	// before any request with Output and Handovers.
	Targets []Target
}

// Realmer is implemented by a provider whose accounts can be reached
// under more than one provider name: CustodyRealm names the account
// space, and with the account (Scope) it is the custody identity of an
// account, so that runs reaching the same account by different profiles
// exclude each other.
type Realmer interface {
	CustodyRealm() string
}

// Realm is p's custody realm ("" when it has none: its name is used).
func Realm(p provider.SIPAccounts) string {
	if r, ok := p.(Realmer); ok {
		return r.CustodyRealm()
	}
	return ""
}

// Run is a run in custody: its journal is on disk and its lock held.
type Run struct {
	c        *Custodian
	j        *journal.Journal
	lock     *fileLock
	audit    *audit.Log
	p        provider.SIPAccounts
	resuming bool
	// Output is the handover file the run writes ("" for none).
	Output string
	// Handovers are the per-subaccount handover files of a run across
	// subaccounts (nil otherwise).
	Handovers  []journal.Handover
	superseded []Superseded

	mu      sync.Mutex
	created map[string]provider.SIPAccount
	tried   map[string]bool
	// notes is where waiting is said (the terminal; nil in a pipe).
	notes io.Writer
	// targets are Request.Targets.
	targets []Target
}

// writeHandover merges records into a handover file under its lock,
// saying so on the terminal when another process holds it.
func (r *Run) writeHandover(path string, records []rotate.Record) error {
	return (&FileTarget{Path: path, waiting: r.sayWaiting}).Write(context.Background(), records)
}

// Created is the account a create entry made, as the provider described it
// (zero when this process did not make it).
func (r *Run) Created(ref string) provider.SIPAccount {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.created[ref]
}

func (r *Run) noteCreated(a provider.SIPAccount) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.created == nil {
		r.created = map[string]provider.SIPAccount{}
	}
	r.created[a.Ref] = a
}

// noteTried records that a create entry was sent in this run; triedBefore
// reports whether it was before (or the run is a resume), so an account
// found existing may be this entry's own.
func (r *Run) noteTried(e journal.Entry) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.tried == nil {
		r.tried = map[string]bool{}
	}
	r.tried[e.Username+"@"+e.Domain+"\x00"+e.AccountSID] = true
}

func (r *Run) triedBefore(e journal.Entry) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.resuming || r.tried[e.Username+"@"+e.Domain+"\x00"+e.AccountSID]
}

// ID is the run ID.
func (r *Run) ID() string { return r.j.Header().RunID }

// Journal is the run's journal.
func (r *Run) Journal() *journal.Journal { return r.j }

// Superseded is an entry --resume did not apply: a later run changed the
// account.
type Superseded struct {
	Entry journal.Entry
	By    journal.Gen
}

// ConflictError says another run holds a journal for some of the accounts.
type ConflictError struct {
	Run      string
	Live     bool
	Holder   Holder
	Accounts []string // USER@DOMAIN, at most a few
	Count    int
	Damaged  *journal.DamageError
}

func (e *ConflictError) Error() string {
	names := strings.Join(e.Accounts, ", ")
	if e.Count > len(e.Accounts) {
		names += fmt.Sprintf(" and %d more", e.Count-len(e.Accounts))
	}
	switch {
	case e.Damaged != nil:
		return fmt.Sprintf("refusing to start: %v; its accounts cannot be told apart from these", e.Damaged)
	case e.Live:
		return fmt.Sprintf("refusing to start: %s is changing %s now", e.Holder, names)
	}
	return fmt.Sprintf("refusing to start: run %s has an unfinished journal for %s", e.Run, names)
}

// Hint is what to do about it.
func (e *ConflictError) Hint() string {
	switch {
	case e.Damaged != nil:
		return fmt.Sprintf("see `sipctl password runs show %s`; nothing was changed", e.Run)
	case e.Live:
		return "wait for it to finish (nothing was changed)"
	}
	return fmt.Sprintf("finish it with `sipctl password rotate --resume %s`, or drop it with `sipctl password runs discard %s`; nothing was changed", e.Run, e.Run)
}

// BusyError says a run to resume is in progress in another process.
type BusyError struct{ Holder Holder }

func (e *BusyError) Error() string { return fmt.Sprintf("%s is in progress", e.Holder) }

// Check opens what a run needs before any change: the audit log, the
// journal directory, and the handover file (when given). The caller closes
// the log.
func (c *Custodian) Check(auditPath, output string) (*audit.Log, error) {
	if output != "" {
		if _, err := rotate.CheckHandover(output); err != nil {
			return nil, err
		}
	}
	if err := c.checkDir(c.journalDir()); err != nil {
		return nil, err
	}
	if err := c.checkDir(c.dir()); err != nil {
		return nil, err
	}
	return audit.Open(auditPath)
}

func (c *Custodian) checkDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("creating %s: %w", dir, unwrap(err))
	}
	if err := journal.CheckDir(dir); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".probe-*")
	if err != nil {
		return fmt.Errorf("%s cannot be written: %w", dir, unwrap(err))
	}
	_, werr := f.Write(make([]byte, 4096))
	serr := f.Sync()
	f.Close()
	os.Remove(f.Name())
	if err := firstErr(werr, serr); err != nil {
		return fmt.Errorf("%s cannot be written: %w", dir, unwrap(err))
	}
	return nil
}

func unwrap(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// Begin takes custody of a new run: checks, conflicts, generations and the
// journal, in that order, before any request. Nothing is changed at the
// provider when it fails.
func (c *Custodian) Begin(req Request) (*Run, error) {
	al, err := c.Check(req.AuditLog, req.Output)
	if err != nil {
		return nil, err
	}
	if err := checkHandovers(req.Handovers); err != nil {
		al.Close()
		return nil, err
	}
	for _, t := range req.Targets {
		if err := t.Check(); err != nil {
			al.Close()
			return nil, err
		}
	}
	r, err := c.begin(req)
	if err != nil {
		al.Close()
		return nil, err
	}
	r.audit = al
	r.targets = req.Targets
	return r, nil
}

func (c *Custodian) begin(req Request) (*Run, error) {
	ll, err := waitLock(c.ledgerLock(), ledgerWait)
	if err != nil {
		return nil, err
	}
	defer ll.unlock()

	keys := map[string]bool{}
	realm := req.Realm
	if realm == "" {
		realm = Realm(req.Provider)
	}
	for i := range req.Entries {
		e := &req.Entries[i]
		e.Provider, e.Profile, e.Realm = req.Provider.Name(), req.Profile, realm
		if e.AccountSID == "" {
			e.AccountSID = req.AccountSID
		}
		keys[e.Key()] = true
	}
	if err := c.conflicts(keys, ""); err != nil {
		return nil, err
	}
	c.removePartials()
	run := journal.NewRunID()
	lock, _, err := c.lockRun(run, req.Command)
	if err != nil {
		return nil, err
	}
	led, err := c.readLedger()
	if err != nil {
		c.releaseRun(lock, run)
		return nil, err
	}
	before := map[string]*journal.Gen{}
	for i := range req.Entries {
		e := &req.Entries[i]
		k := e.Key()
		if g, ok := led.Gen[k]; ok {
			if _, seen := before[k]; !seen {
				before[k] = &g
			}
		} else if _, seen := before[k]; !seen {
			before[k] = nil
		}
		e.Prev = before[k]
		led.Gen[k] = journal.Gen{Run: run, Entry: i}
	}
	// The generations first: a crash between the two leaves generations
	// naming a run without a journal, which nothing can resume.
	if err := c.writeLedger(led); err != nil {
		c.releaseRun(lock, run)
		return nil, err
	}
	output := ""
	if req.Output != "" {
		output, _ = filepath.Abs(req.Output)
	}
	var handovers []journal.Handover
	for _, h := range req.Handovers {
		h.Path, _ = filepath.Abs(h.Path)
		handovers = append(handovers, h)
	}
	j, err := journal.Create(c.journalDir(), journal.Header{
		RunID: run, Command: req.Command, Profile: req.Profile, Provider: req.Provider.Name(),
		AccountSID: req.AccountSID, Output: output, Handovers: handovers, Policy: req.Policy,
	}, req.Entries)
	if err != nil {
		restore(led, req.Entries, run)
		c.writeLedger(led)
		c.releaseRun(lock, run)
		return nil, err
	}
	return &Run{c: c, j: j, lock: lock, p: req.Provider, Output: req.Output, Handovers: handovers}, nil
}

// checkHandovers checks every per-subaccount handover file as Check checks
// one, and that no two subaccounts share a file.
func checkHandovers(hs []journal.Handover) error {
	seen := map[string]string{}
	for _, h := range hs {
		if _, err := rotate.CheckHandover(h.Path); err != nil {
			return err
		}
		abs, _ := filepath.Abs(h.Path)
		if other, dup := seen[abs]; dup {
			return fmt.Errorf("subaccounts %s and %s would share the handover file %s", other, h.AccountSID, h.Path)
		}
		seen[abs] = h.AccountSID
	}
	return nil
}

// restore puts back the generations a run had taken for its entries.
func restore(led *ledger, es []journal.Entry, run string) {
	for _, e := range es {
		k := e.Key()
		if g, ok := led.Gen[k]; ok && g.Run == run && g.Entry == e.ID {
			if e.Prev != nil {
				led.Gen[k] = *e.Prev
			} else {
				delete(led.Gen, k)
			}
		}
	}
}

// removePartials deletes journals a killed process left half-written:
// nothing of them was sent, since a run sends only once its journal is
// complete. Call it under the ledger lock.
func (c *Custodian) removePartials() {
	ps, _ := filepath.Glob(filepath.Join(c.journalDir(), ".*.partial"))
	for _, p := range ps {
		run := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(p), "."), ".partial")
		if !c.live(run) {
			os.Remove(p)
		}
	}
}

// holdsPassword says an entry may hold the account's live password: it is
// anything but a definite refusal or a superseded entry.
func holdsPassword(e journal.Entry) bool {
	return !(e.Status == journal.Failed && e.Rejected) && e.Status != Superseded_
}

// Superseded_ is the status of an entry --resume found changed by a later
// run; it holds no live password.
const Superseded_ journal.Status = "superseded"

// conflicts refuses when any journal other than skip holds one of keys.
// Call it under the ledger lock.
func (c *Custodian) conflicts(keys map[string]bool, skip string) error {
	paths, err := journal.List(c.journalDir())
	if err != nil {
		return fmt.Errorf("reading the journals in %s: %w", c.journalDir(), err)
	}
	for _, path := range paths {
		id := journal.RunIDOf(path)
		if id == skip {
			continue
		}
		j, err := journal.Read(path)
		if errors.Is(err, os.ErrNotExist) {
			continue // finished meanwhile
		}
		if err != nil {
			var d *journal.DamageError
			if errors.As(err, &d) {
				return &ConflictError{Run: id, Damaged: d}
			}
			return err
		}
		var hit []string
		for _, e := range j.Entries() {
			if keys[e.Key()] && holdsPassword(e) {
				hit = append(hit, e.Address())
			}
		}
		if len(hit) == 0 {
			if d := j.Damage(); d != nil && j.Header().Provider == "" {
				return &ConflictError{Run: id, Damaged: d}
			}
			continue
		}
		slices.Sort(hit)
		hit = slices.Compact(hit)
		ce := &ConflictError{Run: id, Accounts: hit[:min(3, len(hit))], Count: len(hit), Damaged: j.Damage()}
		if c.live(id) {
			ce.Live, ce.Holder, ce.Damaged = true, c.holder(id), nil
		}
		return ce
	}
	return nil
}

// Resume takes custody of an unfinished run again. A damaged journal is an
// error naming its file and line, and is kept as it is.
func (c *Custodian) Resume(runID string, p provider.SIPAccounts, auditPath, output string) (*Run, error) {
	path := journal.PathFor(c.journalDir(), runID)
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("no journal for run %s in %s", runID, c.journalDir())
	}
	// The run's lock first: opening a journal cuts off a torn tail, which
	// only the run's owner may do.
	lock, holder, err := c.lockRun(runID, "password rotate --resume")
	if err != nil {
		return nil, err
	}
	if holder != nil {
		return nil, &BusyError{Holder: *holder}
	}
	j, err := journal.Open(path)
	if err != nil {
		c.releaseRun(lock, runID)
		return nil, err
	}
	fail := func(err error) (*Run, error) {
		j.Close()
		c.releaseRun(lock, runID)
		return nil, err
	}
	if h := j.Header(); h.Provider != "" && p != nil && h.Provider != p.Name() {
		return fail(fmt.Errorf("run %s was made with provider %s, and the active profile is %s: resume it with `sipctl --profile %s password rotate --resume %s`",
			runID, h.Provider, p.Name(), h.Profile, runID))
	}
	handovers := j.Header().Handovers
	if output == "" {
		output = j.Header().Output
	}
	al, err := c.Check(auditPath, output)
	if err == nil {
		if err = checkHandovers(handovers); err != nil {
			al.Close()
		}
	}
	if err != nil {
		return fail(err)
	}
	r := &Run{c: c, j: j, lock: lock, audit: al, p: p, resuming: true, Output: output, Handovers: handovers}
	if err := r.checkGenerations(); err != nil {
		al.Close()
		return fail(err)
	}
	return r, nil
}

// checkGenerations marks entries whose account a later run changed.
func (r *Run) checkGenerations() error {
	ll, err := waitLock(r.c.ledgerLock(), ledgerWait)
	if err != nil {
		return err
	}
	defer ll.unlock()
	led, err := r.c.readLedger()
	if err != nil {
		return err
	}
	for _, e := range r.j.Unfinished() {
		if !holdsPassword(e) {
			continue
		}
		g, ok := led.Gen[e.Key()]
		if !ok || (g.Run == r.ID() && g.Entry == e.ID) {
			continue
		}
		if err := r.j.Mark(e.ID, Superseded_, "changed by run "+g.Run+" after this run journaled it", false, "", ""); err != nil {
			return err
		}
		r.superseded = append(r.superseded, Superseded{Entry: e, By: g})
	}
	return nil
}

// noteCreatedEntry keeps the account a create made and journals the
// username the provider made when it is not the one asked for (Plivo
// appends digits), so the handover names the account phones register as.
func (r *Run) noteCreatedEntry(e journal.Entry, a provider.SIPAccount) error {
	r.noteCreated(a)
	if a.Username != "" && a.Username != e.Username {
		return r.j.NoteMade(e.ID, a.Username)
	}
	return nil
}

// Applier is how an entry reaches the provider: SetSIPPassword for a
// rotation; CreateSIPAccount for a create, which on --resume finds an
// account its first attempt may have made and sets the same password.
func (r *Run) Applier() rotate.Applier {
	return func(ctx context.Context, e journal.Entry) (string, error) {
		p := r.p
		if sc, ok := p.(provider.Scope); ok && e.AccountSID != "" && e.AccountSID != sc.AccountSID() {
			p = sc.WithAccount(e.AccountSID)
		}
		if e.Op == journal.OpCreate && e.Ref == "" {
			defer r.noteTried(e)
			a, err := p.CreateSIPAccount(ctx, provider.NewSIPAccount{Username: e.Username, Domain: e.Domain, Password: e.Password, Options: e.Options})
			if err == nil {
				return a.Ref, r.noteCreatedEntry(e, a)
			}
			if errors.Is(err, provider.ErrNotFound) && rotate.Classify(err) == rotate.Refused {
				// A 404 refuses a create only when no account came of it.
				if _, gerr := p.GetSIPAccount(ctx, e.Username, e.Domain); gerr == nil || !errors.Is(gerr, provider.ErrNotFound) {
					return "", rotate.Unconfirmed(err)
				}
				return "", err
			}
			// It exists: made by an earlier attempt of this entry (a retry,
			// or a run killed after the request), since custody checked it
			// was absent while holding the account. Give it this password.
			// On a first attempt it is another run's (the lock is per state
			// directory): a conflict, never adopted, so that run's password
			// stays the working one.
			if !errors.Is(err, provider.ErrExists) {
				return "", err
			}
			if !r.triedBefore(e) {
				return "", fmt.Errorf("%w: another run created it at the same time", err)
			}
			if a.Ref == "" {
				if a, err = p.GetSIPAccount(ctx, e.Username, e.Domain); err != nil {
					return "", err
				}
			}
			if err := p.SetSIPPassword(ctx, a, e.Password); err != nil {
				// The account exists, so this entry's create took effect
				// with this very password; whatever the set did, the
				// entry is not refused.
				return "", rotate.Unconfirmed(err)
			}
			return a.Ref, r.noteCreatedEntry(e, a)
		}
		err := p.SetSIPPassword(ctx, provider.SIPAccount{Ref: e.Ref, Username: e.Username, Domain: e.Domain}, e.Password)
		if err != nil && errors.Is(err, provider.ErrNotFound) && rotate.Classify(err) == rotate.Refused {
			// A 404 is a refusal only when the account is really gone: a
			// proxy or a provider in trouble can answer 404 for an
			// account that exists, after the write or without it.
			if _, gerr := p.GetSIPAccount(ctx, e.Username, e.Domain); gerr == nil || !errors.Is(gerr, provider.ErrNotFound) {
				return "", rotate.Unconfirmed(err)
			}
			if e.Op == journal.OpCreate {
				// Deleted since it was created: make it again with this password.
				a, cerr := p.CreateSIPAccount(ctx, provider.NewSIPAccount{Username: e.Username, Domain: e.Domain, Password: e.Password, Options: e.Options})
				if cerr != nil {
					return "", cerr
				}
				return a.Ref, r.noteCreatedEntry(e, a)
			}
		}
		return "", err
	}
}

// resolve settles an entry whose write stayed unknown after its retries. A
// create is looked up: an account with its username exists only if this
// entry made it (custody held the account, and checked it absent), so it
// has this password. An absent one stays unknown, since the provider may
// still be working on the request (a gateway's 5xx, a timeout), and so
// does a rotation: their passwords stay on record for --resume.
func (r *Run) resolve(ctx context.Context, e journal.Entry, last error) (string, bool, bool) {
	if e.Op != journal.OpCreate || e.Ref != "" {
		return "", false, false
	}
	p := r.p
	if sc, ok := p.(provider.Scope); ok && e.AccountSID != "" && e.AccountSID != sc.AccountSID() {
		p = sc.WithAccount(e.AccountSID)
	}
	a, err := p.GetSIPAccount(ctx, e.Username, e.Domain)
	switch {
	case err == nil:
		r.noteCreated(a)
		return a.Ref, true, false
	}
	return "", false, false
}

// Apply sends every unfinished entry (see rotate.Run).
func (r *Run) Apply(ctx context.Context, o rotate.Options) rotate.Summary {
	o.Audit = r.audit
	o.Resolve = r.resolve
	r.notes = o.Progress
	if o.Profile == "" {
		o.Profile = r.j.Header().Profile
	}
	var ids []int
	for _, e := range r.j.Unfinished() {
		if holdsPassword(e) {
			ids = append(ids, e.ID)
		}
	}
	if ids == nil {
		ids = []int{}
	}
	sum := rotate.Run(ctx, r.Applier(), r.j, ids, o)
	if sum.Fatal == nil {
		if err := r.j.Sync(); err != nil {
			sum.Fatal = err
		}
	}
	return sum
}

// Delivery is where the passwords go.
type Delivery struct {
	// Print writes the records to stdout (nil: nothing printed). A write
	// error means they did not reach the user.
	Print func(rs []rotate.Record) error
	// Verified gives the --verify outcome per entry ID (nil: not checked).
	Verified map[int]string
}

// Report is what a run did, for the command to print.
type Report struct {
	RunID string
	Total int
	// Rotated were set in this run or an earlier attempt of it.
	Rotated []journal.Entry
	// Failed were refused: their passwords were not set.
	Failed []rotate.Result
	// Unconfirmed may or may not have been set (the answer was lost): their
	// passwords stay in the journal, and --resume sends them again.
	Unconfirmed  []rotate.Result
	NotAttempted []journal.Entry
	Superseded   []Superseded
	Unverified   []journal.Entry
	Verified     int
	// Handover is the file written ("" none); Printed says stdout got them.
	Handover string
	// Handovers are the per-subaccount files written, with how many
	// records each got (a run across subaccounts).
	Handovers []Written
	// Targets are the Request.Targets written, with their record counts.
	Targets     []WrittenTarget
	HandoverErr error
	Printed     bool
	PrintErr    error
	// Kept is the journal left on disk ("" when removed).
	Kept        string
	Fatal       error
	Interrupted bool
	// Creating says every entry is a create: the summary says "Created".
	Creating bool
}

// Written is one per-subaccount handover file written by Finish.
type Written struct {
	journal.Handover
	Records int
}

// writeHandovers writes each subaccount's records to its own file. It
// reports whether every record is now in a file.
func (r *Run) writeHandovers(done []journal.Entry, records []rotate.Record, rep *Report) bool {
	index := map[string]int{}
	for i, h := range r.Handovers {
		index[h.AccountSID] = i
	}
	groups := make([][]rotate.Record, len(r.Handovers))
	var errs []error
	for i, e := range done {
		k, ok := index[e.AccountSID]
		if !ok {
			errs = append(errs, fmt.Errorf("no handover file for account %s (entry %s)", e.AccountSID, e.Address()))
			continue
		}
		groups[k] = append(groups[k], records[i])
	}
	for k, rs := range groups {
		if len(rs) == 0 {
			continue
		}
		if err := r.writeHandover(r.Handovers[k].Path, rs); err != nil {
			errs = append(errs, err)
			continue
		}
		rep.Handovers = append(rep.Handovers, Written{Handover: r.Handovers[k], Records: len(rs)})
	}
	rep.HandoverErr = errors.Join(errs...)
	return len(errs) == 0
}

// Finish hands the passwords over and closes the run: the journal is
// removed only when every password in it reached the user (or was
// definitely not set).
func (r *Run) Finish(sum rotate.Summary, d Delivery) *Report {
	defer r.close()
	rep := &Report{RunID: r.ID(), NotAttempted: sum.NotAttempted, Superseded: r.superseded,
		Fatal: sum.Fatal, Interrupted: sum.Interrupted}
	for _, f := range sum.Failed {
		if f.Outcome == rotate.Unknown {
			rep.Unconfirmed = append(rep.Unconfirmed, f)
		} else {
			rep.Failed = append(rep.Failed, f)
		}
	}
	entries := r.j.Entries()
	rep.Total = len(entries)
	rep.Creating = len(entries) > 0
	for _, e := range entries {
		if e.Op != journal.OpCreate {
			rep.Creating = false
			break
		}
	}
	applied := map[int]journal.Entry{}
	for _, e := range sum.Rotated {
		e.Status = journal.Done
		applied[e.ID] = e
	}
	// Sized up front: an entry is a few hundred bytes, and growing the
	// slices of a 5,000-account run copied megabytes.
	done := make([]journal.Entry, 0, len(entries))
	for _, e := range entries {
		if a, ok := applied[e.ID]; ok {
			e = a
		}
		if e.Status == journal.Done {
			done = append(done, e)
		}
	}
	rep.Rotated = done
	records := make([]rotate.Record, 0, len(done))
	for _, e := range done {
		rec := rotate.RecordOf(e)
		if d.Verified != nil {
			if v, ok := d.Verified[e.ID]; ok {
				rec.Verified = v
				if v == "accepted" {
					rep.Verified++
				} else {
					rep.Unverified = append(rep.Unverified, e)
				}
			}
		}
		records = append(records, rec)
	}
	handedOver := false
	if len(r.Handovers) > 0 && len(records) > 0 {
		handedOver = r.writeHandovers(done, records, rep)
	}
	targetsOK := true
	if len(r.targets) > 0 && len(records) > 0 {
		targetsOK = r.writeTargets(done, records, rep)
		handedOver = handedOver || targetsOK
	}
	if r.Output != "" && len(records) > 0 {
		if err := r.writeHandover(r.Output, records); err != nil {
			rep.HandoverErr = err
		} else {
			rep.Handover = r.Output
			handedOver = true
		}
	}
	if d.Print != nil && (len(records) > 0 || (r.Output == "" && len(r.Handovers) == 0)) {
		if err := d.Print(records); err != nil {
			rep.PrintErr = err
		} else {
			rep.Printed = true
			handedOver = true
		}
	}
	if len(records) == 0 {
		handedOver = true
	}
	finished := rep.Fatal == nil && handedOver && targetsOK
	for _, e := range entries {
		if _, ok := applied[e.ID]; ok {
			continue
		}
		if e.Status != journal.Done && holdsPassword(e) {
			finished = false
		}
	}
	// What a kept journal holds is counted honestly by `runs`: done
	// entries now in a handover, and entries never sent, apart from the
	// passwords that may be live on no other record.
	if !finished {
		var handed, unsent []int
		if handedOver && targetsOK && rep.HandoverErr == nil {
			for _, e := range done {
				if !e.HandedOver {
					handed = append(handed, e.ID)
				}
			}
		}
		for _, e := range sum.NotAttempted {
			unsent = append(unsent, e.ID)
		}
		r.j.MarkHandedOver(handed)
		r.j.MarkUnsent(unsent)
	}
	if finished {
		r.releaseGenerationsOfRejected(entries)
		if err := r.j.Remove(); err == nil {
			return rep
		}
	}
	rep.Kept = r.j.Path()
	return rep
}

// releaseGenerationsOfRejected gives back the generation of accounts whose
// change the provider refused: their password is still the earlier one.
func (r *Run) releaseGenerationsOfRejected(entries []journal.Entry) {
	var rejected []journal.Entry
	for _, e := range entries {
		if e.Status == journal.Failed && e.Rejected {
			rejected = append(rejected, e)
		}
	}
	if len(rejected) == 0 {
		return
	}
	ll, err := waitLock(r.c.ledgerLock(), ledgerWait)
	if err != nil {
		return
	}
	defer ll.unlock()
	if led, err := r.c.readLedger(); err == nil {
		restore(led, rejected, r.ID())
		r.c.writeLedger(led)
	}
}

// Abandon closes a run that will not be applied (a refusal after Begin),
// removing its journal: nothing of it reached the provider.
func (r *Run) Abandon() {
	ll, err := waitLock(r.c.ledgerLock(), ledgerWait)
	if err == nil {
		if led, err := r.c.readLedger(); err == nil {
			restore(led, r.j.Entries(), r.ID())
			r.c.writeLedger(led)
		}
		ll.unlock()
	}
	r.j.Remove()
	r.close()
}

func (r *Run) close() {
	r.j.Close()
	if r.audit != nil {
		r.audit.Close()
	}
	r.c.releaseRun(r.lock, r.ID())
}

// Summary is the one-line account of a run: every entry counted once.
func (rep *Report) Summary() string {
	did := "Rotated"
	if rep.Creating {
		did = "Created"
	}
	s := fmt.Sprintf("%s %d, failed %d, not attempted %d", did, len(rep.Rotated), len(rep.Failed), len(rep.NotAttempted))
	if len(rep.Unconfirmed) > 0 {
		s += fmt.Sprintf(", unconfirmed %d", len(rep.Unconfirmed))
	}
	if len(rep.Superseded) > 0 {
		s += fmt.Sprintf(", superseded %d", len(rep.Superseded))
	}
	s += fmt.Sprintf(" (of %d)", rep.Total)
	if rep.Verified > 0 || len(rep.Unverified) > 0 {
		s += fmt.Sprintf("; verified %d, unverified %d", rep.Verified, len(rep.Unverified))
	}
	return s + "."
}

// Unfinished is how many entries may hold a live password that is not yet
// handed over: what --resume would still do.
func (rep *Report) Unfinished() int {
	n := len(rep.Unconfirmed) + len(rep.NotAttempted)
	for _, f := range rep.Failed {
		if !f.Entry.Rejected {
			n++ // throttled: nothing set, but work left
		}
	}
	return n
}

// Write prints the summary and the failures to w.
func (rep *Report) Write(w io.Writer) {
	fmt.Fprintln(w, rep.Summary())
	for i, f := range rep.Failed {
		if i == 20 {
			fmt.Fprintf(w, "  … and %d more failures (see `sipctl password runs show %s`)\n", len(rep.Failed)-20, rep.RunID)
			break
		}
		fmt.Fprintf(w, "  failed: %s: %s\n", f.Entry.Address(), oneLine(f.Err.Error()))
	}
	for i, f := range rep.Unconfirmed {
		if i == 20 {
			fmt.Fprintf(w, "  … and %d more unconfirmed (see `sipctl password runs show %s`)\n", len(rep.Unconfirmed)-20, rep.RunID)
			break
		}
		fmt.Fprintf(w, "  unconfirmed: %s: %s (the password may be set; it stays on record)\n", f.Entry.Address(), oneLine(f.Err.Error()))
	}
	for _, s := range rep.Superseded {
		fmt.Fprintf(w, "  superseded: %s was changed by run %s after this run journaled it; its entry was not applied\n", s.Entry.Address(), s.By.Run)
	}
	if rep.Fatal != nil {
		fmt.Fprintf(w, "stopped: %v\n", oneLine(rep.Fatal.Error()))
	}
	if rep.HandoverErr != nil {
		fmt.Fprintf(w, "handover not written: %v\n", oneLine(rep.HandoverErr.Error()))
	}
	if rep.PrintErr != nil {
		fmt.Fprintf(w, "the passwords were not printed: %v\n", oneLine(rep.PrintErr.Error()))
	}
	if rep.Kept != "" {
		fmt.Fprintf(w, "The journal %s keeps the new passwords of run %s (mode 0600).\n", rep.Kept, rep.RunID)
	}
}

func oneLine(s string) string { return redact.Line(strings.Join(strings.Fields(s), " ")) }

// CheckContext is Check that still answers Ctrl-C while a check hangs (a
// handover or state directory on a file system that stopped answering):
// it returns when ctx ends, saying nothing was changed, and leaves the
// stuck check behind.
func (c *Custodian) CheckContext(ctx context.Context, auditPath, output string) (*audit.Log, error) {
	type result struct {
		al  *audit.Log
		err error
	}
	done := make(chan result, 1)
	go func() {
		al, err := c.Check(auditPath, output)
		done <- result{al, err}
	}()
	select {
	case r := <-done:
		return r.al, r.err
	case <-ctx.Done():
		go func() {
			if r := <-done; r.al != nil {
				r.al.Close()
			}
		}()
		return nil, fmt.Errorf("interrupted while checking the audit log, journal directory and handover before any change: nothing was changed")
	}
}
