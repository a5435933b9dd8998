// Package apply is `sipctl apply`: make the provider match a manifest.
package apply

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/sipctl/sipctl/internal/audit"
	"github.com/sipctl/sipctl/internal/cmd/bulk"
	"github.com/sipctl/sipctl/internal/cmd/plan"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/password"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/reconcile"
	"github.com/spf13/cobra"
)

// ApplyOptions are the inputs of `apply`.
type ApplyOptions struct {
	IO       *iostreams.IOStreams
	Provider func() (provider.SIPAccounts, error)
	Profile  func() (*config.Profile, error)
	StateDir func() (string, error)
	AuditLog string
	Exporter cmdutil.Exporter

	File        string
	Prune       bool
	Yes         bool
	DryRun      bool
	Output      string
	Policy      string
	Concurrency int
	// ExplicitProfile: --profile chose the profile, so a resume command
	// names it.
	ExplicitProfile bool
}

// NewCmdApply is `apply -f FILE`.
func NewCmdApply(f *cmdutil.Factory, runF func(*ApplyOptions) error) *cobra.Command {
	opts := &ApplyOptions{IO: f.IOStreams, Provider: plan.Neutral(f), Profile: f.Profile, StateDir: config.EnsureStateDir}
	cmd := &cobra.Command{
		Use:   "apply -f FILE",
		Short: "Make the provider match a manifest",
		Long: `Make the provider hold what a manifest describes (see ` + "`sipctl help manifest`" + `): create
its IP ACLs, domains and accounts, set each IP ACL's addresses and each domain's attached
IP ACLs to those listed. Existing accounts keep their passwords. Applying the same file
again changes nothing and sends no write request.

New accounts get generated passwords (policy: --policy, the file's ` + "`policy:`" + `, the
profile's, or the provider's default) under the same custody as rotation: journaled
before they are sent, created concurrently with retries, audited, and handed over in
--output (merged by account, mode 0600); an interrupted run is finished with
` + "`sipctl password rotate --resume`" + `.

Accounts on the file's domains that it does not name are deleted only with --prune, after
confirmation (--yes without a terminal). Domains and IP ACLs the file does not name are
never touched.

--dry-run prints the plan, as ` + "`sipctl plan`" + ` does, and exits 7 when changes are pending.`,
		Example: `  $ sipctl apply -f office.yaml --output office-passwords.csv
  $ sipctl apply -f office.yaml --prune --yes --output office-passwords.csv
  $ sipctl apply -f office.yaml --dry-run
  $ sipctl export | sipctl apply -f -`,
		Args:    cobra.NoArgs,
		GroupID: "sip",
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.File == "" {
				return cmdutil.FlagErrorf("give the manifest with -f FILE (or -f - for stdin)")
			}
			if opts.Concurrency < 0 {
				return cmdutil.FlagErrorf("--concurrency must be 1 or more")
			}
			if opts.File == "-" && opts.Prune && !opts.Yes && !opts.DryRun {
				return cmdutil.FlagErrorf("the manifest comes from stdin, so there is no terminal to confirm deletions on: pass --yes with --prune")
			}
			if f.Globals != nil {
				opts.AuditLog = f.Globals.AuditLog
				opts.ExplicitProfile = f.Globals.Profile != ""
			}
			if runF != nil {
				return runF(opts)
			}
			return applyRun(cmd.Context(), opts)
		},
	}
	plan.AddFileFlags(cmd, &opts.File, &opts.Prune)
	fl := cmd.Flags()
	fl.BoolVarP(&opts.Yes, "yes", "y", false, "Delete without asking (with --prune)")
	fl.BoolVar(&opts.DryRun, "dry-run", false, "Print the plan and change nothing (exit 7 when changes are pending)")
	fl.StringVarP(&opts.Output, "output", "o", "", "Hand the new accounts' passwords over in `file` (.csv or .json, mode 0600, merged by account)")
	fl.StringVar(&opts.Policy, "policy", "", password.FlagUsage(" for new accounts", ""))
	fl.IntVar(&opts.Concurrency, "concurrency", 0, "At most `N` requests in flight when creating accounts (default 100, lowered when the provider answers 429)")
	cmdutil.AddJSONFlags(cmd, &opts.Exporter, reconcile.Plan{})
	return cmd
}

