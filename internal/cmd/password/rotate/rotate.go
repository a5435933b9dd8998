// Package rotate is `sipctl password rotate`.
package rotate

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/sipctl/sipctl/internal/audit"
	"github.com/sipctl/sipctl/internal/cmd/verify"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/journal"
	"github.com/sipctl/sipctl/internal/output"
	"github.com/sipctl/sipctl/internal/password"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/rotate"
	"github.com/sipctl/sipctl/internal/sip"
	"github.com/spf13/cobra"
)

// RotateOptions are the command's inputs.
type RotateOptions struct {
	IO       *iostreams.IOStreams
	Exporter *cmdutil.Exporter
	Provider func() (provider.Provider, error)
	Profile  func() (*config.Profile, error)
	StateDir func() string
	// Globals carry --profile and --audit-log.
	Globals *cmdutil.Globals

	Users         []string
	List          string
	Domain        string
	All           bool
	Resume        bool
	ResumeRun     string
	DryRun        bool
	Yes           bool
	Policy        string
	Length        int
	Output        string
	ShowPasswords bool
	Concurrency   int
	AuditLog      string
	// Verify is --verify: a REGISTER with each new password once set.
	Verify verify.Options
}

// NewCmdRotate builds `password rotate`; runF replaces the run function in tests.
func NewCmdRotate(f *cmdutil.Factory, runF func(*RotateOptions) error) *cobra.Command {
	opts := &RotateOptions{IO: f.IOStreams, Exporter: &cmdutil.Exporter{}, Provider: cmdutil.Capability[provider.Provider](f.Provider, provider.WhatCredentialLists), Profile: f.Profile,
		StateDir: config.StateDir, Globals: f.Globals}
	cmd := &cobra.Command{
		Use:   "rotate [USER@DOMAIN ...] [--credential-list NAME|SID | --domain NAME | --all]",
		Short: "Give SIP accounts new generated passwords, without ever losing one",
		Long: `Generate a new password for each chosen account and set it at the provider.

Choose accounts as USER@DOMAIN arguments (USER alone uses the profile's default domain), every
credential of one list (--credential-list), every account on the lists attached to a domain
(--domain), or every credential in the account (--all; --subaccount picks a reseller's customer).

Each rotation unregisters a device until someone enters its new password, so no password may be
lost: every new password is first written to a journal in the state directory (mode 0600,
fsync'd), and only then sent. If a run is interrupted or killed, ` + "`sipctl password rotate --resume`" + `
re-applies the journaled passwords (setting the same password twice is harmless) and writes the
handover. The journal is removed once the handover is written.

The new passwords go to --output FILE (.json or .csv, mode 0600, written atomically) and/or to
stdout with --json (fields sid, username, domain, password). A terminal table shows passwords only
with --show-passwords. One of these is required.

Requests run concurrently (at most --concurrency) and back off when the provider answers 429.
When some rotations fail the command prints a summary, exits with status 3 and prints the
command that retries only the failed ones with their journaled passwords.

--verify sends a query REGISTER (no registration changes) with each new password to the domain's
registrar, found in DNS or given with --registrar; for the sandbox profile, the registrar of a
running ` + "`sipctl sandbox serve`" + `. The handover gains a verified field per account. A password
the registrar does not accept counts as a failure (exit status 3), but it is set at the provider
and kept in the handover.`,
		Example: `  $ sipctl password rotate alice@office.sip.twilio.com --output alice.json
  $ sipctl password rotate --domain office.sip.twilio.com --dry-run
  $ sipctl password rotate --all --subaccount "Acme Dental" --policy device-safe --output acme.csv --yes
  $ sipctl password rotate alice@office.sip.twilio.com --output alice.json --verify
  $ sipctl password rotate --resume`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Users = args
			if cmd.Flags().Changed("resume") && opts.ResumeRun != "" && opts.ResumeRun != "all" {
				opts.Resume = true
			}
			if opts.ResumeRun == "all" {
				opts.Resume, opts.ResumeRun = true, ""
			}
			modes := 0
			for _, set := range []bool{len(args) > 0, opts.List != "", opts.Domain != "", opts.All} {
				if set {
					modes++
				}
			}
			switch {
			case opts.Resume && modes > 0:
				return cmdutil.FlagErrorf("--resume takes no accounts: it finishes the journaled runs")
			case opts.Resume && (opts.DryRun || opts.Policy != "" || opts.Length != 0):
				return cmdutil.FlagErrorf("--resume re-applies journaled passwords; --dry-run, --policy and --length do not apply")
			case !opts.Resume && modes == 0:
				return cmdutil.FlagErrorf("choose accounts: USER@DOMAIN arguments, --credential-list, --domain or --all (or --resume)")
			case modes > 1:
				return cmdutil.FlagErrorf("use only one of USER@DOMAIN arguments, --credential-list, --domain and --all")
			}
			if opts.Output != "" {
				if err := rotate.CheckHandoverPath(opts.Output); err != nil {
					return cmdutil.FlagErrorf("%v", err)
				}
			}
			if !opts.DryRun && !opts.Resume && !hasDestination(opts) {
				return cmdutil.FlagErrorf("the new passwords need somewhere to go: pass --output FILE, --json, or --show-passwords on a terminal")
			}
			if err := opts.Verify.Validate(cmd); err != nil {
				return err
			}
			if opts.Verify.Enabled && opts.DryRun {
				return cmdutil.FlagErrorf("--verify checks new passwords; --dry-run sets none")
			}
			if opts.Concurrency < 1 {
				return cmdutil.FlagErrorf("--concurrency must be at least 1")
			}
			if opts.AuditLog == "" && opts.Globals != nil {
				opts.AuditLog = opts.Globals.AuditLog
			}
			if runF != nil {
				return runF(opts)
			}
			return rotateRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.List, "credential-list", "", "Rotate every credential in this list (`NAME or SID`)")
	fl.StringVar(&opts.Domain, "domain", "", "Rotate every account on the lists attached to this `domain`")
	fl.BoolVar(&opts.All, "all", false, "Rotate every credential in the account (or --subaccount)")
	fl.StringVar(&opts.ResumeRun, "resume", "", "Finish interrupted runs from their journals (all, or one `run-id`)")
	fl.Lookup("resume").NoOptDefVal = "all"
	fl.BoolVar(&opts.DryRun, "dry-run", false, "Show which accounts would get new passwords, and change nothing")
	fl.BoolVar(&opts.Yes, "yes", false, "Do not ask for confirmation")
	fl.StringVar(&opts.Policy, "policy", "", "Password `policy`: twilio, strict, device-safe, or key=value settings (default: the profile's)")
	fl.IntVar(&opts.Length, "length", 0, "New passwords have `N` characters")
	fl.StringVarP(&opts.Output, "output", "o", "", "Write the new passwords to `file` (.json or .csv, mode 0600)")
	fl.BoolVar(&opts.ShowPasswords, "show-passwords", false, "Show the new passwords in the terminal table")
	fl.IntVar(&opts.Concurrency, "concurrency", rotate.DefaultConcurrency, "At most `N` requests at once")
	verify.AddFlags(cmd, &opts.Verify)
	if f.Globals == nil {
		// The root command defines --audit-log for every command; this
		// keeps the command usable on its own (tests, embedding).
		fl.StringVar(&opts.AuditLog, "audit-log", "", "Append the audit log to `path`")
	}
	cmdutil.AddJSONFlags(cmd, opts.Exporter)
	return cmd
}

