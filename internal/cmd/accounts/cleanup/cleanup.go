// Package cleanup is `sipctl accounts cleanup`: deleting the throwaway
// accounts whose expiry (`accounts create --ttl`, `ttl:` in an apply file)
// has passed, as the provider records it.
package cleanup

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/sipctl/sipctl/internal/audit"
	"github.com/sipctl/sipctl/internal/clock"
	"github.com/sipctl/sipctl/internal/cmd/accounts/lookup"
	"github.com/sipctl/sipctl/internal/cmd/resolve"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/output"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/spf13/cobra"
)

// CleanupOptions are the inputs of `accounts cleanup`.
type CleanupOptions struct {
	IO       *iostreams.IOStreams
	Provider func() (provider.SIPAccounts, error)
	Profile  func() (*config.Profile, error)
	Exporter *cmdutil.Exporter
	AuditLog string

	Domain  string
	All     bool
	Expired bool
	DryRun  bool
	Yes     bool
}

// Results of one account, as --json and the RESULT column say them.
const (
	ResultDeleted     = "deleted"
	ResultGone        = "gone" // deleted by someone else meanwhile
	ResultFailed      = "failed"
	ResultWouldDelete = "would-delete"
)

// Result is one expired account and what became of it. Field names are a
// stable contract for --json.
type Result struct {
	Username  string    `json:"username"`
	Domain    string    `json:"domain"`
	ExpiresAt time.Time `json:"expires_at"`
	SID       string    `json:"sid"`
	Ref       string    `json:"ref"`
	Result    string    `json:"result"`
	Error     string    `json:"error"`
}

// concurrency is how many deletions run at once.
const concurrency = 4

// NewCmdCleanup is `accounts cleanup --expired`.
func NewCmdCleanup(f *cmdutil.Factory, runF func(*CleanupOptions) error) *cobra.Command {
	opts := &CleanupOptions{IO: f.IOStreams, Provider: f.Provider, Profile: f.Profile, Exporter: &cmdutil.Exporter{}}
	cmd := &cobra.Command{
		Use:   "cleanup --expired",
		Short: "Delete the SIP accounts whose expiry has passed",
		Long: `Delete the throwaway SIP accounts whose expiry has passed: those made with
` + "`accounts create --ttl`" + ` or ` + "`ttl:`" + ` in an apply file, whose expiry the provider records (see
` + "`sipctl accounts create --help`" + `). Accounts without an expiry, and those not yet expired, are
never touched. --expired is the selection, and must be given.

It works on one domain (--domain, or the profile's default domain), or on every domain with
--all. It prints every expired account with its result (deleted; gone, when another run deleted it
first; failed), or --json. On a terminal it asks first; elsewhere it needs --yes. --dry-run only
lists what would be deleted. Running it twice, or from several CI jobs at once, is safe: an
account already gone is not an error. Where the expiry is a credential list (Twilio, the
sandbox) it then removes the domain's emptied expiry lists.

SIPCTL_NOW (an RFC 3339 time) replaces the clock that expiry is compared with, to rehearse a
cleanup.`,
		Example: `  $ sipctl accounts cleanup --expired --domain office --dry-run
  $ sipctl accounts cleanup --expired --domain office --yes
  $ sipctl accounts cleanup --expired --all --yes --json=username,domain,result`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if !opts.Expired {
				return cmdutil.FlagErrorf("say what to clean up: --expired (the accounts whose expiry has passed)")
			}
			if opts.All && opts.Domain != "" {
				return cmdutil.FlagErrorf("--all and --domain cannot be combined")
			}
			if f.Globals != nil {
				opts.AuditLog = f.Globals.AuditLog
			}
			if runF != nil {
				return runF(opts)
			}
			return cleanupRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Expired, "expired", false, "Select the accounts whose expiry has passed (required)")
	cmd.Flags().StringVarP(&opts.Domain, "domain", "d", "", "SIP `domain` (name, bare name or SID; default: the profile's default domain)")
	cmd.Flags().BoolVar(&opts.All, "all", false, "Clean up every domain")
	cmd.Flags().BoolVar(&opts.DryRun, "dry-run", false, "List what would be deleted, and delete nothing")
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "Delete without asking")
	cmdutil.AddJSONFlags(cmd, opts.Exporter, Result{})
	return cmd
}

