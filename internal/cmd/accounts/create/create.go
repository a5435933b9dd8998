// Package create is `sipctl accounts create`.
package create

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/sipctl/sipctl/internal/audit"
	"github.com/sipctl/sipctl/internal/cmd/accounts/check"
	"github.com/sipctl/sipctl/internal/cmd/accounts/lookup"
	"github.com/sipctl/sipctl/internal/cmd/resolve"
	"github.com/sipctl/sipctl/internal/cmd/verify"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/journal"
	"github.com/sipctl/sipctl/internal/output"
	"github.com/sipctl/sipctl/internal/password"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/sip"
	"github.com/spf13/cobra"
)

// CreateOptions are the inputs of `accounts create`.
type CreateOptions struct {
	IO       *iostreams.IOStreams
	Provider func() (provider.Provider, error)
	Profile  func() (*config.Profile, error)
	Exporter *cmdutil.Exporter
	// AuditLog is --audit-log ("" means the default path).
	AuditLog string
	// StateDir holds the journal; "" means config.StateDir().
	StateDir string

	Account       string
	Domain        string
	List          string
	Policy        string
	PasswordStdin bool
	// Verify is --verify: a REGISTER with the new password once created.
	Verify verify.Options
}

// NewCmdCreate is `accounts create USERNAME`.
func NewCmdCreate(f *cmdutil.Factory, runF func(*CreateOptions) error) *cobra.Command {
	opts := &CreateOptions{IO: f.IOStreams, Provider: cmdutil.Capability[provider.Provider](f.Provider, provider.WhatCredentialLists), Profile: f.Profile, Exporter: &cmdutil.Exporter{}}
	cmd := &cobra.Command{
		Use:   "create USERNAME[@DOMAIN]",
		Short: "Create a SIP account and print what a phone needs to register",
		Long: `Create a SIP account: a username and password on a domain's credential list.

sipctl uses the credential list attached to the domain for registrations. When there is
none, it creates DOMAIN-users and attaches it for calls and registrations. The password is
generated to the profile's policy (or --policy), or read from stdin with --password-stdin,
and is written to a private journal before it is sent, so it is never lost. It is shown once.

The output names the registrar, transports and ports to configure on the phone.

--verify then sends a query REGISTER (no registration changes) with the new password to the
domain's registrar, found in DNS or given with --registrar; for the sandbox profile, the registrar
of a running ` + "`sipctl sandbox serve`" + `. If it does not accept, the account still exists with the
password shown, and the exit status is 5 (rejected) or 6 (no answer).`,
		Example: `  $ sipctl accounts create alice --domain office
  $ sipctl accounts create bob@office.sip.twilio.com --policy device-safe
  $ printf '%s\n' "$PW" | sipctl accounts create carol --domain office --password-stdin --json
  $ sipctl accounts create dave --domain office --verify --registrar 127.0.0.1:5060`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Account = args[0]
			if f.Globals != nil {
				opts.AuditLog = f.Globals.AuditLog
			}
			if err := opts.Verify.Validate(cmd); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return createRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Domain, "domain", "d", "", "SIP `domain` (name, bare name or SID; default: the profile's default domain)")
	cmd.Flags().StringVar(&opts.List, "list", "", "Credential `list` (name or SID) to use when several are attached for registrations")
	cmd.Flags().StringVar(&opts.Policy, "policy", "", "Password `policy`: "+strings.Join(password.Names(), ", ")+", or a spec like \"base=strict min=20\"")
	cmd.Flags().BoolVar(&opts.PasswordStdin, "password-stdin", false, "Read the password from stdin instead of generating one")
	verify.AddFlags(cmd, &opts.Verify)
	cmdutil.AddJSONFlags(cmd, opts.Exporter)
	return cmd
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
	// An audit log that cannot be written stops the command before any change.
	auditLog, err := audit.Open(opts.AuditLog)
	if err != nil {
		return err
	}
	defer auditLog.Close()

	p, err := opts.Provider()
	if err != nil {
		return err
	}
	if username, _, err = lookup.Resolve(p, opts.Account, opts.Domain, prof); err != nil { // the provider's rules
		return err
	}
	d, err := resolve.Domain(ctx, p, domainRef)
	if err != nil {
		return err
	}
	list, err := registrationList(ctx, p, opts.IO, d, opts.List)
	if err != nil {
		return err
	}
	for c, err := range p.ListCredentials(ctx, list.SID) {
		if err != nil {
			return err
		}
		if c.Username == username {
			return cmdutil.WithHint(fmt.Errorf("SIP account %q already exists on %s (credential list %s)", username, d.DomainName, list.FriendlyName),
				fmt.Sprintf("set a new password with `sipctl password rotate %s@%s`", username, d.DomainName))
		}
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
	// The password is on disk before the provider sees it: a crash after the
	// request leaves it on record for `password rotate --resume`.
	j, err := journal.Create(journal.Dir(stateDir), journal.Header{
		Profile: profileName, Provider: p.Name(), AccountSID: p.AccountSID(), Policy: policy.Name,
	}, []journal.Entry{{
		Op: journal.OpCreate, Provider: p.Name(), Profile: profileName, AccountSID: p.AccountSID(),
		CredentialListSID: list.SID, Username: username, Domain: d.DomainName, Password: pw,
	}})
	if err != nil {
		return err
	}
	rec := audit.Entry{Profile: profileName, AccountSID: p.AccountSID(), Username: username, Action: audit.ActionCreate}

	cred, err := p.CreateCredential(ctx, list.SID, username, pw)
	if err != nil {
		rec.Outcome, rec.Error = audit.OutcomeFailed, err.Error()
		auditErr := auditLog.Record(rec)
		if rejected(err) {
			// The provider refused it: nothing was set, so nothing to keep.
			j.Mark(0, journal.Failed, err.Error(), "")
			j.Remove()
			return errors.Join(err, auditErr)
		}
		j.Close()
		return cmdutil.WithHint(errors.Join(err, auditErr),
			fmt.Sprintf("the account may have been created; its password is kept in %s: finish with `sipctl password rotate --resume`", j.Path()))
	}

	acct := lookup.NewAccount(cred, list, d)
	acct.Password = pw
	if err := printCreated(opts, acct); err != nil {
		j.Mark(0, journal.Done, "", cred.SID)
		j.Close()
		return cmdutil.WithHint(fmt.Errorf("account %s created, but printing it failed: %w", username, err),
			fmt.Sprintf("its password is kept in %s (mode 0600); read it there, then delete the file", j.Path()))
	}
	if err := j.Mark(0, journal.Done, "", cred.SID); err == nil {
		// The password is in the user's hands: no copy stays on disk.
		j.Remove()
	} else {
		j.Close()
	}
	rec.SID, rec.Outcome = cred.SID, audit.OutcomeOK
	if err := auditLog.Record(rec); err != nil {
		return fmt.Errorf("account %s created, but the audit log was not written: %w", username, err)
	}
	if !d.SIPRegistration {
		fmt.Fprintf(opts.IO.ErrOut, "warning: registration is disabled on %s, so phones cannot register yet: run `sipctl domains update %s --sip-registration`\n",
			d.DomainName, d.DomainName)
	}
	if opts.Verify.Enabled {
		return verifyCreated(ctx, opts, username, d.DomainName, pw)
	}
	return nil
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

// rejected reports a definite refusal by the provider (a 4xx other than
// 429): the credential was not created. Network errors, timeouts and 5xx
// leave it unknown.
func rejected(err error) bool {
	var t interface{ Temporary() bool }
	return errors.As(err, &t) && !t.Temporary() && !errors.Is(err, context.DeadlineExceeded)
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

// registrationList finds the credential list phones on d register with, or
// makes one: DOMAIN-users, attached for calls and registrations.
func registrationList(ctx context.Context, p provider.Provider, ios *iostreams.IOStreams, d provider.Domain, listRef string) (lookup.AttachedList, error) {
	attached, err := lookup.AttachedLists(ctx, p, d.SID)
	if err != nil {
		return lookup.AttachedList{}, err
	}
	if listRef != "" {
		for _, l := range attached {
			if l.SID == listRef || l.FriendlyName == listRef {
				if !l.Registrations {
					fmt.Fprintf(ios.ErrOut, "warning: credential list %s is attached to %s for calls only, so phones cannot register with it: run `sipctl attach credlist %s --domain %s --for registrations`\n",
						l.FriendlyName, d.DomainName, l.SID, d.DomainName)
				}
				return l, nil
			}
		}
		return lookup.AttachedList{}, cmdutil.WithHint(fmt.Errorf("credential list %q is not attached to %s", listRef, d.DomainName),
			fmt.Sprintf("attach it with `sipctl attach credlist %s --domain %s`, or see what is attached with `sipctl domains show %s`", listRef, d.DomainName, d.DomainName))
	}
	var forReg []lookup.AttachedList
	for _, l := range attached {
		if l.Registrations {
			forReg = append(forReg, l)
		}
	}
	switch len(forReg) {
	case 1:
		return forReg[0], nil
	case 0:
	default:
		names := make([]string, len(forReg))
		for i, l := range forReg {
			names[i] = l.FriendlyName
		}
		return lookup.AttachedList{}, cmdutil.FlagErrorf("%d credential lists are attached to %s for registrations (%s): choose one with --list",
			len(forReg), d.DomainName, strings.Join(names, ", "))
	}

	name := strings.TrimSuffix(d.DomainName, "."+resolve.DomainSuffix) + "-users"
	list, err := findOrCreateList(ctx, p, ios, name)
	if err != nil {
		return lookup.AttachedList{}, err
	}
	l := lookup.AttachedList{SID: list.SID, FriendlyName: list.FriendlyName}
	for _, a := range attached {
		if a.SID == list.SID {
			l = a
		}
	}
	if !l.Calls {
		if _, err := p.AttachCredentialList(ctx, d.SID, provider.ForCalls, l.SID); err != nil {
			return l, fmt.Errorf("attaching credential list %s to %s for calls: %w", name, d.DomainName, err)
		}
		l.Calls = true
	}
	if _, err := p.AttachCredentialList(ctx, d.SID, provider.ForRegistrations, l.SID); err != nil {
		return l, fmt.Errorf("attaching credential list %s to %s for registrations: %w", name, d.DomainName, err)
	}
	l.Registrations = true
	fmt.Fprintf(ios.ErrOut, "Attached credential list %s to %s for calls and registrations\n", name, d.DomainName)
	return l, nil
}

// findOrCreateList reuses an unattached list of the conventional name rather
// than making a duplicate (which `domains check` would flag).
func findOrCreateList(ctx context.Context, p provider.CredentialLists, ios *iostreams.IOStreams, name string) (provider.CredentialList, error) {
	var found []provider.CredentialList
	for l, err := range p.ListCredentialLists(ctx) {
		if err != nil {
			return provider.CredentialList{}, err
		}
		if l.FriendlyName == name {
			found = append(found, l)
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		l, err := p.CreateCredentialList(ctx, name)
		if err != nil {
			return l, fmt.Errorf("creating credential list %s: %w", name, err)
		}
		fmt.Fprintf(ios.ErrOut, "Created credential list %s (%s)\n", name, l.SID)
		return l, nil
	}
	return provider.CredentialList{}, cmdutil.WithHint(fmt.Errorf("%d credential lists are named %s and none is attached for registrations", len(found), name),
		"attach one with `sipctl attach credlist SID --domain DOMAIN`, then pass --list SID; `sipctl domains check` shows the duplicates")
}

// printCreated reports any write error, which the table writer would
// swallow: a password that did not reach the user must stay in the journal.
func printCreated(opts *CreateOptions, a lookup.Account) error {
	w := &errWriter{w: opts.IO.Out}
	ios := *opts.IO
	ios.Out = w
	if opts.Exporter.Enabled() {
		return errors.Join(opts.Exporter.Write(w, a), w.err)
	}
	fields := []output.Field{
		{Label: "Username", Value: output.Text(a.Username)},
		{Label: "Password", Value: output.Text(a.Password)},
		{Label: "Domain", Value: output.Text(a.Domain)},
		{Label: "Registrar", Value: output.Text(a.Registrar)},
		{Label: "Transports", Value: output.Text(lookup.TransportList(a.Transports))},
		{Label: "SRTP", Value: output.Bool(a.SRTP)},
		{Label: "SIP URI", Value: output.Text(a.SIPURI)},
		{Label: "Credential list", Value: output.Text(a.CredentialList + " (" + a.CredentialListSID + ")")},
		{Label: "SID", Value: output.Text(a.SID)},
	}
	if ios.IsStdoutTTY() {
		fmt.Fprintf(ios.Out, "Created SIP account %s on %s. The password is shown once: store it now.\n\n", a.Username, a.Domain)
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
