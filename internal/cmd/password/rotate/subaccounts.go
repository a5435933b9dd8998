package rotate

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/custody"
	"github.com/sipctl/sipctl/internal/journal"
	"github.com/sipctl/sipctl/internal/output"
	"github.com/sipctl/sipctl/internal/password"
	"github.com/sipctl/sipctl/internal/rotate"
	"github.com/spf13/cobra"
)

// CustomerResult is one subaccount's line of the --all-subaccounts summary
// (--json prints a list of them; the passwords are in the handover files).
type CustomerResult struct {
	SubaccountSID string `json:"subaccount_sid"`
	Subaccount    string `json:"subaccount"`
	// AccountStatus is the subaccount's status at the provider (active,
	// suspended, closed); empty on --resume, which reads the journal.
	AccountStatus string `json:"account_status,omitempty"`
	// Outcome is rotated (every account), incomplete (some failed or not
	// attempted: --resume finishes them), skipped (suspended or closed), or
	// empty (no SIP accounts).
	Outcome      string `json:"outcome"`
	Accounts     int    `json:"accounts"`
	Rotated      int    `json:"rotated"`
	Failed       int    `json:"failed"`
	NotAttempted int    `json:"not_attempted"`
	Handover     string `json:"handover,omitempty"`
}

var customerFields = output.FieldsOf(CustomerResult{})

func validateAllSubaccounts(cmd *cobra.Command, opts *RotateOptions) error {
	if !opts.AllSubaccounts {
		switch {
		case opts.OutputDir != "":
			return cmdutil.FlagErrorf("--output-dir goes with --all-subaccounts (one handover file per subaccount); use --output FILE otherwise")
		case cmd.Flags().Changed("output-format"):
			return cmdutil.FlagErrorf("--output-format goes with --output-dir; --output FILE takes its format from its name")
		}
		return nil
	}
	switch {
	case opts.Globals != nil && opts.Globals.Subaccount != "":
		return cmdutil.FlagErrorf("--all-subaccounts covers every subaccount; drop --subaccount (or use --all --subaccount NAME for one)")
	case opts.Output != "":
		return cmdutil.FlagErrorf("--all-subaccounts writes one handover file per subaccount: use --output-dir DIR instead of --output")
	case opts.ShowPasswords:
		return cmdutil.FlagErrorf("--all-subaccounts writes the passwords to --output-dir, not the terminal")
	case opts.Verify.Enabled:
		return cmdutil.FlagErrorf("--verify is not supported with --all-subaccounts yet: check a customer's file with `sipctl accounts check --from-handover FILE`")
	case opts.OutputFormat != "csv" && opts.OutputFormat != "json":
		return cmdutil.FlagErrorf("--output-format must be csv or json, not %q", opts.OutputFormat)
	case !opts.DryRun && opts.OutputDir == "":
		return cmdutil.FlagErrorf("--all-subaccounts needs --output-dir DIR: each subaccount's new passwords go to its own file there")
	}
	if !opts.DryRun {
		for _, f := range opts.Exporter.Fields {
			if !slices.Contains(customerFields, f) {
				return cmdutil.FlagErrorf("--json: unknown field %q for --all-subaccounts; available: %s", f, strings.Join(customerFields, ", "))
			}
		}
	}
	return nil
}

// handoverName is a subaccount's file in --output-dir: its name, made safe
// for a file name, then its SID, which keeps two customers of the same name
// apart and stays the same when a customer is renamed mid-run.
// customerFile is a customer's handover in dir: always a direct child of
// dir, whatever the provider's listing called the subaccount. A SID with
// anything but letters and digits (a hostile or broken API: "AC/../x") is
// refused before any change.
func customerFile(dir string, c rotate.Customer, format string) (string, error) {
	if c.SID == "" || strings.Trim(c.SID, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != "" {
		return "", fmt.Errorf("refusing to name a handover file after subaccount %q: its SID %q is not letters and digits (nothing was changed)", c.Name, c.SID)
	}
	name := handoverName(c, format)
	path := filepath.Join(dir, name)
	if filepath.Base(path) != name || filepath.Dir(path) != filepath.Clean(dir) {
		return "", fmt.Errorf("refusing the handover file %s: it is not directly in %s (nothing was changed)", path, dir)
	}
	return path, nil
}

func handoverName(c rotate.Customer, format string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(c.Name) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
		if b.Len() >= 40 {
			break
		}
	}
	slug := strings.Trim(b.String(), "-")
	if slug == "" {
		return c.SID + "." + format
	}
	return slug + "-" + c.SID + "." + format
}

