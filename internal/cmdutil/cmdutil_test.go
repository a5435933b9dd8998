package cmdutil

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/spf13/cobra"
)

func TestConfirmDestructive(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	if err := ConfirmDestructive(ios, true, "Delete domain x?", ""); err != nil {
		t.Fatalf("--yes: %v", err)
	}
	err := ConfirmDestructive(ios, false, "Delete domain x?", "")
	var fe *FlagError
	if !errors.As(err, &fe) || err.Error() != "domain x not deleted: confirmation required in a non-interactive run; pass --yes" {
		t.Fatalf("no terminal: %v", err)
	}

	for answer, want := range map[string]error{"y\n": nil, "YES\n": nil, "n\n": ErrCancel, "\n": ErrCancel} {
		ios, in, _, errOut := iostreams.Test()
		ios.SetStdinTTY(true)
		ios.SetStdoutTTY(true)
		in.WriteString(answer)
		if got := ConfirmDestructive(ios, false, "Delete domain x?", ""); !errors.Is(got, want) || (got == nil) != (want == nil) {
			t.Errorf("answer %q: %v", answer, got)
		}
		if !strings.Contains(errOut.String(), "[y/N]") {
			t.Errorf("prompt not on stderr: %q", errOut)
		}
	}

	ios, in, _, _ := iostreams.Test()
	ios.SetStdinTTY(true)
	ios.SetStdoutTTY(true)
	in.WriteString("acme\n")
	if err := ConfirmDestructive(ios, false, "Close subaccount acme?", "acme"); err != nil {
		t.Fatalf("typed name: %v", err)
	}
	in.WriteString("y\n")
	if err := ConfirmDestructive(ios, false, "Close subaccount acme (AC1)? This cannot be undone.", "acme"); !errors.Is(err, ErrCancel) || err.Error() != "subaccount acme (AC1) not closed: cancelled at the confirmation" {
		t.Fatalf("y instead of the name: %v", err)
	}
}

func TestNotDone(t *testing.T) {
	for prompt, want := range map[string]string{
		"Delete domain office.sip.twilio.com?":                       "domain office.sip.twilio.com not deleted",
		"Suspend subaccount Acme (AC1)? Calls stop.":                 "subaccount Acme (AC1) not suspended",
		"Empty the sandbox (every domain)?":                          "the sandbox (every domain) not emptied",
		"Rotate 3 passwords in office? Each device stays registered": "3 passwords in office not rotated",
		"Remove 10.0.0.1/32 from \"office\"?":                        "10.0.0.1/32 from \"office\" not removed",
		"Detach list staff from office?":                             "list staff from office not detached",
	} {
		if got := NotDone(prompt); got != want {
			t.Errorf("NotDone(%q) = %q, want %q", prompt, got, want)
		}
	}
}

func TestJSONFlags(t *testing.T) {
	run := func(args ...string) (*Exporter, error) {
		exp := &Exporter{}
		cmd := &cobra.Command{Use: "x", RunE: func(*cobra.Command, []string) error { return nil }}
		AddJSONFlags(cmd, exp)
		cmd.SetArgs(args)
		cmd.SilenceErrors, cmd.SilenceUsage = true, true
		return exp, cmd.Execute()
	}
	if exp, err := run(); err != nil || exp.Enabled() {
		t.Fatalf("no flags: %v %v", exp, err)
	}
	if exp, err := run("--json"); err != nil || !exp.Enabled() || exp.Fields != nil {
		t.Fatalf("--json: %+v %v", exp, err)
	}
	if exp, err := run("--json=sid,username"); err != nil || strings.Join(exp.Fields, ",") != "sid,username" {
		t.Fatalf("--json=fields: %+v %v", exp, err)
	}
	if exp, err := run("--jq", ".[0].sid"); err != nil || !exp.Enabled() {
		t.Fatalf("--jq: %+v %v", exp, err)
	}
	_, err := run("--jq", ".[")
	var fe *FlagError
	if !errors.As(err, &fe) {
		t.Fatalf("bad --jq should be a usage error: %v", err)
	}
}

func TestJSONArgsTakesFieldsAfterASpace(t *testing.T) {
	type item struct {
		SID      string `json:"sid"`
		Username string `json:"username"`
		Password string `json:"password"`
	}
	build := func() (*cobra.Command, *Exporter, *[]string) {
		exp := &Exporter{}
		var got []string
		root := &cobra.Command{Use: "sipctl"}
		root.PersistentFlags().String("profile", "", "")
		show := &cobra.Command{Use: "show", Args: cobra.MaximumNArgs(1), RunE: func(_ *cobra.Command, args []string) error { got = args; return nil }}
		AddJSONFlags(show, exp, item{})
		OmitJSONFields(exp, "password")
		root.AddCommand(show)
		root.SilenceErrors, root.SilenceUsage = true, true
		return root, exp, &got
	}
	for _, tc := range []struct {
		args   []string
		fields string
		pos    string
		all    bool
	}{
		{[]string{"show", "--json", "sid,username"}, "sid,username", "", false},
		{[]string{"--profile", "p", "show", "--json", "username", "alice"}, "username", "alice", false},
		{[]string{"show", "--json=sid"}, "sid", "", false},
		{[]string{"show", "--json"}, "", "", true},
		{[]string{"show", "--json", "alice"}, "", "alice", true},
		{[]string{"show", "alice", "--json"}, "", "alice", true},
		{[]string{"show", "--", "--json", "sid"}, "", "", false},
	} {
		root, exp, got := build()
		root.SetArgs(JSONArgs(root, tc.args))
		err := root.Execute()
		if tc.args[1] == "--" {
			if err == nil {
				t.Errorf("%v: two positionals accepted", tc.args)
			}
			continue
		}
		if err != nil || strings.Join(exp.Fields, ",") != tc.fields || strings.Join(*got, " ") != tc.pos || !exp.Enabled() || (exp.Fields == nil) != tc.all {
			t.Errorf("%v: fields %q args %q enabled %v err %v", tc.args, exp.Fields, *got, exp.Enabled(), err)
		}
	}

	// A field the command never prints is refused, spelled either way.
	for _, args := range [][]string{{"show", "--json=password"}, {"show", "--json", "username,password"}} {
		root, _, _ := build()
		root.SetArgs(JSONArgs(root, args))
		err := root.Execute()
		var fe *FlagError
		if !errors.As(err, &fe) && !strings.Contains(fmt.Sprint(err), "accepts at most") {
			t.Errorf("%v: %v, want a usage error", args, err)
		}
	}
}
