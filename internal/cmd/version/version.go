// Package version is `sipctl version`.
package version

import (
	"fmt"
	"runtime"
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

// Info is what `sipctl version --json` prints.
type Info struct {
	Version   string `json:"version"`
	Commit    string `json:"commit"`
	Date      string `json:"date"`
	GoVersion string `json:"go_version"`
	Platform  string `json:"platform"`
}

// Current is this binary's Info.
func Current() Info {
	return Info{Version: build.Version, Commit: build.Commit, Date: build.Date,
		GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
}

// NewCmdVersion prints the version; it touches no config, keyring or network.
func NewCmdVersion(f *cmdutil.Factory) *cobra.Command {
	exp := &cmdutil.Exporter{}
	cmd := &cobra.Command{
		Use:     "version",
		Short:   "Print sipctl's version",
		Example: "  $ sipctl version\n  $ sipctl version --json --jq .version",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if exp.Enabled() {
				return exp.Write(f.IOStreams.Out, Current())
			}
			_, err := fmt.Fprint(f.IOStreams.Out, Format())
			return err
		},
	}
	cmdutil.AddJSONFlags(cmd, exp, Info{})
	return cmd
}
