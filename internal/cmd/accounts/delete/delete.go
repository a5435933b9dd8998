// Package delete is `sipctl accounts delete`.
package delete

import (
	"context"
	"errors"
	"fmt"

	"github.com/sipctl/sipctl/internal/audit"
	"github.com/sipctl/sipctl/internal/cmd/accounts/lookup"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/spf13/cobra"
)

// DeleteOptions are the inputs of `accounts delete`.
type DeleteOptions struct {
	IO       *iostreams.IOStreams
	Provider func() (provider.SIPAccounts, error)
	Profile  func() (*config.Profile, error)
	AuditLog string

	Account string
	// Accounts, FromFile and FromHandover name several accounts: then
	// they are deleted in one run (bulkDelete).
	Accounts     []string
	FromFile     string
	FromHandover string
	Concurrency  int
	Domain       string
	List         string
	Yes          bool
	// IgnoreNotFound makes deleting an account that is not there a
	// success, so teardown can run twice.
	IgnoreNotFound bool
}

// NewCmdDelete is `accounts delete USERNAME[@DOMAIN]`.
func NewCmdDelete(f *cmdutil.Factory, runF func(*DeleteOptions) error) *cobra.Command {
	opts := &DeleteOptions{IO: f.IOStreams, Provider: f.Provider, Profile: f.Profile}
	cmd := &cobra.Command{
		Use:   "delete USERNAME[@DOMAIN]...",
		Short: "Delete SIP accounts",
		Long: `Delete SIP accounts. Phones using them stop registering. Confirms on a terminal; pass --yes
otherwise.

Several usernames, --from-file FILE (the CSV ` + "`accounts create --from-file`" + ` takes: a username
column and an optional domain column; "-" reads stdin) or --from-handover FILE (every account of
a handover) delete in one run: every problem of the input is reported before any request, every
account is looked up before any is deleted, and one that does not exist stops the run before any
change, unless --ignore-not-found. The summary on stderr counts each account once: deleted, not
found and failed; some failed: exit 3.`,
		Example: `  $ sipctl accounts delete alice --domain office
  $ sipctl accounts delete alice@office.sip.twilio.com --yes
  $ sipctl accounts delete 101 102 103 --domain office --yes
  $ sipctl accounts delete --from-handover handover.csv --ignore-not-found --yes`,
		Aliases: []string{"rm"},
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 && opts.FromFile == "" && opts.FromHandover == "" {
				return cmdutil.FlagErrorf("give a USERNAME (or several), --from-file FILE or --from-handover FILE")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.Globals != nil {
				opts.AuditLog = f.Globals.AuditLog
			}
			if opts.Concurrency < 1 {
				return cmdutil.FlagErrorf("--concurrency must be 1 or more, not %d", opts.Concurrency)
			}
			if len(args) != 1 || opts.FromFile != "" || opts.FromHandover != "" {
				opts.Accounts = args
				if runF != nil {
					return runF(opts)
				}
				return bulkDelete(cmd.Context(), opts)
			}
			opts.Account = args[0]
			if runF != nil {
				return runF(opts)
			}
			err := deleteRun(cmd.Context(), opts)
			if opts.IgnoreNotFound && errors.Is(err, provider.ErrNotFound) {
				fmt.Fprintf(opts.IO.ErrOut, "Nothing to delete: %v\n", err)
				return nil
			}
			return err
		},
	}
	cmd.Flags().StringVarP(&opts.Domain, "domain", "d", "", "SIP `domain` (name, bare name or SID; default: the profile's default domain)")
	cmd.Flags().StringVar(&opts.List, "list", "", "Credential `list` (name or SID), when the username is on several")
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "Delete without asking")
	cmd.Flags().BoolVar(&opts.IgnoreNotFound, "ignore-not-found", false, "Succeed when the account does not exist (idempotent teardown)")
	cmd.Flags().StringVar(&opts.FromFile, "from-file", "", "Delete the accounts of a CSV `file` (username and optional domain columns; - for stdin)")
	cmd.Flags().StringVar(&opts.FromHandover, "from-handover", "", "Delete every account of a handover `file` (.csv or .json)")
	cmd.Flags().IntVar(&opts.Concurrency, "concurrency", 8, "With several accounts: at most `N` deletes at once")
	return cmd
}

func deleteRun(ctx context.Context, opts *DeleteOptions) error {
	var prof *config.Profile
	if opts.Profile != nil {
		// A profile that cannot be chosen (a half-set environment) is the
		// error to report, not the missing domain it would leave behind.
		var err error
		if prof, err = opts.Profile(); err != nil {
			return err
		}
	}
	if _, _, err := lookup.Target(opts.Account, opts.Domain, prof); err != nil {
		return err
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
	username, domain, err := lookup.Resolve(p, opts.Account, opts.Domain, prof)
	if err != nil {
		return err
	}
	a, err := lookup.Find(ctx, p, username, domain, opts.List)
	if err != nil {
		return err
	}
	prompt := fmt.Sprintf("Delete SIP account %s on %s?", a.Username, a.Domain)
	if l := a.Attributes[lookup.AttrCredentialList]; l != "" {
		prompt = fmt.Sprintf("Delete SIP account %s on %s (credential list %s)?", a.Username, a.Domain, l)
	}
	if err := cmdutil.ConfirmDestructive(opts.IO, opts.Yes, prompt, ""); err != nil {
		return err
	}
	rec := audit.Entry{SID: a.Attributes[lookup.AttrSID], Username: a.Username, Action: audit.ActionDelete, Outcome: audit.OutcomeOK}
	if rec.SID == "" {
		rec.SID = a.Ref
	}
	if scope, ok := provider.Lookup[provider.Scope](p); ok {
		rec.AccountSID = scope.AccountSID()
	}
	if prof != nil {
		rec.Profile = prof.Name
	}
	err = p.DeleteSIPAccount(ctx, a)
	if err != nil {
		rec.Outcome, rec.Error = audit.OutcomeFailed, err.Error()
	}
	if aerr := auditLog.Record(rec); aerr != nil {
		return errors.Join(err, fmt.Errorf("the audit log was not written: %w", aerr))
	}
	if err != nil {
		return err
	}
	if opts.IO.IsStdoutTTY() {
		fmt.Fprintf(opts.IO.Out, "Deleted SIP account %s on %s\n", a.Username, a.Domain)
	}
	return nil
}