func hasDestination(opts *RotateOptions) bool {
	return opts.Output != "" || opts.Exporter.Enabled() || (opts.ShowPasswords && opts.IO.IsStdoutTTY())
}

func profileName(opts *RotateOptions) (name, provName, policy, defaultDomain string) {
	if opts.Profile == nil {
		return "", "", "", ""
	}
	p, err := opts.Profile()
	if err != nil || p == nil {
		return "", "", "", ""
	}
	return p.Name, p.Provider, p.PasswordPolicy, p.DefaultDomain
}

func rotateRun(ctx context.Context, opts *RotateOptions) error {
	if opts.Verify.Enabled && opts.Profile != nil {
		prof, err := opts.Profile()
		if err != nil {
			return err
		}
		if err := opts.Verify.Resolve(prof, opts.StateDir()); err != nil {
			return err
		}
	}
	if opts.Resume {
		return resumeRun(ctx, opts)
	}
	profName, provName, profPolicy, defDomain := profileName(opts)
	pol, err := password.Resolve(opts.Policy, profPolicy, provName)
	if err != nil {
		return cmdutil.FlagErrorf("%v", err)
	}
	if opts.Length > 0 {
		if pol, err = pol.WithLength(opts.Length); err != nil {
			return cmdutil.FlagErrorf("--length: %v", err)
		}
	}
	p, err := opts.Provider()
	if err != nil {
		return err
	}
	acct := p.AccountSID()
	var targets []rotate.Target
	switch {
	case len(opts.Users) > 0:
		targets, err = rotate.ForUsers(ctx, p, acct, opts.Users, defDomain)
	case opts.List != "":
		targets, err = rotate.ForList(ctx, p, acct, opts.List)
	case opts.Domain != "":
		targets, err = rotate.ForDomain(ctx, p, acct, opts.Domain)
	default:
		targets, err = rotate.ForAll(ctx, p, acct)
	}
	if err != nil {
		return err
	}
	if len(targets) == 0 {
		return errors.New("no credentials to rotate: the chosen lists are empty")
	}
	if opts.DryRun {
		return printDryRun(opts, targets, pol)
	}
	prompt := fmt.Sprintf("Rotate %d password%s in %s? Each device stays unregistered until its new password is entered.", len(targets), plural(len(targets)), acct)
	if err := cmdutil.ConfirmDestructive(opts.IO, opts.Yes, prompt, ""); err != nil {
		return err
	}
	entries, err := rotate.Plan(targets, pol, p.Name(), profName)
	if err != nil {
		return err
	}
	j, err := journal.Create(journal.Dir(opts.StateDir()), journal.Header{
		Profile: profName, Provider: p.Name(), AccountSID: acct, Output: absPath(opts.Output), Policy: pol.Name,
	}, entries)
	if err != nil {
		return err
	}
	return execute(ctx, opts, p, j, profName)
}

