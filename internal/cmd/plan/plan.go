// Package plan is `sipctl plan`: what applying a manifest would change.
package plan

import (
	"context"
	"errors"
	"fmt"

	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/manifest"
	"github.com/sipctl/sipctl/internal/output"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/reconcile"
	"github.com/spf13/cobra"
)

// PlanOptions are the inputs of `plan`.
type PlanOptions struct {
	IO       *iostreams.IOStreams
	Provider func() (provider.SIPAccounts, error)
	Exporter cmdutil.Exporter

	File  string
	Prune bool
}

// NewCmdPlan is `plan -f FILE`.
func NewCmdPlan(f *cmdutil.Factory, runF func(*PlanOptions) error) *cobra.Command {
	opts := &PlanOptions{IO: f.IOStreams, Provider: Neutral(f)}
	cmd := &cobra.Command{
		Use:   "plan -f FILE",
		Short: "Show what applying a manifest would change",
		Long: `Compare a manifest (domains, the accounts on each, IP ACLs and their addresses; see
` + "`sipctl help manifest`" + `) with what the provider holds, and print what ` + "`sipctl apply`" + `
would create, change and delete. Nothing is changed.

The file is checked first: every problem is reported with its file:line:column, all at
once, before any request. Accounts on the file's domains that it does not name are kept;
with --prune they are shown as deletions.

Exit status: 0 when there is nothing to change, 7 when changes are pending (for CI
gates), other codes as usual (see ` + "`sipctl help exit-codes`" + `).`,
		Example: `  $ sipctl plan -f office.yaml
  $ sipctl plan -f office.yaml --prune --json
  $ sipctl export | sipctl plan -f -`,
		Args:    cobra.NoArgs,
		GroupID: "sip",
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.File == "" {
				return cmdutil.FlagErrorf("give the manifest with -f FILE (or -f - for stdin)")
			}
			if runF != nil {
				return runF(opts)
			}
			return planRun(cmd.Context(), opts)
		},
	}
	AddFileFlags(cmd, &opts.File, &opts.Prune)
	cmdutil.AddJSONFlags(cmd, &opts.Exporter, reconcile.Plan{})
	return cmd
}

// AddFileFlags adds -f and --prune, shared with apply.
func AddFileFlags(cmd *cobra.Command, file *string, prune *bool) {
	cmd.Flags().StringVarP(file, "file", "f", "", "Read the manifest from `FILE` (YAML or JSON; - for stdin)")
	cmd.Flags().BoolVar(prune, "prune", false, "Delete the accounts on the file's domains that it does not name")
	cmd.MarkFlagFilename("file", "yaml", "yml", "json")
}

func planRun(ctx context.Context, opts *PlanOptions) error {
	p, err := opts.Provider()
	if err != nil {
		return err
	}
	f, err := Load(opts.IO, opts.File, p)
	if err != nil {
		return err
	}
	_, pl, err := Compute(ctx, p, f, opts.Prune)
	if err != nil {
		return err
	}
	if err := Print(opts.IO, &opts.Exporter, pl); err != nil {
		return err
	}
	if !pl.Empty() {
		return cmdutil.ErrChangesPending
	}
	return nil
}

// Load reads and checks a manifest against the provider's rules. Problems
// are printed one per line on stderr ("FILE:LINE:COLUMN: message") and end
// the command with exit 2 before any request.
func Load(ios *iostreams.IOStreams, path string, p provider.SIPAccounts) (*manifest.File, error) {
	source, data, err := manifest.Read(path, ios.In)
	if err != nil {
		return nil, err
	}
	f, err := manifest.Load(source, data, p)
	var probs *manifest.Problems
	if errors.As(err, &probs) {
		for _, pr := range probs.List {
			fmt.Fprintln(ios.ErrOut, probs.Format(pr))
		}
		n := len(probs.List)
		what := "problem"
		if n > 1 {
			what = "problems"
		}
		return nil, &cmdutil.ExitError{Code: cmdutil.ExitUsage, Err: cmdutil.WithHint(
			fmt.Errorf("%s: %d %s; nothing was sent to the provider", source, n, what),
			"the format is described by `sipctl help manifest`; `sipctl help manifest --schema` prints its JSON Schema")}
	}
	return f, err
}

// Compute reads the provider's state of what f names and diffs it.
func Compute(ctx context.Context, p provider.SIPAccounts, f *manifest.File, prune bool) (*reconcile.State, *reconcile.Plan, error) {
	if err := reconcile.Supports(f, p); err != nil {
		return nil, nil, err
	}
	st, err := reconcile.Read(ctx, p, f, reconcile.ReadOptions{})
	if err != nil {
		return nil, nil, err
	}
	pl, err := reconcile.Diff(f, st, prune)
	return st, pl, err
}

var columns = []output.Column[reconcile.Change]{
	{Header: "ACTION", Value: func(c reconcile.Change) output.Cell { return output.Text(string(c.Action)) }},
	{Header: "KIND", Value: func(c reconcile.Change) output.Cell { return output.Text(c.Kind) }},
	{Header: "NAME", Value: func(c reconcile.Change) output.Cell { return output.Text(c.Name) }},
	{Header: "DETAIL", Value: func(c reconcile.Change) output.Cell { return output.Text(c.Detail()) }},
}

// Print writes the plan: a table of changes (or JSON) on stdout and the
// summary on stderr.
func Print(ios *iostreams.IOStreams, exp *cmdutil.Exporter, pl *reconcile.Plan) error {
	if exp.Enabled() {
		return exp.Write(ios.Out, pl)
	}
	if !pl.Empty() {
		t := output.NewTableFor(ios, "ACTION", "KIND", "NAME", "DETAIL")
		for _, c := range pl.Changes {
			row := make([]output.Cell, len(columns))
			for i, col := range columns {
				row[i] = col.Value(c)
			}
			t.Row(row...)
		}
		if err := t.Render(); err != nil {
			return err
		}
	}
	if n := len(pl.Unmanaged); n > 0 {
		fmt.Fprintf(ios.ErrOut, "%d account(s) on these domains are not in the file and are kept; --prune deletes them.\n", n)
	}
	if pl.Empty() {
		fmt.Fprintln(ios.ErrOut, "No changes: the provider matches the file.")
	} else {
		fmt.Fprintf(ios.ErrOut, "Plan: %s.\n", pl.Summary)
	}
	return nil
}

// Neutral is the factory's provider as the neutral core, whichever of the
// two the factory returns (the full provider.Provider or SIPAccounts).
func Neutral(f *cmdutil.Factory) func() (provider.SIPAccounts, error) {
	return func() (provider.SIPAccounts, error) { return f.Provider() }
}
