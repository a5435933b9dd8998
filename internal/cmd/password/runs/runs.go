// Package runs is `sipctl password runs`: the unfinished runs whose
// journals hold new passwords.
package runs

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/custody"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/output"
	"github.com/spf13/cobra"
)

// Options are the inputs of the runs commands.
type Options struct {
	IO       *iostreams.IOStreams
	Exporter *cmdutil.Exporter
	StateDir func() string
	RunID    string
	Yes      bool
	// Output is salvage's handover file.
	Output string
}

// NewCmdRuns is `password runs` and its subcommands.
func NewCmdRuns(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "runs <command>",
		Short: "List, show, salvage and discard unfinished password runs",
		Long: `An unfinished run is a rotation or create whose journal is still in the state directory: it was
interrupted, killed, stopped by an error, or some of its changes failed. Its journal holds new
passwords that may be live at the provider and are not yet handed over; ` + "`sipctl password rotate\n--resume RUN-ID`" + ` finishes it. A new run over the same accounts is refused until it is finished or
discarded.`,
	}
	cmd.AddCommand(NewCmdList(f, nil), NewCmdShow(f, nil), NewCmdSalvage(f, nil), NewCmdDiscard(f, nil))
	return cmd
}

func newOpts(f *cmdutil.Factory) *Options {
	return &Options{IO: f.IOStreams, Exporter: &cmdutil.Exporter{}, StateDir: config.StateDir}
}

// NewCmdList is `password runs list`.
func NewCmdList(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := newOpts(f)
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List unfinished runs",
		Long:    "List the unfinished runs of every profile, oldest first, with how many of their passwords may be live.",
		Example: `  $ sipctl password runs list
  $ sipctl password runs list --json=run_id,live`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return listRun(opts)
		},
	}
	cmdutil.AddJSONFlags(cmd, opts.Exporter, custody.RunInfo{})
	cmdutil.AddListFlags(cmd, opts.Exporter)
	return cmd
}

func state(ri custody.RunInfo) string {
	switch {
	case ri.Damage != "":
		return "damaged"
	case ri.InProgress:
		return "in progress"
	}
	return "unfinished"
}

func listRun(opts *Options) error {
	runs, err := custody.New(opts.StateDir()).Runs()
	if err != nil {
		return err
	}
	if n := opts.Exporter.Limit; n > 0 && len(runs) > n {
		runs = runs[:n]
	}
	if opts.Exporter.Enabled() {
		return opts.Exporter.Write(opts.IO.Out, runs)
	}
	if len(runs) == 0 {
		if opts.IO.IsStdoutTTY() {
			fmt.Fprintln(opts.IO.ErrOut, "No unfinished runs.")
		}
		return nil
	}
	t := output.NewTableFor(opts.IO, "RUN", "COMMAND", "PROFILE", "CREATED", "STATE", "DONE", "LEFT", "LIVE").SetWide(opts.Exporter.Wide).Keep("LIVE") // the passwords at stake: never the column that goes
	for _, ri := range runs {
		t.Row(output.Text(ri.RunID), output.Text(ri.Command), output.Text(ri.Profile), output.Text(created(ri.Created)),
			output.Text(state(ri)), output.Text(fmt.Sprint(ri.Done)), output.Text(fmt.Sprint(ri.Pending+ri.Failed+ri.NotSent)), output.Text(fmt.Sprint(ri.Live)))
	}
	return t.Render()
}

func created(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Local().Format("2006-01-02 15:04:05")
}

// NewCmdShow is `password runs show RUN-ID`.
func NewCmdShow(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := newOpts(f)
	cmd := &cobra.Command{
		Use:     "show RUN-ID",
		Aliases: []string{"view"},
		Short:   "Show an unfinished run's accounts and their status, without passwords",
		Long: `Show an unfinished run: its command, profile, handover file, and each account with its status
(pending, done, failed, superseded). Passwords are never shown; ` + "`sipctl password rotate --resume RUN-ID`" + `
hands them over. A damaged journal shows what could be read and the line where it stops.`,
		Example: `  $ sipctl password runs show 20260101T120000.000000Z-0123abcd`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.RunID = args[0]
			if runF != nil {
				return runF(opts)
			}
			return showRun(opts)
		},
	}
	cmdutil.AddJSONFlags(cmd, opts.Exporter, custody.RunInfo{})
	return cmd
}

func showRun(opts *Options) error {
	ri, err := custody.New(opts.StateDir()).Show(opts.RunID)
	if err != nil {
		return cmdutil.WithHint(err, "see `sipctl password runs list`")
	}
	if opts.Exporter.Enabled() {
		return opts.Exporter.Write(opts.IO.Out, ri)
	}
	fields := []output.Field{
		{Label: "Run", Value: output.Text(ri.RunID)},
		{Label: "State", Value: output.Text(state(ri))},
		{Label: "Command", Value: output.Text(ri.Command)},
		{Label: "Profile", Value: output.Text(ri.Profile)},
		{Label: "Provider", Value: output.Text(ri.Provider)},
		{Label: "Created", Value: output.Text(created(ri.Created))},
		{Label: "Handover", Value: output.Text(handoverOf(ri))},
		{Label: "Journal", Value: output.Text(ri.Path)},
		{Label: "Counts", Value: output.Text(fmt.Sprintf("%d done, %d pending, %d failed, %d rejected, %d superseded, %d never sent (of %d); %d may be live on no other record, %d in the handover",
			ri.Done, ri.Pending, ri.Failed, ri.Rejected, ri.Superseded, ri.NotSent, ri.Total, ri.Live, ri.HandedOver))},
	}
	if ri.Damage != "" {
		fields = append(fields, output.Field{Label: "Damage", Value: output.Text(ri.Damage)})
	}
	if err := output.PrintObject(opts.IO, nil, ri, fields); err != nil {
		return err
	}
	fmt.Fprintln(opts.IO.Out)
	t := output.NewTable(opts.IO.Out, output.TableStyle{TTY: opts.IO.IsStdoutTTY(), Color: opts.IO.ColorEnabled(), Width: opts.IO.TerminalWidth()},
		"ID", "OP", "ACCOUNT", "STATUS", "ERROR")
	for _, e := range ri.Entries {
		t.Row(output.Text(fmt.Sprint(e.ID)), output.Text(e.Op), output.Text(e.Account), output.Text(e.Status), output.Text(e.Error))
	}
	return t.Render()
}

