// Package generate is `sipctl password generate`.
package generate

import (
	"bufio"
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/output"
	"github.com/sipctl/sipctl/internal/password"
	"github.com/spf13/cobra"
)

// GenerateOptions are the command's inputs.
type GenerateOptions struct {
	IO       *iostreams.IOStreams
	Exporter *cmdutil.Exporter
	// Profile supplies the profile's policy and provider; nil or an error
	// means the default policy.
	Profile func() (*config.Profile, error)

	Policy string
	Length int
	Count  int
}

// Generated is one password as --json prints it.
type Generated struct {
	Password    string  `json:"password"`
	Policy      string  `json:"policy"`
	Length      int     `json:"length"`
	EntropyBits float64 `json:"entropy_bits"`
}

// NewCmdGenerate builds `password generate`; runF replaces the run function in tests.
func NewCmdGenerate(f *cmdutil.Factory, runF func(*GenerateOptions) error) *cobra.Command {
	opts := &GenerateOptions{IO: f.IOStreams, Exporter: &cmdutil.Exporter{}, Profile: f.Profile}
	cmd := &cobra.Command{
		Use:   "generate",
		Short: "Generate passwords that satisfy a password policy",
		Long: `Generate random passwords (crypto/rand) that satisfy a policy: a built-in one, a custom one
given as key=value settings, or the profile's password_policy (the default is the provider's: ` + password.DefaultsText() + `).

` + policyTable() + `
Custom: --policy "base=strict min=14 symbol-set=-_. exclude=0O" (keys: base, min, max, length,
lower, upper, digits, symbols, symbol-set, exclude, no-ambiguous).

On a terminal each password is shown with its strength in bits; in a pipe only the passwords print,
one per line.`,
		Example: `  $ sipctl password generate
  $ sipctl password generate --policy device-safe --count 5
  $ sipctl password generate --length 24 --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Count < 1 || opts.Count > MaxCount {
				return cmdutil.FlagErrorf("--count must be from 1 to %d", MaxCount)
			}
			if cmd.Flags().Changed("length") && opts.Length < 1 {
				return cmdutil.FlagErrorf("--length must be positive")
			}
			if runF != nil {
				return runF(opts)
			}
			return generateRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Policy, "policy", "", password.FlagUsage("", ""))
	fl.IntVar(&opts.Length, "length", 0, "Generate passwords of `N` characters (within the policy's limits)")
	fl.IntVar(&opts.Count, "count", 1, "Generate `N` passwords (at most 1000000), streamed as they are made")
	cmdutil.AddJSONFlags(cmd, opts.Exporter, Generated{})
	return cmd
}

// policyFor resolves the policy from the flag, the profile, or the default.
func policyFor(opts *GenerateOptions) (password.Policy, error) {
	var spec, prov string
	if opts.Policy == "" && opts.Profile != nil {
		// A missing or unreadable profile only means the default policy:
		// generating needs no account.
		if p, err := opts.Profile(); err == nil && p != nil {
			spec, prov = p.PasswordPolicy, p.Provider
		}
	}
	pol, err := password.Resolve(opts.Policy, spec, prov)
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

// MaxCount bounds --count: a million passwords is a large batch; a typo of
// a few more zeros must not run for minutes and fill a disk.
const MaxCount = 1_000_000

// tableMax is the most passwords shown as a table on a terminal (a table is
// rendered whole); more print one per line as they are made.
const tableMax = 1000

// generateRun streams: each password is written as soon as it is made (one
// per line, or one JSON array element), so memory stays flat whatever the
// count, and SIGINT/SIGTERM (ctx) stops it between two passwords.
func generateRun(ctx context.Context, opts *GenerateOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	pol, err := policyFor(opts)
	if err != nil {
		return err
	}
	bits := float64(int(pol.Entropy()*10)) / 10
	next := func() (Generated, error) {
		pw, err := pol.GenerateForDisplay()
		return Generated{Password: pw, Policy: pol.Name, Length: len(pw), EntropyBits: bits}, err
	}

	tty := opts.IO.IsStdoutTTY()
	switch {
	case opts.Exporter.Enabled() && opts.Exporter.JQ != "":
		// jq needs the whole document; --count bounds it and --jq has its
		// own time and memory limits.
		out := make([]Generated, 0, min(opts.Count, 4096))
		for range opts.Count {
			if err := ctx.Err(); err != nil {
				return err
			}
			g, err := next()
			if err != nil {
				return err
			}
			out = append(out, g)
		}
		return opts.Exporter.Write(opts.IO.Out, out)
	case tty && !opts.Exporter.Enabled() && opts.Count <= tableMax:
		t := output.NewTable(opts.IO.Out, output.TableStyle{TTY: true, Color: opts.IO.ColorEnabled(), Width: opts.IO.TerminalWidth()}, "PASSWORD", "ENTROPY")
		for range opts.Count {
			if err := ctx.Err(); err != nil {
				return err
			}
			g, err := next()
			if err != nil {
				return err
			}
			t.Row(output.Text(g.Password), output.Text(strconv.FormatFloat(g.EntropyBits, 'f', 1, 64)+" bits"))
		}
		if err := t.Render(); err != nil {
			return err
		}
		fmt.Fprintf(opts.IO.ErrOut, "Policy %s, %d characters.\n", pol.Name, pol.GenLength())
		return nil
	}

	w := bufio.NewWriterSize(opts.IO.Out, 64<<10)
	defer w.Flush()
	json := opts.Exporter.Enabled()
	if json {
		w.WriteString("[")
	}
	for i := range opts.Count {
		if err := ctx.Err(); err != nil {
			return err
		}
		g, err := next()
		if err != nil {
			return err
		}
		if json {
			if i > 0 {
				w.WriteString(",")
			}
			w.WriteString("\n  ")
			if err := opts.Exporter.WriteElement(w, g); err != nil {
				return err
			}
		} else if _, err := w.WriteString(g.Password + "\n"); err != nil {
			return err // a closed pipe: stop, do not generate into the void
		}
	}
	if json {
		w.WriteString("\n]\n")
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if tty {
		fmt.Fprintf(opts.IO.ErrOut, "Policy %s, %d characters, %.1f bits each.\n", pol.Name, pol.GenLength(), bits)
	}
	return nil
}

// policyTable lists the built-in policies from the registry, one a line.
func policyTable() string {
	var b strings.Builder
	for _, name := range password.Names() {
		p, err := password.Builtin(name)
		if err != nil {
			continue
		}
		fmt.Fprintf(&b, "  %-12s %s\n", name, p.Summary())
	}
	return b.String()
}
