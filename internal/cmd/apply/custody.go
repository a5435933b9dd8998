package apply

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/custody"
	"github.com/sipctl/sipctl/internal/journal"
	"github.com/sipctl/sipctl/internal/password"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/reconcile"
	"github.com/sipctl/sipctl/internal/rotate"
)

// custodyCreator creates the plan's accounts through internal/custody, the
// engine rotation uses: every new password is generated and journaled
// (fsync'd, under the run's lock) before anything changes at the provider,
// then sent with bounded adaptive concurrency and retries, audited, and
// merged into the handover; a run that does not finish is resumed with
// `sipctl password rotate --resume RUN-ID`.
func custodyCreator(opts *ApplyOptions, p provider.SIPAccounts, prof *config.Profile, pol password.Policy, output string) func([]reconcile.NewAccount) (func(context.Context) error, func(), error) {
	return func(as []reconcile.NewAccount) (func(context.Context) error, func(), error) {
		stateDir, err := opts.StateDir()
		if err != nil {
			return nil, nil, fmt.Errorf("creating the state directory: %w", err)
		}
		acct := ""
		if sc, ok := p.(provider.Scope); ok {
			acct = sc.AccountSID()
		}
		entries := make([]journal.Entry, len(as))
		for i, a := range as {
			pw, err := generate(pol)
			if err != nil {
				return nil, nil, err
			}
			entries[i] = journal.Entry{Op: journal.OpCreate, Username: a.Username, Domain: a.Domain, Options: a.Options, Password: pw}
		}
		run, err := custody.New(stateDir).Begin(custody.Request{
			Command: "apply", Profile: prof.Name, Provider: reconcile.Batched(p), AccountSID: acct,
			Entries: entries, Output: output, Policy: pol.Name, AuditLog: opts.AuditLog,
		})
		if err != nil {
			return nil, nil, conflictHint(err)
		}
		create := func(ctx context.Context) error {
			ro := rotate.Options{Concurrency: opts.Concurrency}
			if opts.IO.ProgressEnabled() {
				ro.Progress = opts.IO.ErrOut
			}
			sum := run.Apply(ctx, ro)
			rep := run.Finish(sum, custody.Delivery{})
			if rep.Handover != "" {
				fmt.Fprintf(opts.IO.ErrOut, "Wrote %d new password(s) to %s\n", len(rep.Rotated), rep.Handover)
			}
			rep.Write(opts.IO.ErrOut)
			return result(rep)
		}
		return create, run.Abandon, nil
	}
}

// generate draws a password a CSV handover holds as it is (no leading
// formula character), as rotation's plan does.
func generate(pol password.Policy) (string, error) {
	for range 1000 {
		pw, err := pol.Generate()
		if err != nil || !rotate.FormulaStart(pw) {
			return pw, err
		}
	}
	return "", fmt.Errorf("the %s policy generates only passwords that start with = + - or @", pol.Name)
}

func result(rep *custody.Report) error {
	resume := "sipctl password rotate --resume " + rep.RunID
	switch {
	case rep.Fatal != nil:
		return cmdutil.WithHint(fmt.Errorf("run %s stopped: %s", rep.RunID, strings.Join(strings.Fields(rep.Fatal.Error()), " ")),
			"fix the error, then finish with `"+resume+"`")
	case rep.Interrupted && rep.Kept != "":
		return cmdutil.WithHint(&cmdutil.ExitError{Code: cmdutil.ExitPartial,
			Err: fmt.Errorf("interrupted: %d of %d accounts not attempted, %d failed", len(rep.NotAttempted), rep.Total, len(rep.Failed))},
			"finish with `"+resume+"`")
	case rep.Kept != "":
		return &cmdutil.PartialError{Failed: len(rep.Failed) + len(rep.NotAttempted), Total: rep.Total, RetryCommand: resume}
	case len(rep.Failed) > 0:
		// Only definite refusals: nothing was set, nothing to resume.
		return &cmdutil.PartialError{Failed: len(rep.Failed), Total: rep.Total}
	}
	return nil
}

func conflictHint(err error) error {
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
