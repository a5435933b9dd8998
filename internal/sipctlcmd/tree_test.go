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
	cmd.SetArgs(args)
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
				args := append(append(path, placeholderArgs(c)...), "--json=frobnicate", "--yes")
				if c.Flags().Lookup("yes") == nil {
					args = args[:len(args)-1]
				}
				declared := jsonFieldsDeclared[c.CommandPath()]
				code, stderr := executeIn(t, walkFactory(t, declared), args...)
				// Commands that declared their fields refuse a bad one
				// before they run; the others at output time (exit 1).
				if code != cmdutil.ExitUsage && declared {
					t.Errorf("sipctl %s: exit %d, want 2: %s", strings.Join(args, " "), code, stderr)
				}
			}
		})
	}
	for _, c := range cmds {
		destructive := slices.Contains([]string{"delete", "remove", "close", "suspend", "reset", "rotate"}, c.Name())
		yes := c.Flags().Lookup("yes")
		switch {
		case destructive && yes == nil:
			t.Errorf("%s deletes or stops service but has no --yes", c.CommandPath())
		case yes != nil && yes.Shorthand != "y" && !yesShorthandPending[c.CommandPath()]:
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

// yesShorthandPending: the custody work adds -y to `password rotate`.
var yesShorthandPending = map[string]bool{"sipctl password rotate": true}

// jsonFieldsDeclared are the commands the walk holds to refusing an unknown
// --json field before any request.
var jsonFieldsDeclared = map[string]bool{}

func init() {
	for _, p := range []string{"domains list", "accounts list", "credlists list", "credlists credentials list",
		"ipacls list", "ipacls addresses list", "callerid list", "subaccounts list", "profile list"} {
		jsonFieldsDeclared["sipctl "+p] = true
	}
}