// allSubaccountsRun rotates every account of every active subaccount in one
// run: one journal, one concurrency budget, one handover file per customer.
func allSubaccountsRun(ctx context.Context, opts *RotateOptions) error {
	profName, provName, profPolicy, _ := profileName(opts)
	pol, err := opts.policy(profPolicy, provName)
	if err != nil {
		return err
	}
	p, err := opts.Provider()
	if err != nil {
		return err
	}
	// Before any request: a provider without subaccounts is refused here.
	scope, _, err := rotate.SubaccountsOf(p)
	if err != nil {
		return err
	}
	cust := custody.New(opts.StateDir())
	if !opts.DryRun {
		if err := os.MkdirAll(opts.OutputDir, 0o700); err != nil {
			return cmdutil.FlagErrorf("--output-dir: %v", err)
		}
		if st, err := os.Stat(opts.OutputDir); err != nil || !st.IsDir() {
			return fmt.Errorf("--output-dir %s is not a directory", opts.OutputDir)
		}
		// The files are named once the customers are known; that they can
		// be written is known now, before any request.
		if _, err := rotate.CheckHandover(filepath.Join(opts.OutputDir, ".sipctl-check."+opts.OutputFormat)); err != nil {
			return fmt.Errorf("--output-dir %s cannot take the handover files: %w", opts.OutputDir, err)
		}
		al, err := cust.CheckContext(ctx, opts.AuditLog, "")
		if err != nil {
			return err
		}
		al.Close()
	}
	customers, targets, err := rotate.ForSubaccounts(ctx, p, opts.Concurrency)
	if err != nil {
		return err
	}
	if opts.DryRun {
		return printDryRunAcross(opts, customers, targets, pol)
	}
	if len(targets) == 0 {
		writeSkipped(opts, customers)
		return errors.New("no accounts to rotate: no active subaccount has a SIP account")
	}
	if err := cmdutil.ConfirmDestructive(opts.IO, opts.Yes, promptAcross(customers, len(targets)), ""); err != nil {
		return err
	}
	entries, err := rotate.Plan(targets, pol, p.Name(), profName)
	if err != nil {
		return err
	}
	if opts.OutputFormat == "csv" {
		for _, e := range entries {
			if rotate.FormulaStart(e.Password) {
				return fmt.Errorf("the %s policy made a password that starts with = + - or @, which a CSV handover must not hold: use --output-format json", pol.Name)
			}
		}
	}
	var handovers []journal.Handover
	for _, c := range customers {
		if c.Skipped == "" && c.Accounts > 0 {
			path, err := customerFile(opts.OutputDir, c, opts.OutputFormat)
			if err != nil {
				return err
			}
			handovers = append(handovers, journal.Handover{AccountSID: c.SID, Name: c.Name, Path: path})
		}
	}
	run, err := cust.Begin(custody.Request{Command: "password rotate --all-subaccounts", Profile: profName, Provider: p,
		AccountSID: scope.AccountSID(), Entries: entries, Handovers: handovers, Policy: pol.Name, AuditLog: opts.AuditLog})
	if err != nil {
		return conflictHint(err)
	}
	ro := rotate.Options{Concurrency: opts.Concurrency}
	if opts.IO.ProgressEnabled() {
		ro.Progress = opts.IO.ErrOut
	}
	return executeAcross(ctx, opts, run, ro, customers)
}

// executeAcross applies a run across subaccounts with one limiter for all
// of them, writes each customer's handover, and prints the summary per
// customer. customers (nil on --resume) adds the skipped ones.
func executeAcross(ctx context.Context, opts *RotateOptions, run *custody.Run, ro rotate.Options, customers []rotate.Customer) error {
	names := map[string]string{}
	for _, h := range run.Handovers {
		names[h.AccountSID] = h.Name
		if h.Name == "" {
			names[h.AccountSID] = h.AccountSID
		}
	}
	ro.Group = func(e journal.Entry) string { return names[e.AccountSID] }
	sum := run.Apply(ctx, ro)
	rep := run.Finish(sum, custody.Delivery{})
	results := summarize(run.Handovers, customers, rep)
	for _, w := range rep.Handovers {
		fmt.Fprintf(opts.IO.ErrOut, "Wrote %d new password%s of %s to %s\n", w.Records, plural(w.Records), names[w.AccountSID], w.Path)
	}
	rep.Write(opts.IO.ErrOut)
	writeSkipped(opts, customers)
	var perr error
	if opts.Exporter.Enabled() {
		perr = opts.Exporter.Write(opts.IO.Out, results)
	} else {
		perr = printCustomers(opts, results)
	}
	if rep.Kept != "" && rep.HandoverErr != nil && rep.Fatal == nil {
		return cmdutil.WithHint(fmt.Errorf("not every handover file was written: %s", oneLine(rep.HandoverErr.Error())),
			"the passwords are kept in the journal; fix the cause, then run `"+resumeCommand(opts, rep.RunID)+"`")
	}
	if err := result(opts, rep); err != nil {
		return err
	}
	return perr
}

func writeSkipped(opts *RotateOptions, customers []rotate.Customer) {
	n := 0
	for _, c := range customers {
		if c.Skipped != "" {
			n++
			fmt.Fprintf(opts.IO.ErrOut, "  skipped: subaccount %s (%s) is %s; its accounts were not rotated\n", c.Name, c.SID, c.Skipped)
		}
	}
	if n > 0 {
		fmt.Fprintf(opts.IO.ErrOut, "Skipped %d subaccount%s that %s not active.\n", n, plural(n), map[bool]string{true: "is", false: "are"}[n == 1])
	}
}