func cleanupRun(ctx context.Context, opts *CleanupOptions) error {
	var prof *config.Profile
	if opts.Profile != nil {
		// A profile that cannot be chosen (a half-set environment) is the
		// error to report, not the missing domain it leaves behind.
		var err error
		if prof, err = opts.Profile(); err != nil {
			return err
		}
	}
	domainRef := opts.Domain
	if domainRef == "" && !opts.All && prof != nil {
		domainRef = prof.DefaultDomain
	}
	if domainRef == "" && !opts.All {
		return cmdutil.FlagErrorf("no domain: pass --domain NAME or --all, or set a default with `sipctl profile set default_domain NAME`")
	}
	now, err := clock.Now()
	if err != nil {
		return cmdutil.FlagErrorf("%v", err)
	}
	var auditLog *audit.Log
	if !opts.DryRun {
		if auditLog, err = audit.Open(opts.AuditLog); err != nil {
			return err
		}
		defer auditLog.Close()
	}
	p, err := opts.Provider()
	if err != nil {
		return err
	}
	if _, err := provider.Require[provider.Expiry](p, provider.WhatExpiry); err != nil {
		return err
	}
	q := provider.AccountQuery{}
	where := "every domain"
	if !opts.All {
		if q.Domain, err = resolve.CanonicalDomain(p, domainRef); err != nil {
			return err
		}
		where = q.Domain
	}

	var expired []provider.SIPAccount
	for a, err := range p.ListSIPAccounts(ctx, q) {
		if err != nil {
			return lookup.Hint(err, domainRef)
		}
		if !opts.All {
			where = a.Domain
		}
		if a.Expired(now) {
			expired = append(expired, a)
		}
	}
	slices.SortFunc(expired, func(a, b provider.SIPAccount) int {
		return strings.Compare(a.Address(), b.Address())
	})

	results := make([]Result, len(expired))
	for i, a := range expired {
		results[i] = Result{Username: a.Username, Domain: a.Domain, ExpiresAt: a.ExpiresAt,
			SID: a.Attributes[lookup.AttrSID], Ref: a.Ref, Result: ResultWouldDelete}
		if results[i].SID == "" {
			results[i].SID = a.Ref
		}
	}
	if len(expired) == 0 {
		if !opts.Exporter.Enabled() && opts.IO.IsStderrTTY() {
			fmt.Fprintf(opts.IO.ErrOut, "No expired SIP accounts on %s at %s\n", where, now.Format(time.RFC3339))
		}
		// What an interrupted cleanup left (Twilio's emptied expiry
		// lists) goes only when the user said yes.
		var err error
		if opts.Yes && !opts.DryRun && q.Domain != "" {
			err = tidy(ctx, opts, p, []string{q.Domain}, now)
		}
		return errors.Join(printResults(opts, results), err)
	}
	if opts.DryRun {
		if opts.IO.IsStderrTTY() {
			fmt.Fprintf(opts.IO.ErrOut, "Would delete %d expired SIP %s on %s (dry run: nothing deleted)\n", len(expired), plural(len(expired)), where)
		}
		return printResults(opts, results)
	}
	if err := cmdutil.ConfirmDestructive(opts.IO, opts.Yes, confirmPrompt(expired, where), ""); err != nil {
		return err
	}

	scopeSID := ""
	if scope, ok := provider.Lookup[provider.Scope](p); ok {
		scopeSID = scope.AccountSID()
	}
	profile := ""
	if prof != nil {
		profile = prof.Name
	}
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		auditEr error
	)
	sem := make(chan struct{}, concurrency)
	for i, a := range expired {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			err := p.DeleteSIPAccount(ctx, a)
			r := &results[i]
			rec := audit.Entry{SID: r.SID, Username: a.Username, AccountSID: scopeSID, Profile: profile, Action: audit.ActionDelete, Outcome: audit.OutcomeOK}
			switch {
			case err == nil:
				r.Result = ResultDeleted
			case errors.Is(err, provider.ErrNotFound):
				r.Result = ResultGone
			default:
				r.Result, r.Error = ResultFailed, err.Error()
				rec.Outcome, rec.Error = audit.OutcomeFailed, err.Error()
			}
			if r.Result == ResultGone {
				return
			}
			if aerr := auditLog.Record(rec); aerr != nil {
				mu.Lock()
				auditEr = errors.Join(auditEr, aerr)
				mu.Unlock()
			}
		})
	}
	wg.Wait()

	failed := 0
	domains := map[string]bool{}
	for _, r := range results {
		if r.Result == ResultFailed {
			failed++
		}
		domains[r.Domain] = true
	}
	var tidyErr error
	if failed == 0 {
		tidyErr = tidy(ctx, opts, p, slices.Sorted(maps.Keys(domains)), now)
	}
	if opts.IO.IsStdoutTTY() && !opts.Exporter.Enabled() {
		fmt.Fprintf(opts.IO.Out, "Deleted %d of %d expired SIP %s on %s\n\n", len(expired)-failed, len(expired), plural(len(expired)), where)
	}
	perr := printResults(opts, results)
	if auditEr != nil {
		return errors.Join(perr, fmt.Errorf("the audit log was not written: %w", auditEr))
	}
	if failed > 0 {
		fmt.Fprintf(opts.IO.ErrOut, "%d of %d expired accounts were not deleted (see the error column); run the same command again to retry\n", failed, len(expired))
		return errors.Join(perr, &cmdutil.PartialError{Failed: failed, Total: len(expired)})
	}
	return errors.Join(perr, tidyErr)
}