// execute runs a journal's unfinished entries, then hands the passwords over.
func execute(ctx context.Context, opts *RotateOptions, p provider.Provider, j *journal.Journal, profName string) error {
	al, err := audit.Open(opts.AuditLog)
	if err != nil {
		j.Close()
		return err
	}
	defer al.Close()
	ro := rotate.Options{Concurrency: opts.Concurrency, Audit: al, Profile: profName,
		ForAccount: func(sid string) provider.CredentialLists {
			if sid == p.AccountSID() {
				return p
			}
			return p.WithAccount(sid).(provider.CredentialLists)
		}}
	if opts.IO.ProgressEnabled() {
		ro.Progress = opts.IO.ErrOut
	}
	sum := rotate.Run(ctx, p, j, nil, ro)
	var checked map[string]sip.CheckResult
	if opts.Verify.Enabled {
		checked = verifyRotated(ctx, opts, sum.Rotated)
	}
	return finish(opts, j, sum, checked)
}

// verifyRotated probes each account rotated in this run once (a user on
// several of a domain's lists has one password) and returns the results by
// credential SID. Accounts on no domain have no registrar to ask.
func verifyRotated(ctx context.Context, opts *RotateOptions, rotated []journal.Entry) map[string]sip.CheckResult {
	var accounts []verify.Account
	index := map[verify.Account]int{}
	for _, e := range rotated {
		a := verify.Account{Username: e.Username, Domain: e.Domain, Password: e.Password}
		if _, seen := index[a]; !seen && e.Domain != "" {
			index[a] = len(accounts)
			accounts = append(accounts, a)
		}
	}
	results := verify.Run(ctx, opts.Verify, accounts)
	out := map[string]sip.CheckResult{}
	for _, e := range rotated {
		if i, ok := index[verify.Account{Username: e.Username, Domain: e.Domain, Password: e.Password}]; ok {
			out[e.CredentialSID] = results[i]
		}
	}
	return out
}