func profile(opts *ApplyOptions) *config.Profile {
	if opts.Profile == nil {
		return &config.Profile{}
	}
	p, err := opts.Profile()
	if err != nil || p == nil {
		return &config.Profile{}
	}
	return p
}

func applyRun(ctx context.Context, opts *ApplyOptions) error {
	p, err := opts.Provider()
	if err != nil {
		return err
	}
	f, err := plan.Load(opts.IO, opts.File, p)
	if err != nil {
		return err
	}
	prof := profile(opts)
	spec := opts.Policy
	if spec == "" {
		spec = f.Policy
	}
	pol, err := password.Resolve(spec, prof.PasswordPolicy, prof.Provider)
	if err != nil {
		return cmdutil.FlagErrorf("%v", err)
	}
	var pool *bulk.Pool
	if !opts.DryRun && opts.Output != "" {
		// Drawn while the provider is listed: every account the file
		// names may be new.
		n := 0
		for _, d := range f.Domains {
			n += len(d.Accounts)
		}
		pool = bulk.Pregenerate(pol, n)
	}
	st, pl, err := plan.Compute(ctx, p, f, opts.Prune)
	if err != nil {
		return err
	}
	if opts.DryRun {
		if err := plan.Print(opts.IO, &opts.Exporter, pl); err != nil {
			return err
		}
		if !pl.Empty() {
			return cmdutil.ErrChangesPending
		}
		return nil
	}
	if pl.Empty() {
		if opts.Exporter.Enabled() {
			return opts.Exporter.Write(opts.IO.Out, pl)
		}
		fmt.Fprintln(opts.IO.ErrOut, "No changes: the provider matches the file.")
		return nil
	}
	creates := 0
	for _, c := range pl.Changes {
		if c.Kind == reconcile.KindAccount && c.Action == reconcile.Create {
			creates++
		}
	}
	if creates > 0 && opts.Output == "" {
		return cmdutil.FlagErrorf("the plan creates %d account(s): give --output FILE (.csv or .json) to hand their new passwords over; nothing was changed", creates)
	}
	deletes := deletedAccounts(pl)
	if pl.Summary.Delete > 0 {
		prompt := fmt.Sprintf("Delete %d account(s) the file does not name?", pl.Summary.Delete)
		if len(deletes) > 0 {
			prompt = fmt.Sprintf("Delete %d account(s) the file does not name (%s)?", pl.Summary.Delete, strings.Join(deletes, ", "))
		}
		if err := cmdutil.ConfirmDestructive(opts.IO, opts.Yes, prompt, ""); err != nil {
			return err
		}
	}
	auditLog, err := audit.Open(opts.AuditLog)
	if err != nil {
		return err
	}
	defer auditLog.Close()
	ro := reconcile.ApplyOptions{Audit: auditLog, Profile: prof.Name}
	if opts.IO.IsStderrTTY() {
		ro.Log = opts.IO.ErrOut
	}
	if creates > 0 {
		out, err := filepath.Abs(opts.Output)
		if err != nil {
			return err
		}
		ro.BeginCreates = custodyCreator(opts, p, prof, pol, pool, out)
	}
	fmt.Fprintf(opts.IO.ErrOut, "Applying: %s.\n", pl.Summary)
	err = reconcile.Apply(ctx, p, st, pl, ro)
	if errors.Is(err, reconcile.ErrAccountsNeedCustody) {
		return cmdutil.WithHint(err, "create the accounts with `sipctl accounts create`, or apply a file without new accounts")
	}
	if err != nil {
		return err
	}
	if opts.Exporter.Enabled() {
		return opts.Exporter.Write(opts.IO.Out, pl)
	}
	fmt.Fprintf(opts.IO.ErrOut, "Applied: %s.\n", done(pl.Summary))
	for _, name := range deletes {
		fmt.Fprintf(opts.IO.ErrOut, "  deleted: %s\n", name)
	}
	return nil
}

// done says what an applied plan did: "7 created, 2 changed, 3 deleted".
func done(s reconcile.Summary) string {
	return fmt.Sprintf("%d created, %d changed, %d deleted", s.Create, s.Update, s.Delete)
}

// deletedAccounts names every account the plan deletes (USER@DOMAIN).
func deletedAccounts(pl *reconcile.Plan) []string {
	var out []string
	for _, c := range pl.Changes {
		if c.Kind == reconcile.KindAccount && c.Action == reconcile.Delete {
			out = append(out, c.Name)
		}
	}
	return out
}
