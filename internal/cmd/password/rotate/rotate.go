// Package rotate is `sipctl password rotate`.
package rotate

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/sipctl/sipctl/internal/cmd/bulk"
	"github.com/sipctl/sipctl/internal/cmd/provision/shared"
	"github.com/sipctl/sipctl/internal/cmd/verify"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/custody"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/journal"
	"github.com/sipctl/sipctl/internal/output"
	"github.com/sipctl/sipctl/internal/password"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/redact"
	"github.com/sipctl/sipctl/internal/rotate"
	"github.com/sipctl/sipctl/internal/sip"
	"github.com/spf13/cobra"
)

// RotateOptions are the command's inputs.
type RotateOptions struct {
	IO       *iostreams.IOStreams
	Exporter *cmdutil.Exporter
	Provider func() (provider.SIPAccounts, error)
	Profile  func() (*config.Profile, error)
	StateDir func() string
	// Globals carry --profile and --audit-log.
	Globals *cmdutil.Globals

	Users  []string
	List   string
	Domain string
	All    bool
	// AllSubaccounts is --all-subaccounts: every account of every
	// subaccount, with a handover file per subaccount in OutputDir.
	AllSubaccounts bool
	OutputDir      string
	OutputFormat   string
	Resume         bool
	ResumeRun      string
	DryRun         bool
	Yes            bool
	Policy         string
	Length         int
	Output         string
	ShowPasswords  bool
	Concurrency    int
	AuditLog       string
	// Verify is --verify: a REGISTER with each new password once set.
	Verify verify.Options
	// ProvisionDir and Devices are the provisioning target: the files of
	// the devices carrying the rotated accounts are rewritten in the run.
	ProvisionDir string
	Devices      string
	provision    *shared.Target
}

// runIDPattern matches the run IDs journals are named by.
var runIDPattern = regexp.MustCompile(`^\d{8}T\d{6}(\.\d+)?Z-[0-9a-f]{8}$`)