// finish writes the handover of every done entry, removes the journal when
// nothing is left to do, and reports.
func finish(opts *RotateOptions, j *journal.Journal, sum rotate.Summary, checked map[string]sip.CheckResult) error {
	entries := j.Entries()
	records := rotate.Records(entries)
	for i, r := range records {
		if res, ok := checked[r.SID]; ok {
			records[i].Verified = string(res.Outcome)
		}
	}
	dest := opts.Output
	if dest == "" {
		dest = j.Header().Output
	}
	handedOver := false
	if dest != "" {
		if err := rotate.WriteHandover(dest, records); err != nil {
			j.Close()
			return cmdutil.WithHint(err, fmt.Sprintf("the passwords are safe in the journal %s; run `sipctl password rotate --resume=%s --output FILE`", j.Path(), j.Header().RunID))
		}
		handedOver = true
		fmt.Fprintf(opts.IO.ErrOut, "Wrote %d new password%s to %s\n", len(records), plural(len(records)), dest)
	}
	if opts.Exporter.Enabled() {
		if err := opts.Exporter.Write(opts.IO.Out, records); err != nil {
			j.Close()
			return err
		}
		handedOver = true
	} else if opts.IO.IsStdoutTTY() {
		headers := []string{"SID", "USERNAME", "DOMAIN", "STATUS"}
		if opts.Verify.Enabled {
			headers = append(headers, "VERIFIED")
		}
		if opts.ShowPasswords {
			headers = append(headers, "PASSWORD")
			handedOver = true
		}
		t := output.NewTable(opts.IO.Out, output.TableStyle{TTY: true, Color: opts.IO.ColorEnabled(), Width: opts.IO.TerminalWidth()}, headers...)
		for _, e := range entries {
			cells := []output.Cell{output.Text(e.CredentialSID), output.Text(e.Username), output.Text(e.Domain), output.Text(string(e.Status))}
			if opts.Verify.Enabled {
				v := "-"
				if res, ok := checked[e.CredentialSID]; ok && e.Status == journal.Done {
					v = string(res.Outcome)
				}
				cells = append(cells, output.Text(v))
			}
			if opts.ShowPasswords {
				pw := e.Password
				if e.Status != journal.Done {
					pw = "-"
				}
				cells = append(cells, output.Text(pw))
			}
			t.Row(cells...)
		}
		t.Render()
	}
	unfinished := len(j.Unfinished())
	switch {
	case unfinished == 0 && handedOver:
		if err := j.Remove(); err != nil {
			fmt.Fprintf(opts.IO.ErrOut, "warning: could not remove the journal %s: %v\n", j.Path(), err)
		}
	case !handedOver:
		j.Close()
		return cmdutil.WithHint(errors.New("the new passwords were not handed over"),
			fmt.Sprintf("they are in the journal; run `sipctl password rotate --resume=%s --output FILE`", j.Header().RunID))
	default:
		j.Close()
	}
	fmt.Fprintf(opts.IO.ErrOut, "Rotated %d, failed %d, skipped %d.\n", len(sum.Rotated), len(sum.Failed), len(sum.Skipped))
	for _, f := range sum.Failed {
		fmt.Fprintf(opts.IO.ErrOut, "  failed: %s (%s): %s\n", account(f.Entry), f.Entry.CredentialSID, oneLine(f.Err.Error()))
	}
	unverified := reportVerified(opts, sum.Rotated, checked)
	if unfinished > 0 {
		return &cmdutil.PartialError{Failed: unfinished + len(unverified), Total: len(entries), RetryCommand: retryCommand(opts, j)}
	}
	if len(unverified) > 0 {
		retry := ""
		if len(unverified) == 1 && dest != "" {
			retry = fmt.Sprintf("sipctl accounts check %s --from-handover %s%s", shellQuote(account(unverified[0])), shellQuote(dest), opts.Verify.CheckArgs())
		}
		return &cmdutil.PartialError{Failed: len(unverified), Total: len(entries), RetryCommand: retry}
	}
	return nil
}

// reportVerified prints what --verify found and returns the rotated entries
// whose new password the registrar did not accept.
func reportVerified(opts *RotateOptions, rotated []journal.Entry, checked map[string]sip.CheckResult) []journal.Entry {
	if !opts.Verify.Enabled || len(rotated) == 0 {
		return nil
	}
	var bad []journal.Entry
	accepted, noDomain := 0, 0
	for _, e := range rotated {
		res, ok := checked[e.CredentialSID]
		switch {
		case !ok:
			noDomain++
		case res.Outcome == sip.Accepted:
			accepted++
		default:
			bad = append(bad, e)
		}
	}
	fmt.Fprintf(opts.IO.ErrOut, "Verified %d of %d with %s.\n", accepted, len(rotated), opts.Verify.Where())
	for _, e := range bad {
		fmt.Fprintf(opts.IO.ErrOut, "  not verified: %s (%s): %s\n", account(e), e.CredentialSID, oneLine(verify.Describe(checked[e.CredentialSID])))
	}
	if noDomain > 0 {
		fmt.Fprintf(opts.IO.ErrOut, "  %d not checked: their credential lists are attached to no domain\n", noDomain)
	}
	if len(bad) > 0 {
		fmt.Fprintln(opts.IO.ErrOut, "  Their new passwords are set at the provider and in the handover; a registrar may take a moment to see a change.")
	}
	return bad
}

func account(e journal.Entry) string {
	if e.Domain == "" {
		return e.Username
	}
	return e.Username + "@" + e.Domain
}

