package delete

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"

	"github.com/sipctl/sipctl/internal/audit"
	"github.com/sipctl/sipctl/internal/cmd/accounts/create"
	"github.com/sipctl/sipctl/internal/cmd/accounts/lookup"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/rotate"
)

// target is one account named for deletion, and where it was named.
type target struct {
	arg, where string
	username   string
	domain     string
	account    provider.SIPAccount
	found      bool
}

// bulkDelete deletes the accounts of the arguments, --from-file and
// --from-handover, as `accounts create` makes several: every problem of
// the input is reported at once before any request, every account is
// looked up before any is deleted (missing ones are named, or skipped with
// --ignore-not-found), one confirmation covers them all, and the summary
// counts each account exactly once.
func bulkDelete(ctx context.Context, opts *DeleteOptions) error {
	var prof *config.Profile
	if opts.Profile != nil {
		// A profile that cannot be chosen (a half-set environment) is the
		// error to report, not the missing domain it would leave behind.
		var err error
		if prof, err = opts.Profile(); err != nil {
			return err
		}
	}
	var ts []target
	for i, a := range opts.Accounts {
		ts = append(ts, target{arg: a, where: fmt.Sprintf("argument %d (%s)", i+1, a)})
	}
	if opts.FromFile != "" {
		rows, err := create.ReadCSV(opts.IO.In, opts.FromFile)
		if err != nil {
			return cmdutil.FlagErrorf("%v; nothing was deleted", err)
		}
		for _, r := range rows {
			arg := r.Username
			if r.Domain != "" {
				arg += "@" + r.Domain
			}
			ts = append(ts, target{arg: arg, where: r.Where})
		}
	}
	if opts.FromHandover != "" {
		recs, err := rotate.ReadHandover(opts.FromHandover)
		if err != nil {
			return err
		}
		for i, r := range recs {
			ts = append(ts, target{arg: r.Username + "@" + r.Domain, where: fmt.Sprintf("%s record %d", filepath.Base(opts.FromHandover), i+1)})
		}
	}
	if len(ts) == 0 {
		return cmdutil.FlagErrorf("no accounts to delete: the input is empty")
	}
	var bad []string
	for i := range ts {
		u, d, err := lookup.Target(ts[i].arg, opts.Domain, prof)
		if err != nil {
			bad = append(bad, fmt.Sprintf("%s: %v", ts[i].where, err))
			continue
		}
		ts[i].username, ts[i].domain = u, d
	}
	if len(bad) > 0 {
		return cmdutil.FlagErrorf("%s; nothing was deleted", strings.Join(bad, "; "))
	}
	auditLog, err := audit.Open(opts.AuditLog)
	if err != nil {
		return err
	}
	defer auditLog.Close()
	p, err := opts.Provider()
	if err != nil {
		return err
	}
	// Resolve with the provider's rules, then drop repeats (a handover
	// holds an account once per rotation): each account counts once.
	seen := map[string]bool{}
	var uniq []target
	for _, t := range ts {
		u, d, err := lookup.Resolve(p, t.arg, opts.Domain, prof)
		if err != nil {
			bad = append(bad, fmt.Sprintf("%s: %v", t.where, err))
			continue
		}
		t.username, t.domain = u, d
		if k := u + "@" + d; !seen[k] {
			seen[k] = true
			uniq = append(uniq, t)
		}
	}
	if len(bad) > 0 {
		return cmdutil.FlagErrorf("%s; nothing was deleted", strings.Join(bad, "; "))
	}
	ts = uniq

	var missing []string
	for i := range ts {
		a, err := lookup.Find(ctx, p, ts[i].username, ts[i].domain, opts.List)
		switch {
		case errors.Is(err, provider.ErrNotFound):
			missing = append(missing, ts[i].username+"@"+ts[i].domain)
		case err != nil:
			return err
		default:
			ts[i].account, ts[i].found = a, true
		}
	}
	if len(missing) > 0 && !opts.IgnoreNotFound {
		return cmdutil.WithHint(fmt.Errorf("%d of the %d accounts do not exist: %s: %w; nothing was deleted", len(missing), len(ts), strings.Join(missing, ", "), provider.ErrNotFound),
			"leave them out, or pass --ignore-not-found to delete the others")
	}
	var doomed []target
	for _, t := range ts {
		if t.found {
			doomed = append(doomed, t)
		}
	}
	if len(doomed) == 0 {
		fmt.Fprintf(opts.IO.ErrOut, "Nothing to delete: none of the %d accounts exists\n", len(ts))
		return nil
	}
	names := make([]string, len(doomed))
	for i, t := range doomed {
		names[i] = t.account.Username + "@" + t.account.Domain
	}
	if err := cmdutil.ConfirmDestructive(opts.IO, opts.Yes, fmt.Sprintf("Delete %d SIP accounts (%s)? Phones using them stop registering.", len(doomed), strings.Join(names, ", ")), ""); err != nil {
		return err
	}

	acct := ""
	if scope, ok := provider.Lookup[provider.Scope](p); ok {
		acct = scope.AccountSID()
	}
	errs := make([]error, len(doomed))
	var mu sync.Mutex
	var auditErr error
	sem := make(chan struct{}, max(opts.Concurrency, 1))
	var wg sync.WaitGroup
	for i, t := range doomed {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			err := p.DeleteSIPAccount(ctx, t.account)
			if errors.Is(err, provider.ErrNotFound) && opts.IgnoreNotFound {
				err = nil // gone meanwhile: what was asked for
			}
			errs[i] = err
			rec := audit.Entry{SID: t.account.Attributes[lookup.AttrSID], Username: t.account.Username, Action: audit.ActionDelete, Outcome: audit.OutcomeOK, AccountSID: acct}
			if rec.SID == "" {
				rec.SID = t.account.Ref
			}
			if prof != nil {
				rec.Profile = prof.Name
			}
			if err != nil {
				rec.Outcome, rec.Error = audit.OutcomeFailed, err.Error()
			}
			mu.Lock()
			defer mu.Unlock()
			if aerr := auditLog.Record(rec); aerr != nil && auditErr == nil {
				auditErr = fmt.Errorf("the audit log was not written: %w", aerr)
			}
		}()
	}
	wg.Wait()
	failed := 0
	for _, err := range errs {
		if err != nil {
			failed++
		}
	}
	fmt.Fprintf(opts.IO.ErrOut, "Deleted %d, not found %d, failed %d (of %d)\n", len(doomed)-failed, len(missing), failed, len(ts))
	err = cmdutil.EachOutcome(opts.IO.ErrOut, errs, func(i int) string { return "deleting " + names[i] })
	return errors.Join(err, auditErr)
}
