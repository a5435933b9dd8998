// Package provision is `sipctl provision`: phone provisioning files and the
// server phones fetch them from.
package provision

import (
	"github.com/sipctl/sipctl/internal/cmd/provision/credentials"
	"github.com/sipctl/sipctl/internal/cmd/provision/render"
	"github.com/sipctl/sipctl/internal/cmd/provision/serve"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/spf13/cobra"
)

// NewCmdProvision is the `provision` command and its subcommands.
func NewCmdProvision(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "provision <command>",
		Short: "Write phones' provisioning files and serve them",
		Long: `Take the last mile: write each phone's provisioning file from a device inventory and a handover,
in its vendor's format, and serve the files to the phones over HTTPS with a credential per device.`,
		GroupID: "passwords",
	}
	cmd.AddCommand(render.NewCmdRender(f, nil))
	cmd.AddCommand(serve.NewCmdServe(f, nil))
	cmd.AddCommand(credentials.NewCmdCredentials(f))
	return cmd
}
