// Package create is `sipctl accounts create`.
package create

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/sipctl/sipctl/internal/clock"
	"github.com/sipctl/sipctl/internal/cmd/accounts/check"
	"github.com/sipctl/sipctl/internal/cmd/accounts/lookup"
	"github.com/sipctl/sipctl/internal/cmd/bulk"
	"github.com/sipctl/sipctl/internal/cmd/verify"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/custody"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/journal"
	"github.com/sipctl/sipctl/internal/output"
	"github.com/sipctl/sipctl/internal/password"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/rotate"
	"github.com/sipctl/sipctl/internal/sip"
	"github.com/sipctl/sipctl/internal/twilio"
	"github.com/spf13/cobra"
)

// CreateOptions are the inputs of `accounts create`.
type CreateOptions struct {
	IO       *iostreams.IOStreams
	Provider func() (provider.SIPAccounts, error)
	Profile  func() (*config.Profile, error)
	Exporter *cmdutil.Exporter
	// AuditLog is --audit-log ("" means the default path).
	AuditLog string
	// StateDir holds the journal; "" means config.StateDir().
	StateDir string

	Account string
	// Accounts are the arguments when there are several (or --from-file
	// is given): then the accounts are made in one bulk run.
	Accounts []string
	// FromFile is --from-file: a CSV of username and optional domain.
	FromFile string
	// Output is --output, the handover file of a bulk run.
	Output string
	// Concurrency is --concurrency, the most creates in flight in a bulk run.
	Concurrency int
	Domain      string
	List        string
	// Template is --template: an existing endpoint whose settings a new
	// Asterisk account copies.
	Template      string
	Policy        string
	PasswordStdin bool
	// TTL is --ttl: the account expires this long after it is made, as
	// recorded at the provider (0: it does not expire).
	TTL time.Duration
	// Verify is --verify: a REGISTER with the new password once created.
	Verify verify.Options
	// ExplicitProfile: --profile chose the profile, so a resume command
	// names it.
	ExplicitProfile bool
}

