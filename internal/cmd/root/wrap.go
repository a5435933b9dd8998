package root

import (
	"regexp"
	"strings"

	"github.com/charmbracelet/x/ansi"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// maxHelpWidth caps how wide help lines grow on a wide terminal: long lines
// are hard to read.
const maxHelpWidth = 100

// wrapHelp makes `--help` fit the terminal: descriptions reflow to its
// width, list items and flag descriptions wrap under their own start (a
// hanging indent), and indented lines (examples) are left as written.
func wrapHelp(cmd *cobra.Command, f *cmdutil.Factory) {
	width := func() int { return min(f.IOStreams.TerminalWidth(), maxHelpWidth) }
	cobra.AddTemplateFunc("sipctlWrap", func(s string) string { return WrapText(s, width()) })
	cobra.AddTemplateFunc("sipctlFlags", func(fs *pflag.FlagSet) string { return fs.FlagUsagesWrapped(width()) })
	help := strings.Replace(cmd.HelpTemplate(), "{{. | trimTrailingWhitespaces}}", "{{. | sipctlWrap | trimTrailingWhitespaces}}", 1)
	cmd.SetHelpTemplate(help)
	usage := cmd.UsageTemplate()
	usage = strings.ReplaceAll(usage, "{{.LocalFlags.FlagUsages | trimTrailingWhitespaces}}", "{{sipctlFlags .LocalFlags | trimTrailingWhitespaces}}")
	usage = strings.ReplaceAll(usage, "{{.InheritedFlags.FlagUsages | trimTrailingWhitespaces}}", "{{sipctlFlags .InheritedFlags | trimTrailingWhitespaces}}")
	usage = strings.Replace(usage, `--help" for more information about a command.`, `--help" for more about a command.`, 1)
	cmd.SetUsageTemplate(usage)
}

// listItem is the start of a list item: "- ", "* ", "1. ", "2) ".
var listItem = regexp.MustCompile(`^(?:[-*]|[0-9]+[.)]) +`)

// WrapText reflows s to width. Blank lines separate paragraphs; a line
// that starts with a space is kept as it is (examples, tables); a list item
// wraps with its continuation lines under its text.
func WrapText(s string, width int) string {
	if width <= 20 {
		return s
	}
	var out []string
	var block []string // the words of the paragraph or item being filled
	indent := ""       // its continuation indent
	flush := func() {
		if len(block) == 0 {
			return
		}
		line := ""
		for _, w := range block {
			switch {
			case line == "":
				line = w
			case ansi.StringWidth(line)+1+ansi.StringWidth(w) <= width:
				line += " " + w
			default:
				out = append(out, line)
				line = indent + w
			}
		}
		out = append(out, line)
		block, indent = nil, ""
	}
	for _, l := range strings.Split(s, "\n") {
		switch {
		case strings.TrimSpace(l) == "":
			flush()
			out = append(out, "")
		case l[0] == ' ' || l[0] == '\t':
			flush()
			out = append(out, l)
		case listItem.MatchString(l):
			flush()
			indent = strings.Repeat(" ", len(listItem.FindString(l)))
			block = append(block, strings.Fields(l)...)
			// The marker and the first word stay together.
			if len(block) > 1 {
				block = append([]string{block[0] + strings.Repeat(" ", len(indent)-len(block[0])) + block[1]}, block[2:]...)
			}
		default:
			block = append(block, strings.Fields(l)...)
		}
	}
	flush()
	return strings.Join(out, "\n")
}
