package cmdutil

import (
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
		if prev != nil {
			return prev(c, args)
		}
		return nil
	}
}
