package cmdutil

import (
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sipctl/sipctl/internal/output"
	"github.com/spf13/cobra"
)

// Exporter is the --json/--jq state of a command.
type Exporter = output.Exporter

// AddJSONFlags adds --json[=fields] and --jq to cmd, and validates them before
// the command runs so a bad expression never costs a request. sample, when
// given, is a value of the type the command prints (e.g. provider.Domain{}):
// its JSON field names are then checked (a usage error, exit 2, before any
// request) and completed in the shell.
func AddJSONFlags(cmd *cobra.Command, exp *Exporter, sample ...any) {
	for _, s := range sample {
		exp.Known = append(exp.Known, output.FieldsOf(s)...)
	}
	f := cmd.Flags()
	jv := &jsonValue{exp: exp}
	f.Var(jv, "json", "Print JSON: all fields, or only `fields` given as --json sid,username")
	f.Lookup("json").NoOptDefVal = "*"
	f.StringVar(&exp.JQ, "jq", "", "Filter JSON output with a jq `expression` (implies --json)")

	if len(exp.Known) > 0 {
		cmd.RegisterFlagCompletionFunc("json", func(c *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
			done, _ := splitLast(toComplete)
			var out []cobra.Completion
			for _, k := range exp.Known {
				out = append(out, done+k)
			}
			return out, cobra.ShellCompDirectiveNoSpace | cobra.ShellCompDirectiveNoFileComp
		})
	}
	prev := cmd.PreRunE
	cmd.PreRunE = func(c *cobra.Command, args []string) error {
		if err := exp.Prepare(jv.raw, c.Flags().Changed("json")); err != nil {
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

// jsonValue is --json's value; it keeps the command's Exporter at hand so
// JSONArgs can tell a field list from a positional argument.
type jsonValue struct {
	raw string
	exp *Exporter
}

func (v *jsonValue) String() string     { return v.raw }
func (v *jsonValue) Set(s string) error { v.raw = s; return nil }
func (v *jsonValue) Type() string       { return "fields" }

// OmitJSONFields takes fields the command's sample type has but the command
// never prints (a password on a list) out of what --json accepts.
func OmitJSONFields(exp *Exporter, names ...string) {
	exp.Known = slices.DeleteFunc(exp.Known, func(k string) bool { return slices.Contains(names, k) })
}

// JSONArgs rewrites `--json a,b` (a space, as gh takes it) into
// `--json=a,b` for the command args name, so both spellings select fields
// while `--json` alone still means all of them. The word after --json is
// taken as fields only when it reads as a field list of the command (see
// isFieldList), so `accounts show --json alice` still shows alice.
func JSONArgs(root *cobra.Command, args []string) []string {
	cmd, _, err := root.Find(args)
	if err != nil || cmd == nil {
		return args
	}
	fl := cmd.Flags().Lookup("json")
	if fl == nil {
		return args
	}
	jv, ok := fl.Value.(*jsonValue)
	if !ok || len(jv.exp.Known) == 0 {
		return args
	}
	out := make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return append(out, args[i:]...)
		}
		if a == "--json" && i+1 < len(args) && isFieldList(args[i+1], jv.exp.Known) {
			out = append(out, "--json="+args[i+1])
			i++
			continue
		}
		out = append(out, a)
	}
	return out
}

// isFieldList: every name known, or a comma-separated list of field-like
// names of which one is known (the unknown ones are then refused by name).
func isFieldList(s string, known []string) bool {
	if s == "" || strings.HasPrefix(s, "-") {
		return false
	}
	parts := strings.Split(s, ",")
	all, some := true, false
	for _, f := range parts {
		f = strings.TrimSpace(f)
		if slices.Contains(known, f) {
			some = true
			continue
		}
		all = false
		if !fieldName.MatchString(f) {
			return false
		}
	}
	return all || (some && len(parts) > 1)
}

var fieldName = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// splitLast splits "a,b,c" into "a,b," and "c", for completing a field list.
func splitLast(s string) (string, string) {
	if i := strings.LastIndex(s, ","); i >= 0 {
		return s[:i+1], s[i+1:]
	}
	return "", s
}

// AddListFlags adds a list command's flags: --limit/-L (at most that many
// items are printed, and fetched) and --wide (the terminal table's cells
// whole, however wide; a pipe always gets them whole).
func AddListFlags(cmd *cobra.Command, exp *Exporter) {
	cmd.Flags().IntVarP(&exp.Limit, "limit", "L", 0, "Print at most `n` items (default: all)")
	cmd.Flags().BoolVar(&exp.Wide, "wide", false, "On a terminal, print every cell whole instead of fitting the table to its width")
	prev := cmd.PreRunE
	cmd.PreRunE = func(c *cobra.Command, args []string) error {
		if exp.Limit < 0 {
			return FlagErrorf("invalid --limit %d: give a positive number", exp.Limit)
		}
		if prev != nil {
			return prev(c, args)
		}
		return nil
	}
}