func retryCommand(opts *RotateOptions, j *journal.Journal) string {
	parts := []string{"sipctl"}
	if opts.Globals != nil && opts.Globals.Profile != "" {
		parts = append(parts, "--profile", shellQuote(opts.Globals.Profile))
	}
	if opts.Globals != nil && opts.Globals.Subaccount != "" {
		parts = append(parts, "--subaccount", shellQuote(opts.Globals.Subaccount))
	}
	parts = append(parts, "password", "rotate", "--resume="+j.Header().RunID)
	if opts.Output != "" {
		parts = append(parts, "--output", shellQuote(opts.Output))
	}
	if opts.Exporter.Enabled() {
		parts = append(parts, "--json")
	}
	if opts.Verify.Enabled {
		parts = append(parts, "--verify")
		if opts.Verify.Registrar != "" && !opts.Verify.Discovered {
			parts = append(parts, "--registrar", shellQuote(opts.Verify.Registrar))
		}
		if opts.Verify.Transport != "udp" {
			parts = append(parts, "--transport", opts.Verify.Transport)
		}
	}
	return strings.Join(parts, " ")
}

// resumeRun finishes every unfinished journal of the active profile (or the
// one named by --resume=RUN).
func resumeRun(ctx context.Context, opts *RotateOptions) error {
	paths, err := journal.List(journal.Dir(opts.StateDir()))
	if err != nil {
		return err
	}
	profName, _, _, _ := profileName(opts)
	var todo []*journal.Journal
	for _, path := range paths {
		j, err := journal.Open(path)
		if err != nil {
			fmt.Fprintf(opts.IO.ErrOut, "warning: skipping %v\n", err)
			continue
		}
		h := j.Header()
		switch {
		case opts.ResumeRun != "" && h.RunID != opts.ResumeRun:
			j.Close()
		case opts.ResumeRun == "" && h.Profile != profName:
			fmt.Fprintf(opts.IO.ErrOut, "Skipping run %s of profile %q (use --profile %s to resume it)\n", h.RunID, h.Profile, h.Profile)
			j.Close()
		default:
			todo = append(todo, j)
		}
	}
	if len(todo) == 0 {
		if opts.ResumeRun != "" {
			return fmt.Errorf("no journal for run %s in %s", opts.ResumeRun, journal.Dir(opts.StateDir()))
		}
		fmt.Fprintln(opts.IO.ErrOut, "Nothing to resume: no unfinished rotation.")
		return nil
	}
	p, err := opts.Provider()
	if err != nil {
		for _, j := range todo {
			j.Close()
		}
		return err
	}
	var errs []error
	for i, j := range todo {
		if j.Header().Output == "" && opts.Output == "" && !opts.Exporter.Enabled() && !(opts.ShowPasswords && opts.IO.IsStdoutTTY()) {
			j.Close()
			errs = append(errs, cmdutil.FlagErrorf("run %s has no handover file: pass --output FILE or --json", j.Header().RunID))
			continue
		}
		fmt.Fprintf(opts.IO.ErrOut, "Resuming run %s: %d of %d password%s to set\n", j.Header().RunID, len(j.Unfinished()), len(j.Entries()), plural(len(j.Entries())))
		if err := execute(ctx, opts, p, j, j.Header().Profile); err != nil {
			errs = append(errs, err)
		}
		if ctx.Err() != nil {
			for _, rest := range todo[i+1:] {
				rest.Close()
			}
			break
		}
	}
	if len(errs) == 1 {
		return errs[0]
	}
	return errors.Join(errs...)
}

func printDryRun(opts *RotateOptions, targets []rotate.Target, pol password.Policy) error {
	if opts.Exporter.Enabled() {
		return opts.Exporter.Write(opts.IO.Out, targets)
	}
	t := output.NewTable(opts.IO.Out, output.TableStyle{TTY: opts.IO.IsStdoutTTY(), Color: opts.IO.ColorEnabled(), Width: opts.IO.TerminalWidth()},
		"SID", "USERNAME", "DOMAIN", "CREDENTIAL LIST")
	for _, x := range targets {
		t.Row(output.Text(x.CredentialSID), output.Text(x.Username), output.Text(x.Domain), output.Text(x.ListName))
	}
	if err := t.Render(); err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.ErrOut, "Would rotate %d password%s with the %s policy (%d characters, %.0f bits). Nothing was changed.\n",
		len(targets), plural(len(targets)), pol.Name, pol.GenLength(), pol.Entropy())
	return nil
}

func absPath(p string) string {
	if p == "" {
		return ""
	}
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./@:=") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
