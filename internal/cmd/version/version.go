// Package version is `sipctl version`.
package version

import (
	"fmt"
	"strings"

	"github.com/sipctl/sipctl/internal/build"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/spf13/cobra"
)

// Format is the one-line version string `sipctl version` and `--version` print.
func Format() string {
	var b strings.Builder
	fmt.Fprintf(&b, "sipctl version %s", build.Version)
	var extra []string
	if build.Commit != "" {
		extra = append(extra, build.Commit)
	}
	if build.Date != "" {
		extra = append(extra, build.Date)
	}
	if len(extra) > 0 {
		fmt.Fprintf(&b, " (%s)", strings.Join(extra, ", "))
	}
	return b.String() + "\n"
}

// NewCmdVersion prints the version; it touches no config, keyring or network.
func NewCmdVersion(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print sipctl's version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			_, err := fmt.Fprint(f.IOStreams.Out, Format())
			return err
		},
	}
}
