package sipctlcmd

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/sipctl/sipctl/internal/cmd/root"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/spf13/cobra"
)

// errTouched is what the walk's factory returns: a usage error must be
// found before a command reads its configuration or calls a provider.
var errTouched = errors.New("the command reached for its configuration or provider")

func walkFactory(t *testing.T, strict bool) *cmdutil.Factory {
	ios, _, _, _ := iostreams.Test()
	touched := func() {
		t.Helper()
		if strict {
			t.Error(errTouched)
		}
	}
	return &cmdutil.Factory{
		IOStreams: ios, ExecutableName: "sipctl", Version: "test", Globals: &cmdutil.Globals{},
		Config:   func() (*config.Config, error) { touched(); return nil, errTouched },
		Profile:  func() (*config.Profile, error) { touched(); return nil, errTouched },
		Provider: func() (provider.SIPAccounts, error) { touched(); return nil, errTouched },
	}
}

// execute runs one sipctl command line in-process and returns its exit code
// and what it printed on stderr, as Main would.
func execute(t *testing.T, args ...string) (int, string) {
	t.Helper()
	return executeIn(t, walkFactory(t, true), args...)
}

func executeIn(t *testing.T, f *cmdutil.Factory, args ...string) (int, string) {
	t.Helper()
	cmd := root.NewCmdRoot(f)
	cmd.SetArgs(cmdutil.JSONArgs(cmd, args))
	var errOut bytes.Buffer
	sub, err := cmd.ExecuteC()
	if err == nil {
		return 0, ""
	}
	return PrintError(&errOut, sub, err), errOut.String()
}

// allCommands is every command of the tree, root excluded.
func allCommands(c *cobra.Command) []*cobra.Command {
	var out []*cobra.Command
	for _, s := range c.Commands() {
		out = append(out, s)
		out = append(out, allCommands(s)...)
	}
	return out
}

// placeholderArgs is the fewest arguments the command's Args check accepts,
// so a test reaches the flag checks behind it.
func placeholderArgs(c *cobra.Command) []string {
	for n := 0; n <= 4; n++ {
		args := make([]string, n)
		for i := range args {
			args[i] = "x"
		}
		if c.Args == nil || c.Args(c, args) == nil {
			return args
		}
	}
	return nil
}

// TestCommandTreeExitCodes walks every command: an unknown subcommand, an
// unknown flag and an unknown --json field are usage errors (exit 2) with a
// one-line message, found before any configuration or API access.
func TestCommandTreeExitCodes(t *testing.T) {
	tree := root.NewCmdRoot(walkFactory(t, true))
	cmds := allCommands(tree)
	if len(cmds) < 50 {
		t.Fatalf("walked only %d commands", len(cmds))
	}
	usage := func(t *testing.T, want string, args ...string) {
		t.Helper()
		code, stderr := execute(t, args...)
		if code != cmdutil.ExitUsage {
			t.Errorf("sipctl %s: exit %d, want 2; stderr %q", strings.Join(args, " "), code, stderr)
		}
		if !strings.HasPrefix(stderr, "error: ") || !strings.Contains(stderr, want) || strings.Count(stderr, "\n") > 2 {
			t.Errorf("sipctl %s: stderr %q, want one error line containing %q and at most a hint", strings.Join(args, " "), stderr, want)
		}
	}
	for _, c := range cmds {
		path := strings.Fields(strings.TrimPrefix(c.CommandPath(), "sipctl "))
		t.Run(strings.Join(path, "_"), func(t *testing.T) {
			if c.HasSubCommands() {
				usage(t, `unknown command "frobnicate" for "`+c.CommandPath()+`"`, append(path, "frobnicate", "x")...)
				// Bare, a grouping command prints its help and succeeds.
				if code, stderr := execute(t, path...); code != 0 {
					t.Errorf("sipctl %s: exit %d (%s)", c.CommandPath(), code, stderr)
				}
				return
			}
			if c.Runnable() && !c.DisableFlagParsing {
				usage(t, "unknown flag: --frobnicate", append(path, "--frobnicate")...)
			}
			if c.Flags().Lookup("json") != nil {
				// Every command knows the fields it prints: a bad one is
				// refused, naming the good ones, before the command reads
				// its configuration or reaches a provider (the strict
				// factory fails the test if it does).
				args := append(append(path, placeholderArgs(c)...), "--json=frobnicate", "--yes")
				if c.Flags().Lookup("yes") == nil {
					args = args[:len(args)-1]
				}
				code, stderr := execute(t, args...)
				if code != cmdutil.ExitUsage || !strings.Contains(stderr, `unknown JSON field "frobnicate"; available fields: `) {
					t.Errorf("sipctl %s: exit %d, want 2 naming the available fields: %s", strings.Join(args, " "), code, stderr)
				}
			}
		})
	}
	for _, c := range cmds {
		yes := c.Flags().Lookup("yes")
		switch {
		case destructive(c) && (yes == nil || yes.Shorthand != "y"):
			t.Errorf("%s deletes or stops service but has no -y/--yes", c.CommandPath())
		case yes != nil && yes.Shorthand != "y":
			t.Errorf("%s has --yes without -y", c.CommandPath())
		}
	}
	for _, c := range cmds {
		for _, name := range []string{"domain", "for", "policy", "transport", "resume"} {
			if c.Flags().Lookup(name) == nil {
				continue
			}
			if _, ok := c.GetFlagCompletionFunc(name); !ok {
				t.Errorf("%s --%s has no completion", c.CommandPath(), name)
			}
		}
	}
	usage(t, "did you mean list", "accounts", "lst")
	usage(t, "did you mean domains", "domainz")
}

// destructiveVerbs are the commands that delete or stop service: they
// confirm on a terminal and need -y/--yes otherwise.
var destructiveVerbs = []string{"delete", "remove", "close", "suspend", "reset", "rotate", "discard", "logout", "cleanup"}

// destructive: a destructive verb, a `detach` (the devices using the list
// stop working), a --prune that deletes (apply's; plan's only shows it), or
// domains update (a rename, registration off or TLS on stop phones).
func destructive(c *cobra.Command) bool {
	switch {
	case slices.Contains(destructiveVerbs, c.Name()):
		return true
	case c.HasParent() && c.Parent().Name() == "detach":
		return true
	case c.Flags().Lookup("prune") != nil && c.Name() != "plan":
		return true
	}
	return c.CommandPath() == "sipctl domains update"
}
