package cmdutil

import (
	"os"
	"strconv"
	"time"

	"github.com/sipctl/sipctl/internal/output"
	"github.com/spf13/cobra"
)

// Exporter is the --json/--jq state of a command.
type Exporter = output.Exporter

// AddJSONFlags adds --json[=fields] and --jq to cmd, and validates them before
// the command runs so a bad expression never costs a request.
func AddJSONFlags(cmd *cobra.Command, exp *Exporter) {
	f := cmd.Flags()
	var fields string
	f.StringVar(&fields, "json", "", "Print JSON: all fields, or `fields` given as --json=sid,username")
	f.Lookup("json").NoOptDefVal = "*"
	f.StringVar(&exp.JQ, "jq", "", "Filter JSON output with a jq `expression` (implies --json)")

	prev := cmd.PreRunE
	cmd.PreRunE = func(c *cobra.Command, args []string) error {
		if err := exp.Prepare(fields, c.Flags().Changed("json")); err != nil {
			return &FlagError{Err: err}
		}
		// --jq stops on SIGINT/SIGTERM and after its time limit.
		exp.SetContext(c.Context())
		if raw := os.Getenv("SIPCTL_JQ_TIMEOUT"); raw != "" && exp.JQ != "" {
			d, err := time.ParseDuration(raw)
			if err != nil || d <= 0 {
				return FlagErrorf("invalid SIPCTL_JQ_TIMEOUT %q: use a duration such as 10s", raw)
			}
			output.JQTimeout = d
		}
		if raw := os.Getenv("SIPCTL_JQ_MAX_MEMORY"); raw != "" && exp.JQ != "" {
			mib, err := strconv.ParseUint(raw, 10, 32)
			if err != nil || mib == 0 {
				return FlagErrorf("invalid SIPCTL_JQ_MAX_MEMORY %q: a number of MiB such as 1024", raw)
			}
			output.JQMaxMemory = mib << 20
		}
		if prev != nil {
			return prev(c, args)
		}
		return nil
	}
}