// NewCmdRotate builds `password rotate`; runF replaces the run function in tests.
func NewCmdRotate(f *cmdutil.Factory, runF func(*RotateOptions) error) *cobra.Command {
	opts := &RotateOptions{IO: f.IOStreams, Exporter: &cmdutil.Exporter{}, Profile: f.Profile,
		Provider: f.Provider,
		StateDir: config.StateDir, Globals: f.Globals}
	cmd := &cobra.Command{
		Use:   "rotate [USER@DOMAIN ...] [--domain NAME | --all | --all-subaccounts | --credential-list NAME|SID]",
		Short: "Give SIP accounts new generated passwords, without ever losing one",
		Long: `Generate a new password for each chosen account and set it at the provider.

Choose accounts as USER@DOMAIN arguments (USER alone uses the profile's default domain), every
account on a domain (--domain), every account (--all; --subaccount picks a reseller's customer),
every account of every customer (--all-subaccounts), or every credential of one credential
list (--credential-list, where the provider has credential lists: Twilio and the sandbox).

Each rotation unregisters a device until someone enters its new password, so no password may be
lost. Before the first request sipctl checks that the audit log, the journal directory and the
--output file can be written, and takes a lock: a second run over any of the same accounts is
refused, naming the run that holds them. Every new password is then written to a journal in the
state directory (mode 0600, each line checksummed, fsync'd), and only then sent. A journal write
that fails (a full disk) stops the run at once with the system's error.

Ctrl-C or SIGTERM stops new requests, lets those in flight finish, writes the handover of what
was done and prints the exact command that finishes the rest. A killed run is finished with
` + "`sipctl password rotate --resume RUN-ID`" + ` (or --resume alone for every unfinished run of the profile),
which re-applies the journaled passwords (setting the same password twice is harmless) except to
accounts a later run changed. A damaged journal is never resumed or removed: sipctl names the
file and line and stops. ` + "`sipctl password runs`" + ` lists, shows and discards unfinished runs. A new
run over accounts with an unfinished run is refused until that run is resumed or discarded.

The new passwords go to --output FILE and/or to stdout with --json (fields sid, username, domain,
password) or --show-passwords on a terminal; one is required. --json field selection and --jq
must keep the password (or --output must be given): otherwise the run is refused before any
change. The --output file is a ledger: rows of the accounts rotated replace their old rows,
every other row stays. It is written atomically (temporary file, fsync, rename) with mode 0600;
a directory, a symlink to another directory, a read-only place, or a file that is not a sipctl
handover is refused before any change. The journal is removed once the handover is written.

In a CSV handover no cell starts with = + - @, a tab or a CR, so a spreadsheet never runs one as
a formula: such usernames, domains and SIDs get a leading single quote (' ), which sipctl strips
when it reads the file. Passwords are never altered: generated ones never start with those
characters, and a password that does (set by hand or another tool) makes sipctl refuse a CSV
handover before any change; use a .json handover for it.

Requests run concurrently (at most --concurrency) and back off when the provider answers 429.
Each write has one retry budget, shared by the API client and the run: at most 12 retries
within 2 minutes. A write whose outcome is unknown (the connection was cut after the request
was sent, a 5xx, an answer sipctl cannot read) is sent again with the same password; what
stays unknown is kept in the journal and counted as unconfirmed. The summary counts rotated,
failed (refused: nothing was set), not attempted and unconfirmed accounts separately (and
verified and unverified with --verify); when some are left the exit status is 3 with the
command that finishes them. A second Ctrl-C ends sipctl at once; the journal keeps the rest.

--verify sends a query REGISTER (no registration changes) with each new password to the domain's
registrar, found in DNS or given with --registrar; for the sandbox profile, the registrar of a
running ` + "`sipctl sandbox serve`" + `. The handover gains a verified field per account. A password
the registrar does not accept counts as unverified (exit status 3, with the commands that check
them again), but it is set at the provider and kept in the handover.

--all-subaccounts is a reseller's rotation of every customer in one run: every account of every
active subaccount of the profile's account, with one --concurrency budget shared by all of them
(not one per customer). Suspended and closed subaccounts are skipped, each named on stderr and
in the summary. Each customer's new passwords go to a file of its own in --output-dir DIR, named
after the subaccount and its SID (acme-dental-AC….csv, or .json with --output-format json), in
the format of --output, so each customer can be given only their own passwords. On a terminal
the progress names each customer as it finishes. --json prints one object per subaccount, not
passwords: subaccount_sid, subaccount, account_status, outcome (rotated, incomplete, skipped or
empty), accounts, rotated, failed, not_attempted, handover. An interrupted run is finished with
--resume RUN-ID, which sets only what its journal has not done and writes the same files. A
provider without subaccounts refuses --all-subaccounts before any request.`,
		Example: `  $ sipctl password rotate alice@office.sip.twilio.com --output alice.json
  $ sipctl password rotate --domain office.sip.twilio.com --dry-run
  $ sipctl password rotate --all --subaccount "Acme Dental" --policy device-safe --output acme.csv -y
  $ sipctl password rotate alice@office.sip.twilio.com --output alice.json --verify
  $ sipctl password rotate --all-subaccounts --dry-run
  $ sipctl password rotate --all-subaccounts --output-dir handovers -y
  $ sipctl password runs list
  $ sipctl password rotate --resume`,
		RunE: func(cmd *cobra.Command, args []string) error {
			// --resume RUN-ID (with a space) reaches us as an argument.
			if cmd.Flags().Changed("resume") && opts.ResumeRun == "all" && len(args) == 1 && runIDPattern.MatchString(args[0]) {
				opts.ResumeRun, args = args[0], nil
			}
			opts.Users = args
			if cmd.Flags().Changed("resume") {
				opts.Resume = true
				if opts.ResumeRun == "all" {
					opts.ResumeRun = ""
				}
			}
			modes := 0
			for _, set := range []bool{len(args) > 0, opts.List != "", opts.Domain != "", opts.All, opts.AllSubaccounts} {
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
				return cmdutil.FlagErrorf("choose accounts: USER@DOMAIN arguments, --domain, --all, --all-subaccounts or --credential-list (or --resume)")
			case modes > 1:
				return cmdutil.FlagErrorf("use only one of USER@DOMAIN arguments, --credential-list, --domain, --all and --all-subaccounts")
			}
			if err := validateAllSubaccounts(cmd, opts); err != nil {
				return err
			}
			if opts.Output != "" {
				if err := rotate.CheckHandoverPath(opts.Output); err != nil {
					return cmdutil.FlagErrorf("%v", err)
				}
			}
			if !opts.DryRun && !opts.Resume && !opts.AllSubaccounts && !hasDestination(opts) {
				return cmdutil.FlagErrorf("the new passwords need somewhere to go: pass --output FILE, --json, or --show-passwords on a terminal")
			}
			// --json names a record's fields; a dry run prints targets,
			// --all-subaccounts one result per customer.
			known := output.FieldsOf(rotate.Record{})
			switch {
			case opts.DryRun:
				known = output.FieldsOf(rotate.Target{})
			case opts.AllSubaccounts:
				known = customerFields
			}
			if err := opts.Exporter.CheckFields(known); err != nil {
				return cmdutil.FlagErrorf("%v", err)
			}
			if !opts.DryRun && !opts.AllSubaccounts {
				if err := custody.CheckExport(opts.Exporter, opts.Output != "", sampleRecords); err != nil {
					return cmdutil.FlagErrorf("%v", err)
				}
			}
			if err := opts.Verify.Validate(cmd); err != nil {
				return err
			}
			if (opts.ProvisionDir == "") != (opts.Devices == "") {
				return cmdutil.FlagErrorf("--provision-dir and --devices go together: the devices whose files to rewrite, and where")
			}
			if opts.ProvisionDir != "" && (opts.DryRun || opts.AllSubaccounts) {
				return cmdutil.FlagErrorf("--provision-dir does not go with --dry-run or --all-subaccounts")
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
	fl.StringVar(&opts.List, "credential-list", "", "Rotate every credential in this Twilio credential list (`NAME or SID`)")
	fl.StringVarP(&opts.Domain, "domain", "d", "", "Rotate every account on this `domain`")
	fl.BoolVar(&opts.All, "all", false, "Rotate every account in the account (or --subaccount)")
	fl.BoolVar(&opts.AllSubaccounts, "all-subaccounts", false, "Rotate every account of every active subaccount, one handover file per subaccount in --output-dir")
	fl.StringVar(&opts.OutputDir, "output-dir", "", "With --all-subaccounts: write each subaccount's new passwords to its own file in `directory` (mode 0600)")
	fl.StringVar(&opts.OutputFormat, "output-format", "csv", "With --output-dir: handover files in `format` csv or json")
	cmd.RegisterFlagCompletionFunc("output-format", cobra.FixedCompletions([]string{"csv", "json"}, cobra.ShellCompDirectiveNoFileComp))
	cmd.MarkFlagDirname("output-dir")
	fl.StringVar(&opts.ResumeRun, "resume", "", "Finish unfinished runs from their journals (all of the profile's, or one `RUN-ID`)")
	fl.Lookup("resume").NoOptDefVal = "all"
	fl.BoolVar(&opts.DryRun, "dry-run", false, "Show which accounts would get new passwords, and change nothing")
	fl.BoolVarP(&opts.Yes, "yes", "y", false, "Do not ask for confirmation")
	fl.StringVar(&opts.Policy, "policy", "", password.FlagUsage("", " (default: the profile's)"))
	fl.IntVar(&opts.Length, "length", 0, "New passwords have `N` characters")
	fl.StringVarP(&opts.Output, "output", "o", "", "Merge the new passwords into `file` (.json or .csv, mode 0600)")
	fl.StringVar(&opts.ProvisionDir, "provision-dir", "", "Also rewrite the provisioning files in `directory` of the devices (--devices) that carry the rotated accounts")
	fl.StringVar(&opts.Devices, "devices", "", "With --provision-dir, the device inventory `file` (CSV: mac or id, vendor, model, account)")
	fl.BoolVar(&opts.ShowPasswords, "show-passwords", false, "Show the new passwords in the terminal table")
	fl.IntVar(&opts.Concurrency, "concurrency", rotate.DefaultConcurrency, "At most `N` requests at once")
	verify.AddFlags(cmd, &opts.Verify)
	if f.Globals == nil {
		// The root command defines --audit-log for every command; this
		// keeps the command usable on its own (tests, embedding).
		fl.StringVar(&opts.AuditLog, "audit-log", "", "Append the audit log to `path`")
	}
	cmdutil.AddJSONFlags(cmd, opts.Exporter, rotate.Record{}, rotate.Target{}, CustomerResult{})
	return cmd
}

func sampleRecords(pw string) any {
	return []rotate.Record{{SID: "CR00000000000000000000000000000000", Username: "alice", Domain: "example.sip.twilio.com", Password: pw}}
}

func hasDestination(opts *RotateOptions) bool {
	return opts.Output != "" || opts.ProvisionDir != "" || opts.Exporter.Enabled() || (opts.ShowPasswords && opts.IO.IsStdoutTTY())
}

// policy is the password policy of the run: --policy, else the profile's,
// else the provider's default, at --length when given.
func (opts *RotateOptions) policy(profPolicy, provName string) (password.Policy, error) {
	pol, err := password.Resolve(opts.Policy, profPolicy, provName)
	if err != nil {
		return pol, cmdutil.FlagErrorf("%v", err)
	}
	if opts.Length > 0 {
		if pol, err = pol.WithLength(opts.Length); err != nil {
			return pol, cmdutil.FlagErrorf("--length: %v", err)
		}
	}
	return pol, nil
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

func accountSID(p provider.SIPAccounts) string {
	if sc, ok := p.(provider.Scope); ok {
		return sc.AccountSID()
	}
	return ""
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
	if opts.ProvisionDir != "" {
		p, err := opts.Provider()
		if err != nil {
			return err
		}
		var prof *config.Profile
		if opts.Profile != nil {
			prof, _ = opts.Profile()
		}
		t, err := shared.NewTarget(opts.IO, opts.ProvisionDir, opts.Devices, p, opts.Provider, prof, opts.StateDir(), opts.Output)
		if err != nil {
			return err
		}
		opts.provision = t
	}
	if opts.Resume {
		return resumeRun(ctx, opts)
	}
	if opts.AllSubaccounts {
		return allSubaccountsRun(ctx, opts)
	}
	profName, provName, profPolicy, defDomain := profileName(opts)
	pol, err := opts.policy(profPolicy, provName)
	if err != nil {
		return err
	}
	p, err := opts.Provider()
	if err != nil {
		return err
	}
	if opts.List != "" {
		// Twilio only: refuse before any request elsewhere.
		if _, err := provider.Require[provider.CredentialLists](p, "credential lists"); err != nil {
			return err
		}
	}
	cust := custody.New(opts.StateDir())
	// Everything a run writes is checked before the first request.
	if !opts.DryRun {
		al, err := cust.CheckContext(ctx, opts.AuditLog, opts.Output)
		if err != nil {
			return err
		}
		al.Close()
	}
	acct := accountSID(p)
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
		return errors.New("no accounts to rotate: the chosen domain or list has none")
	}
	if opts.DryRun {
		return printDryRun(opts, targets, pol)
	}
	if err := cmdutil.ConfirmDestructive(opts.IO, opts.Yes, prompt(targets), ""); err != nil {
		return err
	}
	entries, err := rotate.Plan(targets, pol, p.Name(), profName)
	if err != nil {
		return err
	}
	if strings.EqualFold(fileExt(opts.Output), ".csv") {
		for _, e := range entries {
			if rotate.FormulaStart(e.Password) {
				return fmt.Errorf("the %s policy made a password that starts with = + - or @, which a CSV handover must not hold: use a .json --output", pol.Name)
			}
		}
	}
	var extra []custody.Target
	if opts.provision != nil {
		extra = append(extra, opts.provision)
	}
	run, err := cust.Begin(custody.Request{Command: "password rotate", Profile: profName, Provider: p, AccountSID: acct,
		Entries: entries, Output: opts.Output, Policy: pol.Name, AuditLog: opts.AuditLog, Targets: extra})
	if err != nil {
		return conflictHint(err)
	}
	return execute(ctx, opts, run)
}

func fileExt(p string) string {
	if i := strings.LastIndexByte(p, '.'); i >= 0 {
		return p[i:]
	}
	return ""
}

// prompt names what is about to change: the accounts when few, else the
// domains.
func prompt(ts []rotate.Target) string {
	var doms []string
	for _, t := range ts {
		d := t.Domain
		if d == "" {
			d = "credential list " + t.ListName
		}
		if !slices.Contains(doms, d) {
			doms = append(doms, d)
		}
	}
	what := ""
	if len(ts) <= 5 {
		names := make([]string, len(ts))
		for i, t := range ts {
			names[i] = t.Username
			if t.Domain != "" {
				names[i] += "@" + t.Domain
			}
		}
		what = strings.Join(slices.Compact(names), ", ")
	} else {
		what = fmt.Sprintf("%d accounts on %s", len(ts), strings.Join(doms[:min(3, len(doms))], ", "))
		if len(doms) > 3 {
			what += fmt.Sprintf(" and %d more domains", len(doms)-3)
		}
	}
	return fmt.Sprintf("Rotate the password%s of %s? Each device stays unregistered until its new password is entered.", plural(len(ts)), what)
}

func conflictHint(err error) error {
	if hinted := bulk.ConflictHint(err); hinted != err {
		return hinted
	}
	var de *journal.DamageError
	if errors.As(err, &de) {
		return cmdutil.WithHint(err, fmt.Sprintf("the journal is kept as it is and nothing was changed; `sipctl password runs show %s` shows what can be read, and `sipctl password runs salvage %s --output FILE` writes its intact passwords to a handover",
			journal.RunIDOf(de.Path), journal.RunIDOf(de.Path)))
	}
	return err
}

// execute runs a run's unfinished entries, verifies, hands the passwords
// over and reports.
func execute(ctx context.Context, opts *RotateOptions, run *custody.Run) error {
	ro := rotate.Options{Concurrency: opts.Concurrency}
	if opts.IO.ProgressEnabled() {
		ro.Progress = opts.IO.ErrOut
	}
	if len(run.Handovers) > 0 {
		return executeAcross(ctx, opts, run, ro, nil)
	}
	sum := run.Apply(ctx, ro)
	d := custody.Delivery{}
	if opts.Verify.Enabled && ctx.Err() == nil && sum.Fatal == nil {
		d.Verified = verifyRotated(ctx, opts, run, sum)
	}
	file := run.Output != ""
	if opts.Exporter.Enabled() {
		d.Print = func(rs []rotate.Record) error {
			pws := make([]string, len(rs))
			for i, r := range rs {
				pws[i] = r.Password
			}
			if rs == nil {
				rs = []rotate.Record{}
			}
			return custody.ExportWithPasswords(opts.IO.Out, opts.Exporter, rs, pws, file)
		}
	} else if opts.ShowPasswords && opts.IO.IsStdoutTTY() {
		d.Print = func(rs []rotate.Record) error { return printTable(opts, rs, true) }
	}
	rep := run.Finish(sum, d)
	if !opts.Exporter.Enabled() && !opts.ShowPasswords && opts.IO.IsStdoutTTY() {
		printTable(opts, rotateRecords(rep), false)
	}
	if rep.Handover != "" {
		fmt.Fprintf(opts.IO.ErrOut, "Wrote %d new password%s to %s\n", len(rep.Rotated), plural(len(rep.Rotated)), rep.Handover)
	}
	rep.Write(opts.IO.ErrOut)
	return result(opts, rep)
}

func rotateRecords(rep *custody.Report) []rotate.Record {
	var rs []rotate.Record
	for _, e := range rep.Rotated {
		rs = append(rs, rotate.RecordOf(e))
	}
	return rs
}

// result turns a report into the exit status (custody's one rule), with
// the exact command that finishes what is left.
func result(opts *RotateOptions, rep *custody.Report) error {
	next := custody.Next{Resume: resumeCommand(opts, rep.RunID), ResumeWithOutput: resumeWithOutput(opts, rep.RunID)}
	if len(rep.Unverified) > 0 {
		next.Recheck = recheckCommand(opts, rep)
	}
	return rep.Err(next)
}

func globalArgs(opts *RotateOptions) []string {
	parts := []string{"sipctl"}
	if opts.Globals != nil && opts.Globals.Profile != "" {
		parts = append(parts, "--profile", shellQuote(opts.Globals.Profile))
	}
	if opts.Globals != nil && opts.Globals.Subaccount != "" {
		parts = append(parts, "--subaccount", shellQuote(opts.Globals.Subaccount))
	}
	return parts
}

func resumeCommand(opts *RotateOptions, runID string) string {
	parts := append(globalArgs(opts), "password", "rotate", "--resume", runID)
	if opts.Output != "" {
		parts = append(parts, "--output", shellQuote(opts.Output))
	}
	if opts.Exporter.Enabled() {
		parts = append(parts, "--json")
	}
	if opts.ProvisionDir != "" {
		// The journal does not record the provisioning target: the
		// resume names it again, so it finishes the files too.
		parts = append(parts, "--provision-dir", shellQuote(opts.ProvisionDir), "--devices", shellQuote(opts.Devices))
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

func resumeWithOutput(opts *RotateOptions, runID string) string {
	return strings.Join(append(globalArgs(opts), "password", "rotate", "--resume", runID, "--output", "FILE"), " ")
}

// recheckCommand is what re-checks the unverified accounts.
func recheckCommand(opts *RotateOptions, rep *custody.Report) string {
	var cmds []string
	for i, e := range rep.Unverified {
		if i == 3 {
			cmds = append(cmds, fmt.Sprintf("(and %d more)", len(rep.Unverified)-3))
			break
		}
		src := " --password-stdin"
		if rep.Handover != "" {
			src = " --from-handover " + shellQuote(rep.Handover)
		}
		cmds = append(cmds, strings.Join(globalArgs(opts), " ")+" accounts check "+shellQuote(e.Address())+src+opts.Verify.CheckArgs())
	}
	return strings.Join(cmds, "; ")
}

// verifyRotated probes each account rotated once (a user on several of a
// domain's lists has one password) and returns the outcome by entry ID.
// Accounts on no domain have no registrar to ask.
func verifyRotated(ctx context.Context, opts *RotateOptions, run *custody.Run, sum rotate.Summary) map[int]string {
	done := map[int]journal.Entry{}
	for _, e := range run.Journal().Entries() {
		if e.Status == journal.Done {
			done[e.ID] = e
		}
	}
	for _, e := range sum.Rotated {
		done[e.ID] = e
	}
	var accounts []verify.Account
	index := map[verify.Account]int{}
	for _, e := range done {
		a := verify.Account{Username: e.Username, Domain: e.Domain, Password: e.Password}
		if _, seen := index[a]; !seen && e.Domain != "" {
			index[a] = len(accounts)
			accounts = append(accounts, a)
		}
	}
	results := verify.Run(ctx, opts.Verify, accounts)
	out := map[int]string{}
	for id, e := range done {
		if i, ok := index[verify.Account{Username: e.Username, Domain: e.Domain, Password: e.Password}]; ok {
			out[id] = string(results[i].Outcome)
		}
	}
	var bad int
	for _, r := range results {
		if r.Outcome != sip.Accepted {
			bad++
		}
	}
	fmt.Fprintf(opts.IO.ErrOut, "Verified %d of %d with %s.\n", len(results)-bad, len(results), opts.Verify.Where())
	shown := 0
	for i, r := range results {
		if r.Outcome != sip.Accepted && shown < 20 {
			shown++
			fmt.Fprintf(opts.IO.ErrOut, "  not verified: %s@%s: %s\n", accounts[i].Username, accounts[i].Domain, oneLine(verify.Describe(r)))
		}
	}
	if bad > 0 {
		fmt.Fprintln(opts.IO.ErrOut, "  Their new passwords are set at the provider and in the handover; a registrar may take a moment to see a change.")
	}
	return out
}

func printTable(opts *RotateOptions, rs []rotate.Record, passwords bool) error {
	headers := []string{"SID", "USERNAME", "DOMAIN"}
	if opts.Verify.Enabled {
		headers = append(headers, "VERIFIED")
	}
	if passwords {
		headers = append(headers, "PASSWORD")
	}
	t := output.NewTable(opts.IO.Out, output.TableStyle{TTY: true, Color: opts.IO.ColorEnabled(), Width: opts.IO.TerminalWidth()}, headers...)
	for _, r := range rs {
		cells := []output.Cell{output.Text(r.SID), output.Text(r.Username), output.Text(r.Domain)}
		if opts.Verify.Enabled {
			v := r.Verified
			if v == "" {
				v = "-"
			}
			cells = append(cells, output.Text(v))
		}
		if passwords {
			cells = append(cells, output.Text(r.Password))
		}
		t.Row(cells...)
	}
	return t.Render()
}

// resumeRun finishes every unfinished run of the active profile (or the
// one named by --resume RUN-ID). A damaged journal is reported by file and
// line, kept, and makes the exit status non-zero; it is never "nothing to
// resume".
func resumeRun(ctx context.Context, opts *RotateOptions) error {
	cust := custody.New(opts.StateDir())
	runs, err := cust.Runs()
	if err != nil {
		return err
	}
	profName, _, _, _ := profileName(opts)
	var todo []custody.RunInfo
	var errs []error
	for _, ri := range runs {
		switch {
		case opts.ResumeRun != "" && ri.RunID != opts.ResumeRun:
		case opts.ResumeRun != "" && ri.Damage == "" && ri.Profile != profName:
			// Its entries belong to another profile's provider account.
			errs = append(errs, cmdutil.WithHint(fmt.Errorf("run %s belongs to profile %q, not %q", ri.RunID, ri.Profile, profName),
				fmt.Sprintf("resume it with `sipctl --profile %s password rotate --resume %s`", shellQuote(ri.Profile), ri.RunID)))
		case opts.ResumeRun == "" && ri.Damage == "" && ri.Profile != profName:
			fmt.Fprintf(opts.IO.ErrOut, "Skipping run %s of profile %q (use --profile %s to resume it)\n", ri.RunID, ri.Profile, ri.Profile)
		case ri.Damage != "":
			errs = append(errs, conflictHint(ri.DamageErr()))
		default:
			todo = append(todo, ri)
		}
	}
	if len(todo) == 0 && len(errs) == 0 {
		if opts.ResumeRun != "" {
			return fmt.Errorf("no unfinished run %s in %s (see `sipctl password runs list`)", opts.ResumeRun, journal.Dir(opts.StateDir()))
		}
		fmt.Fprintln(opts.IO.ErrOut, "Nothing to resume: no unfinished run.")
		return nil
	}
	var p provider.SIPAccounts
	if len(todo) > 0 {
		if p, err = opts.Provider(); err != nil {
			return err
		}
	}
	for _, ri := range todo {
		if ctx.Err() != nil {
			break
		}
		if ri.Output == "" && len(ri.Handovers) == 0 && opts.Output == "" && !opts.Exporter.Enabled() && !(opts.ShowPasswords && opts.IO.IsStdoutTTY()) && ri.Done+ri.Pending+ri.Failed > 0 {
			errs = append(errs, cmdutil.FlagErrorf("run %s has no handover file: pass --output FILE or --json", ri.RunID))
			continue
		}
		if len(ri.Handovers) > 0 && opts.Verify.Enabled {
			errs = append(errs, cmdutil.FlagErrorf("run %s is across subaccounts, where --verify is not supported yet: resume it without --verify", ri.RunID))
			continue
		}
		run, err := cust.Resume(ri.RunID, p, opts.AuditLog, opts.Output)
		if err != nil {
			errs = append(errs, conflictHint(err))
			continue
		}
		if opts.provision != nil {
			if err := run.AddTarget(opts.provision); err != nil {
				errs = append(errs, err)
				continue
			}
		}
		fmt.Fprintf(opts.IO.ErrOut, "Resuming run %s: %d of %d password%s to set\n", ri.RunID, ri.Pending+ri.Failed, ri.Total, plural(ri.Total))
		if err := execute(ctx, opts, run); err != nil {
			errs = append(errs, err)
		}
	}
	switch len(errs) {
	case 0:
		return nil
	case 1:
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
		sid := x.SID
		if sid == "" {
			sid = x.Ref
		}
		t.Row(output.Text(sid), output.Text(x.Username), output.Text(x.Domain), output.Text(x.ListName))
	}
	if err := t.Render(); err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.ErrOut, "Would rotate %d password%s with the %s policy (%d characters, %.0f bits). Nothing was changed.\n",
		len(targets), plural(len(targets)), pol.Name, pol.GenLength(), pol.Entropy())
	return nil
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func oneLine(s string) string { return redact.Line(strings.Join(strings.Fields(s), " ")) }

func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./@:=") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