// summarize counts a report's entries per subaccount.
func summarize(handovers []journal.Handover, customers []rotate.Customer, rep *custody.Report) []CustomerResult {
	var out []CustomerResult
	index := map[string]int{}
	add := func(r CustomerResult) {
		index[r.SubaccountSID] = len(out)
		out = append(out, r)
	}
	if customers != nil {
		for _, c := range customers {
			add(CustomerResult{SubaccountSID: c.SID, Subaccount: c.Name, AccountStatus: c.Status, Accounts: c.Accounts})
		}
	}
	for _, h := range handovers {
		if _, ok := index[h.AccountSID]; !ok {
			add(CustomerResult{SubaccountSID: h.AccountSID, Subaccount: h.Name})
		}
	}
	count := func(sid string, f func(*CustomerResult)) {
		if i, ok := index[sid]; ok {
			f(&out[i])
		}
	}
	for _, e := range rep.Rotated {
		count(e.AccountSID, func(r *CustomerResult) { r.Rotated++ })
	}
	for _, f := range rep.Failed {
		count(f.Entry.AccountSID, func(r *CustomerResult) { r.Failed++ })
	}
	for _, e := range rep.NotAttempted {
		count(e.AccountSID, func(r *CustomerResult) { r.NotAttempted++ })
	}
	for _, w := range rep.Handovers {
		count(w.AccountSID, func(r *CustomerResult) { r.Handover = w.Path })
	}
	for i := range out {
		r := &out[i]
		if customers == nil {
			r.Accounts = r.Rotated + r.Failed + r.NotAttempted
		}
		switch {
		case r.AccountStatus != "" && r.AccountStatus != "active":
			r.Outcome = "skipped"
		case r.Accounts == 0:
			r.Outcome = "empty"
		case r.Rotated == r.Accounts:
			r.Outcome = "rotated"
		default:
			r.Outcome = "incomplete"
		}
	}
	return out
}

func printCustomers(opts *RotateOptions, rs []CustomerResult) error {
	t := output.NewTable(opts.IO.Out, output.TableStyle{TTY: opts.IO.IsStdoutTTY(), Color: opts.IO.ColorEnabled(), Width: opts.IO.TerminalWidth()},
		"SUBACCOUNT", "SID", "OUTCOME", "ROTATED", "FAILED", "NOT ATTEMPTED", "HANDOVER")
	for _, r := range rs {
		t.Row(output.Text(r.Subaccount), output.Text(r.SubaccountSID), output.Text(r.Outcome), output.Text(fmt.Sprint(r.Rotated)),
			output.Text(fmt.Sprint(r.Failed)), output.Text(fmt.Sprint(r.NotAttempted)), output.Text(r.Handover))
	}
	return t.Render()
}

func promptAcross(customers []rotate.Customer, n int) string {
	active, skipped := 0, 0
	for _, c := range customers {
		switch {
		case c.Skipped != "":
			skipped++
		case c.Accounts > 0:
			active++
		}
	}
	s := fmt.Sprintf("Rotate the passwords of %d accounts in %d subaccount%s", n, active, plural(active))
	if skipped > 0 {
		s += fmt.Sprintf(" (%d suspended or closed subaccount%s skipped)", skipped, plural(skipped))
	}
	return s + "? Every registered device of every customer stays unregistered until its new password is entered."
}

func printDryRunAcross(opts *RotateOptions, customers []rotate.Customer, targets []rotate.Target, pol password.Policy) error {
	names := map[string]string{}
	for _, c := range customers {
		names[c.SID] = c.Name
	}
	if opts.Exporter.Enabled() {
		return opts.Exporter.Write(opts.IO.Out, targets)
	}
	t := output.NewTable(opts.IO.Out, output.TableStyle{TTY: opts.IO.IsStdoutTTY(), Color: opts.IO.ColorEnabled(), Width: opts.IO.TerminalWidth()},
		"SUBACCOUNT", "SID", "USERNAME", "DOMAIN")
	for _, x := range targets {
		sid := x.SID
		if sid == "" {
			sid = x.Ref
		}
		t.Row(output.Text(names[x.AccountSID]), output.Text(sid), output.Text(x.Username), output.Text(x.Domain))
	}
	if err := t.Render(); err != nil {
		return err
	}
	writeSkipped(opts, customers)
	active := 0
	for _, c := range customers {
		if c.Skipped == "" && c.Accounts > 0 {
			active++
		}
	}
	fmt.Fprintf(opts.IO.ErrOut, "Would rotate %d password%s in %d subaccount%s with the %s policy (%d characters, %.0f bits). Nothing was changed.\n",
		len(targets), plural(len(targets)), active, plural(active), pol.Name, pol.GenLength(), pol.Entropy())
	return nil
}