// NewCmdCreate is `accounts create USERNAME`.
func NewCmdCreate(f *cmdutil.Factory, runF func(*CreateOptions) error) *cobra.Command {
	opts := &CreateOptions{IO: f.IOStreams, Profile: f.Profile, Exporter: &cmdutil.Exporter{},
		Provider: func() (provider.SIPAccounts, error) { p, err := f.Provider(); return p, err }}
	var ttlFlag string
	cmd := &cobra.Command{
		Use:   "create USERNAME[@DOMAIN]...",
		Short: "Create a SIP account and print what a phone needs to register",
		Long: `Create a SIP account: a username and password on a domain.

On Twilio the account goes on the credential list attached to the domain for registrations;
when there is none, sipctl creates DOMAIN-users and attaches it for calls and registrations
(many creates at once on a new domain all succeed). The password is generated to the profile's
policy (or --policy), or read from stdin with --password-stdin. It is written to a private
journal before it is sent, so it is never lost, and shown once; a password you gave with
--password-stdin is not printed back (everything else is).

--json field selection and --jq must keep the password field (unless --password-stdin): a
selection that would drop the only copy is refused before anything is created. If the output
cannot be written, the password stays in the journal (` + "`sipctl password runs`" + `).

The output names the registrar, transports and ports to configure on the phone.

--ttl gives a throwaway account (a CI job's) an expiry, rounded up to the minute and recorded at
the provider, so any machine sees it: on Twilio the account goes on the domain's credential list
for that expiry (DOMAIN-exp-20261201T1200Z), on Telnyx the connection gets the tag
sipctl-expires=TIME, on Kamailio a usr_preferences row (attribute sipctl_expires) holds it.
Nothing is deleted by the provider: ` + "`sipctl accounts cleanup --expired`" + ` deletes the accounts whose
expiry has passed.

Several usernames, or --from-file FILE (a CSV with a username column and an optional domain
column; "-" reads stdin), make the accounts in one run, many at once (--concurrency), with
progress on a terminal: every problem in the input is reported at once before any request,
the accounts that already exist are named before any change, and the new passwords go to the
--output handover file (.csv or .json, mode 0600) only. An interrupted run is finished with
` + "`sipctl password rotate --resume RUN-ID`" + `; check the passwords with
` + "`sipctl accounts check --from-handover FILE`" + `.

--verify then sends a query REGISTER (no registration changes) with the new password to the
domain's registrar, found in DNS or given with --registrar; for the sandbox profile, the registrar
of a running ` + "`sipctl sandbox serve`" + `. If it does not accept, the account still exists with the
password shown, and the exit status is 5 (rejected) or 6 (no answer).`,
		Example: `  $ sipctl accounts create alice --domain office
  $ sipctl accounts create bob@office.sip.twilio.com --policy device-safe
  $ printf '%s\n' "$PW" | sipctl accounts create carol --domain office --password-stdin --json
  $ sipctl accounts create dave --domain office --verify --registrar 127.0.0.1:5060
  $ sipctl accounts create ci4711 --domain office --ttl 2h --json=username,password,expires_at
  $ sipctl accounts create 101 102 103 --domain office --output office-passwords.csv
  $ sipctl accounts create --from-file extensions.csv --domain office --output office-passwords.json`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 && opts.FromFile == "" {
				return cmdutil.FlagErrorf("give a USERNAME (or several), or --from-file FILE")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			// One account with --output goes the way of several: its
			// password is handed over in the file, not printed.
			bulkRun := len(args) > 1 || opts.FromFile != "" || cmd.Flags().Changed("output")
			if bulkRun {
				opts.Accounts = args
				single := len(args) == 1 && opts.FromFile == ""
				for _, f := range []string{"password-stdin", "verify", "json", "jq"} {
					if single && (f == "json" || f == "jq") {
						continue // the account is printed, its password is in the file
					}
					if cmd.Flags().Changed(f) {
						return cmdutil.FlagErrorf("--%s makes one account; several go through --output FILE (then `sipctl accounts check --from-handover FILE` checks them)", f)
					}
				}
				if opts.Output == "" {
					return cmdutil.FlagErrorf("several accounts: give --output FILE (.csv or .json) to hand their new passwords over; nothing was created")
				}
				if ext := strings.ToLower(filepath.Ext(opts.Output)); ext != ".csv" && ext != ".json" {
					return cmdutil.FlagErrorf("--output %s: the handover file ends in .csv or .json", opts.Output)
				}
				if opts.Concurrency < 1 {
					return cmdutil.FlagErrorf("--concurrency must be 1 or more, not %d", opts.Concurrency)
				}
			} else {
				if cmd.Flags().Changed("concurrency") {
					return cmdutil.FlagErrorf("--concurrency is for several accounts (or --from-file): one account is one request")
				}
				opts.Account = args[0]
			}
			if f.Globals != nil {
				opts.AuditLog = f.Globals.AuditLog
				opts.ExplicitProfile = f.Globals.Profile != ""
			}
			if err := opts.Verify.Validate(cmd); err != nil {
				return err
			}
			if cmd.Flags().Changed("ttl") {
				ttl, err := provider.ParseTTL(ttlFlag)
				if err != nil {
					return cmdutil.FlagErrorf("--ttl: %v", err)
				}
				if opts.List != "" {
					return cmdutil.FlagErrorf("--ttl and --list cannot be combined: an account with an expiry goes on the domain's expiry credential list")
				}
				opts.TTL = ttl
			}
			if !opts.PasswordStdin {
				if err := custody.CheckExport(opts.Exporter, opts.Output != "", func(pw string) any {
					return lookup.Account{SID: "CR00000000000000000000000000000000", Username: "alice", Domain: "example.sip.twilio.com", Password: pw}
				}); err != nil {
					return cmdutil.FlagErrorf("%v", err)
				}
			}
			if runF != nil {
				return runF(opts)
			}
			if bulkRun {
				err := bulkCreate(cmd.Context(), opts)
				if err == nil && len(opts.Accounts) == 1 && opts.FromFile == "" && opts.Exporter.Enabled() {
					err = printHandedOver(cmd.Context(), opts)
				}
				return err
			}
			return createRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Domain, "domain", "d", "", "SIP `domain` (name, bare name or SID; default: the profile's default domain)")
	cmd.Flags().StringVar(&opts.Template, "template", "", "Asterisk: an existing `endpoint` whose settings the new endpoints copy (default: the profile's endpoint_template)")
	cmd.Flags().StringVar(&opts.List, "list", "", "Twilio credential `list` (name or SID) to use when several are attached for registrations")
	cmd.Flags().StringVar(&opts.Policy, "policy", "", password.FlagUsage("", ""))
	cmd.Flags().BoolVar(&opts.PasswordStdin, "password-stdin", false, "Read the password from stdin instead of generating one (it is not printed back)")
	cmd.Flags().StringVar(&ttlFlag, "ttl", "", "Expire the account after this `duration` (like 30m, 2h or 7d), recorded at the provider; see `accounts cleanup --expired`")
	cmd.Flags().StringVar(&opts.FromFile, "from-file", "", "Create the accounts of a CSV `file` (username and optional domain columns; - for stdin)")
	cmd.Flags().StringVarP(&opts.Output, "output", "o", "", "Merge the new passwords into `file` (.csv or .json, mode 0600) instead of printing them; needed for several accounts")
	cmd.Flags().IntVar(&opts.Concurrency, "concurrency", rotate.DefaultConcurrency, "With several accounts: at most `N` creates at once (lowered when the provider answers 429)")
	verify.AddFlags(cmd, &opts.Verify)
	cmdutil.AddJSONFlags(cmd, opts.Exporter, lookup.Account{})
	return cmd
}

// domainByName is what finds a Twilio domain's settings.
type domainByName interface {
	FindDomainByName(ctx context.Context, name string) (provider.Domain, error)
}

func createRun(ctx context.Context, opts *CreateOptions) error {
	var prof *config.Profile
	if opts.Profile != nil {
		p, err := opts.Profile()
		if err != nil {
			return err
		}
		prof = p
	}

	// Everything the user typed is checked before any request.
	username, domainRef, err := lookup.Target(opts.Account, opts.Domain, prof)
	if err != nil {
		return err
	}
	policy, err := choosePolicy(opts.Policy, prof)
	if err != nil {
		return err
	}
	stateDir := opts.StateDir
	if stateDir == "" {
		stateDir = config.StateDir()
	}
	if err := opts.Verify.Resolve(prof, stateDir); err != nil {
		return err
	}
	var pw string
	if opts.PasswordStdin {
		if pw, err = password.ReadStdin(opts.IO.In); err != nil {
			return cmdutil.FlagErrorf("%v", err)
		}
		if err := policy.Validate(pw); err != nil {
			return cmdutil.FlagErrorf("the password from stdin does not meet the %s policy: %v", policy.Name, err)
		}
	}
	p, err := opts.Provider()
	if err != nil {
		return err
	}
	if err := p.ValidateUsername(username); err != nil {
		return cmdutil.FlagErrorf("%v", err)
	}
	expires, err := expiryOf(p, opts.TTL)
	if err != nil {
		return err
	}
	cust := custody.New(stateDir)
	// The audit log and the journal directory are checked before any request.
	al, err := cust.CheckContext(ctx, opts.AuditLog, "")
	if err != nil {
		return err
	}
	al.Close()

	domain, err := domainName(ctx, p, domainRef)
	if err != nil {
		return err
	}
	var dom *provider.Domain
	if d, ok := p.(domainByName); ok {
		found, err := d.FindDomainByName(ctx, domain)
		if errors.Is(err, provider.ErrNotFound) {
			return cmdutil.WithHint(err, fmt.Sprintf("create it with `sipctl domains create %s`, or see `sipctl domains list`", strings.TrimSuffix(domain, "."+twilio.DomainSuffix)))
		}
		if err != nil {
			return err
		}
		dom = &found
	}
	if pw == "" {
		if pw, err = policy.Generate(); err != nil {
			return err
		}
	}
	profileName := ""
	if prof != nil {
		profileName = prof.Name
	}
	// The options (and the expiry) are journaled with the create, so a
	// resumed run makes the account the same way.
	options := opts.providerOptions(expires)
	acct := ""
	if sc, ok := p.(provider.Scope); ok {
		acct = sc.AccountSID()
	}
	// The password is on disk, and the account locked against other runs,
	// before the provider sees it.
	run, err := cust.Begin(custody.Request{Command: "accounts create", Profile: profileName, Provider: p, AccountSID: acct,
		Policy: policy.Name, AuditLog: opts.AuditLog, Entries: []journal.Entry{{
			Op: journal.OpCreate, Username: username, Domain: domain, Password: pw, Options: options}}})
	if err != nil {
		var ce *custody.ConflictError
		if errors.As(err, &ce) {
			return cmdutil.WithHint(err, ce.Hint())
		}
		return err
	}
	// Checked under the run's lock, so a concurrent create of the same
	// name cannot slip in between.
	if a, err := p.GetSIPAccount(ctx, username, domain); err == nil || !errors.Is(err, provider.ErrNotFound) {
		run.Abandon()
		if err != nil {
			return err
		}
		return cmdutil.WithHint(fmt.Errorf("SIP account %q already exists in your account on %s", username, a.Domain),
			fmt.Sprintf("set a new password with `sipctl password rotate %s@%s`", username, a.Domain))
	}

	sum := run.Apply(ctx, rotate.Options{Concurrency: 1})
	var created provider.SIPAccount
	if len(sum.Rotated) == 1 {
		created = run.Created(sum.Rotated[0].Ref)
		if created.Ref == "" {
			created, _ = p.GetSIPAccount(context.WithoutCancel(ctx), username, domain)
		}
		if created.Ref == "" {
			created = provider.SIPAccount{Ref: sum.Rotated[0].Ref, Username: username, Domain: domain}
		}
		if created.ExpiresAt.IsZero() {
			created.ExpiresAt = expires
		}
	}
	rep := run.Finish(sum, custody.Delivery{Print: func(rs []rotate.Record) error {
		if len(rs) == 0 {
			return nil
		}
		a := account(created)
		if !opts.PasswordStdin {
			a.Password = pw
		}
		return printCreated(opts, a)
	}})
	if len(rep.Failed) == 1 && rep.Kept == "" {
		// The provider refused: nothing was set, so nothing to keep.
		return rep.Failed[0].Err
	}
	if rep.Kept != "" {
		var cause error = errors.New("the outcome is unknown")
		switch {
		case rep.Fatal != nil:
			cause = rep.Fatal
		case len(sum.Failed) == 1:
			cause = sum.Failed[0].Err
		case rep.PrintErr != nil:
			cause = fmt.Errorf("account %s created, but printing it failed: %w", username, rep.PrintErr)
		case len(sum.NotAttempted) == 1:
			cause = errors.New("interrupted before the account was created")
		}
		return cmdutil.WithHint(&cmdutil.ExitError{Code: cmdutil.ExitPartial, Err: cause},
			fmt.Sprintf("the account may have been created; its password is kept in %s (run %s): finish with `%s --json`",
				rep.Kept, rep.RunID, bulk.ResumeCommand(profileName, opts.ExplicitProfile, rep.RunID)))
	}
	if dom != nil && !dom.SIPRegistration {
		fmt.Fprintf(opts.IO.ErrOut, "warning: registration is disabled on %s, so phones cannot register yet: run `sipctl domains update %s --sip-registration`\n",
			domain, domain)
	}
	if opts.Verify.Enabled {
		return verifyCreated(ctx, opts, username, domain, pw)
	}
	return nil
}

// domainName is the domain a reference names: a Twilio domain SID is
// looked up, a name completed by the provider.
func domainName(ctx context.Context, p provider.SIPAccounts, ref string) (string, error) {
	if twilio.IsSID(twilio.PrefixDomain, ref) {
		ds, err := provider.Require[provider.Domains](p, "domains")
		if err != nil {
			return "", err
		}
		d, err := ds.GetDomain(ctx, ref)
		if err != nil {
			return "", err
		}
		return d.DomainName, nil
	}
	d, err := p.CanonicalDomain(ref)
	if err != nil {
		return "", cmdutil.FlagErrorf("%v", err)
	}
	return d, nil
}

// account is what `accounts create` prints for a new account.
func account(a provider.SIPAccount) lookup.Account {
	out := lookup.Account{SID: a.Attributes["sid"], Username: a.Username, Domain: a.Domain, SIPURI: "sip:" + a.Address(),
		CredentialListSID: a.Attributes["credential_list_sid"], CredentialList: a.Attributes["credential_list"],
		Registrar: a.Registrar.Host, SRTP: a.Registrar.SRTP, DateCreated: a.Created}
	if out.SID == "" {
		out.SID = a.Ref
	}
	if !a.ExpiresAt.IsZero() {
		t := a.ExpiresAt
		out.ExpiresAt = &t
	}
	for _, t := range a.Registrar.Transports {
		out.Transports = append(out.Transports, lookup.Transport{Protocol: t.Protocol, Port: t.Port})
	}
	return out
}

// verifyCreated registers once with the new password. The account exists
// whatever the answer; a refusal only sets the exit status.
func verifyCreated(ctx context.Context, opts *CreateOptions, username, domain, pw string) error {
	res := verify.Run(ctx, opts.Verify, []verify.Account{{Username: username, Domain: domain, Password: pw}})[0]
	fmt.Fprintf(opts.IO.ErrOut, "Verified with %s: %s\n", opts.Verify.Where(), verify.Describe(res))
	err := check.ResultError(username, domain, res)
	if err == nil {
		return nil
	}
	hint := fmt.Sprintf("the account exists with the password shown; `sipctl domains check %s` tells why phones cannot register", domain)
	if res.Outcome == sip.NoAnswer {
		hint = fmt.Sprintf("the account exists with the password shown; check --registrar and --transport, then retry with `sipctl accounts check %s@%s --password-stdin%s`",
			username, domain, opts.Verify.CheckArgs())
	}
	return cmdutil.WithHint(err, hint)
}

func choosePolicy(flag string, prof *config.Profile) (password.Policy, error) {
	spec := flag
	if spec == "" && prof != nil {
		spec = prof.PasswordPolicy
		if spec == "" {
			spec = password.DefaultFor(prof.Provider)
		}
	}
	if spec == "" {
		spec = password.DefaultFor("")
	}
	pol, err := password.Parse(spec)
	if err != nil {
		return password.Policy{}, cmdutil.FlagErrorf("--policy: %v", err)
	}
	return pol, nil
}

// printCreated reports any write error, which the table writer would
// swallow: a password that did not reach the user must stay in the journal.
func printCreated(opts *CreateOptions, a lookup.Account) error {
	w := &errWriter{w: opts.IO.Out}
	ios := *opts.IO
	ios.Out = w
	if opts.Exporter.Enabled() {
		var pws []string
		if a.Password != "" {
			pws = []string{a.Password}
		}
		return errors.Join(custody.ExportWithPasswords(w, opts.Exporter, a, pws, false), w.err)
	}
	fields := []output.Field{{Label: "Username", Value: output.Text(a.Username)}}
	if a.Password != "" {
		fields = append(fields, output.Field{Label: "Password", Value: output.Text(a.Password)})
	}
	fields = append(fields,
		output.Field{Label: "Domain", Value: output.Text(a.Domain)},
		output.Field{Label: "Registrar", Value: output.Text(a.Registrar)},
		output.Field{Label: "Transports", Value: output.Text(lookup.TransportList(a.Transports))},
		output.Field{Label: "SRTP", Value: output.Bool(a.SRTP)},
		output.Field{Label: "SIP URI", Value: output.Text(a.SIPURI)},
	)
	if a.CredentialListSID != "" {
		fields = append(fields, output.Field{Label: "Credential list", Value: output.Text(a.CredentialList + " (" + a.CredentialListSID + ")")})
	}
	if a.ExpiresAt != nil {
		fields = append(fields, output.Field{Label: "Account expires", Value: output.Time(*a.ExpiresAt)})
	}
	fields = append(fields, output.Field{Label: "SID", Value: output.Text(a.SID)})
	if ios.IsStdoutTTY() {
		if a.Password != "" {
			fmt.Fprintf(ios.Out, "Created SIP account %s on %s. The password is shown once: store it now.\n\n", a.Username, a.Domain)
		} else {
			fmt.Fprintf(ios.Out, "Created SIP account %s on %s with the password you gave.\n\n", a.Username, a.Domain)
		}
	}
	return errors.Join(output.PrintObject(&ios, opts.Exporter, a, fields), w.err)
}

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(b []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(b)
	e.err = err
	return n, err
}

// expiryOf is when accounts created now with --ttl expire (zero without
// one); a provider that cannot record an expiry is refused before any
// request.
func expiryOf(p provider.SIPAccounts, ttl time.Duration) (time.Time, error) {
	if ttl <= 0 {
		return time.Time{}, nil
	}
	if _, err := provider.Require[provider.Expiry](p, provider.WhatExpiry); err != nil {
		return time.Time{}, err
	}
	now, err := clock.Now()
	if err != nil {
		return time.Time{}, cmdutil.FlagErrorf("%v", err)
	}
	return provider.ExpiryAt(now, ttl), nil
}

// printHandedOver prints, for --json, the one account a create with
// --output made; its password is in the handover, not on stdout.
func printHandedOver(ctx context.Context, opts *CreateOptions) error {
	recs, err := rotate.ReadHandover(opts.Output)
	if err != nil {
		return err
	}
	user, _, _ := strings.Cut(opts.Accounts[0], "@")
	for i := len(recs) - 1; i >= 0; i-- {
		if recs[i].Username != user {
			continue
		}
		p, err := opts.Provider()
		if err != nil {
			return err
		}
		a, err := p.GetSIPAccount(ctx, user, recs[i].Domain)
		if err != nil {
			return err
		}
		return opts.Exporter.Write(opts.IO.Out, lookup.FromSIP(a))
	}
	return fmt.Errorf("%s has no record of %s", opts.Output, user)
}

// providerOptions are the provider-specific choices the flags name, with the
// expiry: --list (Twilio's credential list), --template (Asterisk's
// endpoint). A provider that has no such option refuses it.
func (opts *CreateOptions) providerOptions(expires time.Time) map[string]string {
	options := map[string]string{}
	if opts.List != "" {
		options[twilio.OptionCredentialList] = opts.List
	}
	if opts.Template != "" {
		options[provider.OptionEndpointTemplate] = opts.Template
	}
	if len(options) == 0 {
		options = nil
	}
	return provider.WithExpiry(options, expires)
}
