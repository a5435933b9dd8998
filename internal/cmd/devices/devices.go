// Package devices is `sipctl devices`: the provisioned phones, their
// files' generations and fetches, and asking them to fetch again.
package devices

import (
	"github.com/sipctl/sipctl/internal/cmd/devices/list"
	"github.com/sipctl/sipctl/internal/cmd/devices/resync"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/spf13/cobra"
)

// NewCmdDevices is the `devices` command and its subcommands.
func NewCmdDevices(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "devices <command>",
		Short:   "See provisioned phones and make them fetch their new files",
		GroupID: "passwords",
	}
	cmd.AddCommand(list.NewCmdList(f, nil))
	cmd.AddCommand(resync.NewCmdResync(f, nil))
	return cmd
}
