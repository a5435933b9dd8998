// Package render is `sipctl provision render`.
package render

import (
	"context"
	"fmt"
	"time"

	"github.com/sipctl/sipctl/internal/cmd/provision/shared"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/provision"
	"github.com/spf13/cobra"
)

// RenderOptions are the command's inputs.
type RenderOptions struct {
	IO       *iostreams.IOStreams
	Provider func() (provider.SIPAccounts, error)
	Profile  func() (*config.Profile, error)
	StateDir func() string

	Devices   string
	Handover  string
	Dir       string
	Registrar string
	Transport string
}

// NewCmdRender builds `provision render`.
func NewCmdRender(f *cmdutil.Factory, runF func(*RenderOptions) error) *cobra.Command {
	opts := &RenderOptions{IO: f.IOStreams, Provider: f.Provider, Profile: f.Profile, StateDir: config.StateDir}
	cmd := &cobra.Command{
		Use:   "render --devices FILE --from-handover HANDOVER [--dir DIR]",
		Short: "Write each device's provisioning file from an inventory and a handover",
		Long: `Write each device's provisioning file, in its vendor's format and under the name its phones
request, from a device inventory (--devices, CSV) and the passwords of a handover (--from-handover,
what ` + "`accounts create`" + `, ` + "`password rotate`" + ` or ` + "`apply`" + ` wrote).

  yealink      <mac>.cfg                 poly         <mac>.cfg and <mac>-sipctl.cfg
  grandstream  cfg<mac>.xml              snom         <mac>.xml
  cisco        <mac>.xml (MPP), spa<mac>.xml (SPA)   fanvil  <mac>.cfg
  linphone     <id>.xml (remote provisioning)        baresip <id>.accounts

The inventory has one row per line of a device: mac (or id for a softphone), vendor, model,
account, and optionally line, label, display_name. Every problem in it (a malformed or duplicate
MAC, an unknown vendor or model, more lines than the model has, an account not in the handover)
is reported at once with its line and column, and nothing is written (exit 2).

Files hold passwords: each is written atomically with mode 0600 in a 0700 directory, a file whose
content would not change is left alone, and a device whose file changes moves to its next
generation (` + "`sipctl devices list`" + ` shows it). Nothing printed holds a password.

The registrar phones register to is --registrar HOST:PORT, else the profile's registrar (or the
running ` + "`sandbox serve`" + `), else each account's registrar at the provider.`,
		Example: `  sipctl provision render --devices phones.csv --from-handover handover.csv --dir ./prov
  sipctl provision render --devices phones.csv --from-handover handover.json --dir ./prov --registrar pbx.example.com:5060 --transport tcp`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			for _, fl := range []struct{ name, v string }{{"devices", opts.Devices}, {"from-handover", opts.Handover}} {
				if fl.v == "" {
					return cmdutil.FlagErrorf("--%s is required", fl.name)
				}
			}
			if _, err := shared.ParseRegistrar("x", opts.Transport); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return renderRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Devices, "devices", "", "The device inventory, a CSV `file`")
	fl.StringVar(&opts.Handover, "from-handover", "", "The handover `file` (JSON or CSV) with the accounts' passwords")
	fl.StringVar(&opts.Dir, "dir", "", "Write the files into `directory` (created 0700; default: the state directory's provision/)")
	fl.StringVar(&opts.Registrar, "registrar", "", "The registrar phones register to, `host:port` (default: the profile's, else each account's)")
	fl.StringVar(&opts.Transport, "transport", "udp", "With --registrar or the profile's registrar, the SIP transport: udp, tcp or tls")
	return cmd
}

func renderRun(ctx context.Context, opts *RenderOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	if opts.Dir == "" {
		opts.Dir = provision.DefaultDir(config.StateDir())
	}
	accts, idx, err := shared.HandoverAccounts(opts.Handover)
	if err != nil {
		return err
	}
	active := ""
	prof, perr := opts.Profile()
	if perr == nil && prof != nil {
		active = prof.Provider
	}
	var canon func(string) (string, error)
	if p, err := opts.Provider(); err == nil && p != nil {
		canon = p.CanonicalDomain
	}
	devs, err := shared.ReadDevices(opts.IO, opts.Devices, active, shared.Canonical(canon, idx.Resolve), "nothing was written")
	if err != nil {
		return err
	}
	stateDir := ""
	if opts.StateDir != nil {
		stateDir = opts.StateDir()
	}
	if err := shared.Registrars(ctx, opts.Registrar, opts.Transport, prof, stateDir, opts.Provider, devs, accts); err != nil {
		return err
	}
	res, err := provision.WriteAll(opts.Dir, devs, accts, time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.ErrOut, "%d devices: %d files written, %d unchanged, in %s\n", res.Devices, res.Written, res.Unchanged, opts.Dir)
	for _, name := range res.Changed {
		fmt.Fprintln(opts.IO.Out, name)
	}
	return nil
}
