// Package bulk creates many SIP accounts in one run through
// internal/custody, the engine rotation uses: every new password is
// generated and journaled (fsync'd, under the run's lock) before anything
// changes at the provider, then sent with bounded adaptive concurrency and
// retries, audited, and merged into the handover file; a run that does not
// finish is resumed with `sipctl password rotate --resume RUN-ID`. It is
// what `sipctl apply` and `sipctl accounts create A B C` share.
package bulk

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"

	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/custody"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/journal"
	"github.com/sipctl/sipctl/internal/password"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/reconcile"
	"github.com/sipctl/sipctl/internal/rotate"
)

// Account is one account to create.
type Account struct {
	Username, Domain string
	// Options are provider create options (a Twilio list, an expiry).
	Options map[string]string
}

// Options say how to run the creates.
type Options struct {
	IO *iostreams.IOStreams
	// Command names the run in the journal ("apply", "accounts create").
	Command  string
	StateDir string
	Profile  string
	// ExplicitProfile says the profile was chosen with --profile (or
	// SIPCTL_PROFILE), so a resume command must name it.
	ExplicitProfile bool
	Policy          password.Policy
	AuditLog        string
	// Output is the handover file (an absolute path).
	Output string
	// Concurrency is the most creates in flight (0: rotate's default).
	Concurrency int
	// Passwords, when set, were drawn ahead (Pregenerate) with Policy.
	Passwords *Pool
}

// Begin generates and journals a password for each account and returns
// create, which makes the accounts at the provider and writes the handover,
// and abandon, which gives the run up before create (nothing was sent).
func Begin(o Options, p provider.SIPAccounts, as []Account) (create func(context.Context) error, abandon func(), err error) {
	acct := ""
	if sc, ok := p.(provider.Scope); ok {
		acct = sc.AccountSID()
	}
	entries := make([]journal.Entry, len(as))
	for i, a := range as {
		pw, err := o.Passwords.next(o.Policy)
		if err != nil {
			return nil, nil, err
		}
		entries[i] = journal.Entry{Op: journal.OpCreate, Username: a.Username, Domain: a.Domain, Options: a.Options, Password: pw}
	}
	run, err := custody.New(o.StateDir).Begin(custody.Request{
		Command: o.Command, Profile: o.Profile, Provider: reconcile.Batched(p), Realm: custody.Realm(p), AccountSID: acct,
		Entries: entries, Output: o.Output, Policy: o.Policy.Name, AuditLog: o.AuditLog,
	})
	if err != nil {
		return nil, nil, ConflictHint(err)
	}
	create = func(ctx context.Context) error {
		ro := rotate.Options{Concurrency: o.Concurrency}
		if o.IO.ProgressEnabled() {
			ro.Progress = o.IO.ErrOut
		}
		sum := run.Apply(ctx, ro)
		rep := run.Finish(sum, custody.Delivery{})
		if rep.Handover != "" {
			fmt.Fprintf(o.IO.ErrOut, "Wrote %d new password(s) to %s\n", len(rep.Rotated), rep.Handover)
		}
		rep.Write(o.IO.ErrOut)
		return result(o, rep)
	}
	return create, run.Abandon, nil
}

// Pool is passwords drawn ahead, in the background, while the command
// waits on the provider (apply's listing): drawing 5,000 takes longer than
// a round trip. A password drawn but not used is dropped; only those Begin
// takes are journaled and sent.
type Pool struct {
	done chan struct{}
	pws  []string
	err  error
	mu   sync.Mutex
	used int
}

// Pregenerate starts drawing n passwords of pol, on every core but one.
func Pregenerate(pol password.Policy, n int) *Pool {
	p := &Pool{done: make(chan struct{}), pws: make([]string, n)}
	// One core fewer than there are: the listing it overlaps must not wait
	// for a CPU.
	workers := max(1, min(runtime.GOMAXPROCS(0)-1, n/256))
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < n; i += workers {
				pw, err := Generate(pol)
				if err != nil {
					errs[w] = err
					return
				}
				p.pws[i] = pw
			}
		})
	}
	go func() {
		wg.Wait()
		p.err = errors.Join(errs...)
		close(p.done)
	}()
	return p
}

// next is the next drawn password, or a new one once the pool is used up
// (or when there is no pool).
func (p *Pool) next(pol password.Policy) (string, error) {
	if p == nil {
		return Generate(pol)
	}
	<-p.done
	if p.err != nil {
		return "", p.err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.used < len(p.pws) {
		pw := p.pws[p.used]
		p.pws[p.used] = ""
		p.used++
		return pw, nil
	}
	return Generate(pol)
}

// Generate draws a password of pol. internal/password is the only place
// passwords are made: it never starts one with a formula character, so a
// CSV handover holds every one as it is.
func Generate(pol password.Policy) (string, error) { return pol.Generate() }

func result(o Options, rep *custody.Report) error {
	return rep.Err(custody.Next{Resume: ResumeCommand(o.Profile, o.ExplicitProfile, rep.RunID)})
}

// ResumeCommand is the command that finishes a run of profile; it names
// the profile when the run was started with --profile (or belongs to
// another profile than the default one).
func ResumeCommand(profile string, explicit bool, runID string) string {
	s := "sipctl "
	if explicit && profile != "" {
		s += "--profile " + custody.ShellQuote(profile) + " "
	}
	return s + "password rotate --resume " + runID
}

// ConflictHint adds what to do to custody's refusals to start a run.
func ConflictHint(err error) error {
	var ce *custody.ConflictError
	if errors.As(err, &ce) {
		return cmdutil.WithHint(err, ce.Hint())
	}
	var be *custody.BusyError
	if errors.As(err, &be) {
		return cmdutil.WithHint(err, "wait for it to finish; nothing was changed")
	}
	return err
}