func plural(n int) string {
	if n == 1 {
		return "account"
	}
	return "accounts"
}

// confirmPrompt names the accounts (the first few) so the person answering
// knows what goes.
func confirmPrompt(expired []provider.SIPAccount, where string) string {
	const shown = 5
	names := make([]string, 0, shown)
	for i, a := range expired {
		if i == shown {
			names = append(names, fmt.Sprintf("and %d more", len(expired)-shown))
			break
		}
		names = append(names, a.Username)
	}
	return fmt.Sprintf("Delete %d expired SIP %s on %s (%s)?", len(expired), plural(len(expired)), where, strings.Join(names, ", "))
}

func printResults(opts *CleanupOptions, results []Result) error {
	cols := []output.Column[Result]{
		{Header: "USERNAME", Value: func(r Result) output.Cell { return output.Text(r.Username) }},
		{Header: "DOMAIN", Value: func(r Result) output.Cell { return output.Text(r.Domain) }},
		{Header: "EXPIRED", Value: func(r Result) output.Cell { return output.Time(r.ExpiresAt) }},
		{Header: "RESULT", Value: func(r Result) output.Cell { return output.Text(r.Result) }},
		{Header: "ERROR", Value: func(r Result) output.Cell { return output.Text(r.Error) }},
	}
	if len(results) == 0 && !opts.Exporter.Enabled() {
		return nil
	}
	_, err := output.PrintList(opts.IO, opts.Exporter, output.All(results), cols)
	return err
}

// tidy removes what the provider kept only for the expired accounts of
// domains (provider.ExpiryTidier), naming it on a terminal.
func tidy(ctx context.Context, opts *CleanupOptions, p provider.SIPAccounts, domains []string, now time.Time) error {
	t, ok := provider.Lookup[provider.ExpiryTidier](p)
	if !ok {
		return nil
	}
	var errs error
	for _, d := range domains {
		removed, err := t.TidyExpired(ctx, d, now)
		for _, r := range removed {
			if opts.IO.IsStderrTTY() {
				fmt.Fprintf(opts.IO.ErrOut, "Removed %s, which held only expired accounts\n", r)
			}
		}
		errs = errors.Join(errs, err)
	}
	if errs != nil {
		return cmdutil.WithHint(errs, "the expired accounts are deleted; run the same command again to remove what held them")
	}
	return nil
}
