package sipctlcmd

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/sipctl/sipctl/internal/cmd/root"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/manifest"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// One rule per thing: a flag has one name, one shorthand and one metavar
// across the whole tree; a shorthand means one flag; every noun's verbs
// answer to the same aliases.
func TestFlagsAndAliasesAreTheSameEverywhere(t *testing.T) {
	r := root.NewCmdRoot(walkFactory(t, false))
	type use struct{ shorthand, metavar, where string }
	uses := map[string][]use{}
	shorts := map[string]map[string][]string{}
	r.PersistentFlags().VisitAll(func(f *pflag.Flag) {
		mv, _ := pflag.UnquoteUsage(f)
		uses[f.Name] = append(uses[f.Name], use{f.Shorthand, mv, "sipctl (global)"})
	})
	for _, c := range allCommands(r) {
		c.LocalNonPersistentFlags().VisitAll(func(f *pflag.Flag) {
			mv, _ := pflag.UnquoteUsage(f)
			uses[f.Name] = append(uses[f.Name], use{f.Shorthand, mv, c.CommandPath()})
		})
		c.Flags().VisitAll(func(f *pflag.Flag) {
			if f.Shorthand == "" {
				return
			}
			if shorts[f.Shorthand] == nil {
				shorts[f.Shorthand] = map[string][]string{}
			}
			shorts[f.Shorthand][f.Name] = append(shorts[f.Shorthand][f.Name], c.CommandPath())
		})
		for verb, alias := range map[string]string{"list": "ls", "show": "view", "delete": "rm", "remove": "rm"} {
			if c.Name() == verb && !slices.Contains(c.Aliases, alias) {
				t.Errorf("%s has no alias %q (every %s has)", c.CommandPath(), alias, verb)
			}
		}
	}
	var names []string
	for n := range uses {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		first := uses[n][0]
		for _, u := range uses[n][1:] {
			if u.shorthand != first.shorthand || u.metavar != first.metavar {
				t.Errorf("--%s is -%s %q on %s but -%s %q on %s", n, first.shorthand, first.metavar, first.where, u.shorthand, u.metavar, u.where)
			}
		}
	}
	for s, m := range shorts {
		if len(m) > 1 {
			t.Errorf("-%s means several flags: %v", s, fmt.Sprint(m))
		}
	}
	// The nouns named in issue 19.
	for _, path := range [][]string{{"outbound-profiles", "delete"}, {"accounts", "check"}} {
		c, _, err := r.Find(path)
		if err != nil || c.Name() != path[len(path)-1] {
			t.Errorf("sipctl %s: not a command", strings.Join(path, " "))
		}
	}
	for _, path := range [][]string{{"accounts", "check"}, {"password", "rotate"}} {
		c, _, _ := r.Find(path)
		if f := c.Flags().Lookup("domain"); f == nil || f.Shorthand != "d" {
			t.Errorf("sipctl %s has no -d/--domain", strings.Join(path, " "))
		}
	}
	_ = cobra.Command{}
}

// A value given to a switch is never echoed: it may be the secret the
// switch was meant to read from stdin.
func TestSwitchValuesAreNotEchoed(t *testing.T) {
	for _, args := range [][]string{
		{"accounts", "create", "alice", "--password-stdin=Hunter2-secret"},
		{"auth", "login", "--with-token=Hunter2-secret"},
		{"credlists", "credentials", "add", "staff", "alice", "--password-stdin=Hunter2-secret"},
		{"accounts", "check", "alice@office", "--password-stdin=Hunter2-secret"},
	} {
		code, errOut := execute(t, args...)
		if code != 2 || strings.Contains(errOut, "Hunter2") || !strings.Contains(errOut, "is a switch") {
			t.Errorf("%v: exit %d, %q", args, code, errOut)
		}
	}
}

// Every command's help fits an 80-column terminal: text reflows, flag
// descriptions wrap under themselves; only indented examples keep their
// length.
func TestHelpWrapsToTheTerminal(t *testing.T) {
	f := walkFactory(t, false)
	f.IOStreams.SetTerminalWidth(80)
	r := root.NewCmdRoot(f)
	for _, c := range append(allCommands(r), r) {
		var buf strings.Builder
		c.SetOut(&buf)
		if err := c.Help(); err != nil {
			t.Fatal(err)
		}
		inFlags := false
		for _, l := range strings.Split(buf.String(), "\n") {
			if strings.HasSuffix(l, "Flags:") {
				inFlags = true
			}
			if len([]rune(l)) > 80 && (inFlags || !strings.HasPrefix(l, " ")) {
				t.Errorf("%s --help: a line of %d columns: %q", c.CommandPath(), len([]rune(l)), l)
			}
		}
	}
}

// The schema help points to exists for an installed binary: the binary
// prints it.
func TestHelpManifestSchema(t *testing.T) {
	ios, _, out, _ := iostreams.Test()
	f := walkFactory(t, true)
	f.IOStreams = ios
	r := root.NewCmdRoot(f)
	r.SetArgs([]string{"help", "manifest", "--schema"})
	if err := r.Execute(); err != nil {
		t.Fatal(err)
	}
	var schema map[string]any
	if err := json.Unmarshal(out.Bytes(), &schema); err != nil || schema["$id"] != manifest.SchemaID {
		t.Fatalf("%v: %.200s", err, out)
	}
	want, _ := manifest.Schema()
	if out.String() != string(want) {
		t.Error("help manifest --schema is not manifest.Schema()")
	}
	if code, _ := execute(t, "help", "environment", "--schema"); code != 2 {
		t.Errorf("--schema with another topic: exit %d", code)
	}
	if !strings.HasSuffix(manifest.SchemaID, "/docs/schema/sipctl.schema.json") {
		t.Errorf("$id %s is not where docgen writes the schema", manifest.SchemaID)
	}
}