// handoverOf names where a run's passwords go: its file, or for a run
// across subaccounts the directory of its files.
func handoverOf(ri custody.RunInfo) string {
	if len(ri.Handovers) == 0 {
		return ri.Output
	}
	return fmt.Sprintf("%d files (one per subaccount) in %s", len(ri.Handovers), filepath.Dir(ri.Handovers[0].Path))
}

// NewCmdSalvage is `password runs salvage RUN-ID --output FILE`.
func NewCmdSalvage(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := newOpts(f)
	cmd := &cobra.Command{
		Use:   "salvage RUN-ID --output FILE",
		Short: "Write every intact password of a run's journal to a handover file",
		Long: `Write the password of every intact entry of a run's journal that may be live at the provider (all
but those the provider refused and those a later run superseded) to a handover file: .json or
.csv, mode 0600, merged as a ledger like every handover. It works on a damaged journal too, which
cannot be resumed: the entries before the damage are checksummed and intact. The journal is left
as it is; discard it once the passwords are safe.

A password in the file may not be the account's live one (a change that never reached the
provider): ` + "`sipctl accounts check USER@DOMAIN --from-handover FILE`" + ` tells.`,
		Example: `  $ sipctl password runs salvage 20260101T120000.000000Z-0123abcd --output salvaged.json`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.RunID = args[0]
			if opts.Output == "" {
				return cmdutil.FlagErrorf("give the handover file with --output FILE (.json or .csv)")
			}
			if runF != nil {
				return runF(opts)
			}
			return salvageRun(opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Output, "output", "o", "", "Merge the passwords into `file` (.json or .csv, mode 0600)")
	return cmd
}

func salvageRun(opts *Options) error {
	n, err := custody.New(opts.StateDir()).Salvage(opts.RunID, opts.Output)
	if err != nil {
		return cmdutil.WithHint(err, "see `sipctl password runs list`")
	}
	fmt.Fprintf(opts.IO.ErrOut, "Wrote %d password%s of run %s to %s; the journal is kept.\n", n, plural(n), opts.RunID, opts.Output)
	return nil
}

// NewCmdDiscard is `password runs discard RUN-ID`.
func NewCmdDiscard(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := newOpts(f)
	cmd := &cobra.Command{
		Use:   "discard RUN-ID",
		Short: "Delete an unfinished run's journal and the passwords in it",
		Long: `Delete an unfinished run's journal, so its accounts can be rotated again without --resume.

The journal may hold the only copy of passwords that are live at the provider (done but not handed
over, or sent with an unknown outcome): after a discard those accounts can register only once
someone rotates them again. sipctl says how many before asking; it asks on a terminal and needs
--yes otherwise. A run in progress cannot be discarded.`,
		Example: `  $ sipctl password runs discard 20260101T120000.000000Z-0123abcd`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.RunID = args[0]
			if runF != nil {
				return runF(opts)
			}
			return discardRun(opts)
		},
	}
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "Discard without asking")
	return cmd
}

func discardRun(opts *Options) error {
	c := custody.New(opts.StateDir())
	ri, err := c.Show(opts.RunID)
	if err != nil {
		return cmdutil.WithHint(err, "see `sipctl password runs list`")
	}
	if ri.InProgress {
		return fmt.Errorf("run %s is in progress: it cannot be discarded", ri.RunID)
	}
	prompt := fmt.Sprintf("Discard run %s (%s, %d accounts)?", ri.RunID, ri.Command, ri.Total)
	if ri.Live > 0 {
		fmt.Fprintf(opts.IO.ErrOut, "WARNING: %d password%s in this journal may be live at the provider and are on no other record. After a discard those accounts cannot register until they are rotated again; `sipctl password runs salvage %s --output FILE` keeps them.\n",
			ri.Live, plural(ri.Live), ri.RunID)
		prompt = fmt.Sprintf("Discard run %s and the %d password%s that may be live?", ri.RunID, ri.Live, plural(ri.Live))
	}
	if ri.HandedOver > 0 || ri.NotSent > 0 {
		fmt.Fprintf(opts.IO.ErrOut, "Not counted above: %d password%s already in the handover %s, and %d never sent (not live).\n",
			ri.HandedOver, plural(ri.HandedOver), handoverOf(ri), ri.NotSent)
	}
	if err := cmdutil.ConfirmDestructive(opts.IO, opts.Yes, prompt, ""); err != nil {
		return err
	}
	if err := c.Discard(ri.RunID); err != nil {
		return err
	}
	msg := fmt.Sprintf("Discarded run %s", ri.RunID)
	if ri.Live > 0 {
		msg += fmt.Sprintf(": %d password%s that may be live are now on no record; rotate %s again", ri.Live, plural(ri.Live), them(ri.Live))
	}
	fmt.Fprintln(opts.IO.ErrOut, strings.TrimSpace(msg))
	return nil
}

func them(n int) string {
	if n == 1 {
		return "that account"
	}
	return "those accounts"
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
