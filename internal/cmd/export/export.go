// Package export is `sipctl export`: the provider's domains, accounts and
// IP ACLs as a manifest.
package export

import (
	"context"
	"fmt"

	"github.com/sipctl/sipctl/internal/clock"
	"github.com/sipctl/sipctl/internal/cmd/plan"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/manifest"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/reconcile"
	"github.com/spf13/cobra"
)

// ExportOptions are the inputs of `export`.
type ExportOptions struct {
	IO       *iostreams.IOStreams
	Provider func() (provider.SIPAccounts, error)

	Format string
}

// NewCmdExport is `export`.
func NewCmdExport(f *cmdutil.Factory, runF func(*ExportOptions) error) *cobra.Command {
	opts := &ExportOptions{IO: f.IOStreams, Provider: plan.Neutral(f)}
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Write the provider's domains, accounts and IP ACLs as a manifest",
		Long: `Write what the provider holds (every domain with its accounts and attached IP ACLs, every
IP ACL with its addresses) as a manifest on stdout, in the format ` + "`sipctl plan`" + ` and
` + "`sipctl apply`" + ` read (see ` + "`sipctl help manifest`" + `). No password or other secret is written:
providers never return them. Applying the export changes nothing.`,
		Example: `  $ sipctl export > office.yaml
  $ sipctl export --format json
  $ sipctl export | sipctl plan -f -`,
		Args:    cobra.NoArgs,
		GroupID: "sip",
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Format != "yaml" && opts.Format != "json" {
				return cmdutil.FlagErrorf("--format must be yaml or json, not %q", opts.Format)
			}
			if runF != nil {
				return runF(opts)
			}
			return exportRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Format, "format", "yaml", "Write `yaml` or json")
	cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions([]string{"yaml", "json"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func exportRun(ctx context.Context, opts *ExportOptions) error {
	p, err := opts.Provider()
	if err != nil {
		return err
	}
	st, err := reconcile.Read(ctx, p, nil, reconcile.ReadOptions{All: true})
	if err != nil {
		return err
	}
	now, err := clock.Now()
	if err != nil {
		return err
	}
	f := st.Export(now)
	var b []byte
	if opts.Format == "json" {
		b, err = manifest.EncodeJSON(f)
	} else {
		b, err = manifest.Encode(f)
	}
	if err != nil {
		return err
	}
	if _, err := opts.IO.Out.Write(b); err != nil {
		return err
	}
	if opts.IO.IsStderrTTY() {
		n := 0
		for _, d := range f.Domains {
			n += len(d.Accounts)
		}
		fmt.Fprintf(opts.IO.ErrOut, "Exported %d domain(s), %d account(s), %d IP ACL(s).\n", len(f.Domains), n, len(f.IPACLs))
	}
	return nil
}
