package cmdutil

import (
	"errors"
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
	if !errors.As(err, &fe) || !strings.Contains(err.Error(), "--yes") {
		t.Fatalf("no terminal: %v", err)
	}

	for answer, want := range map[string]error{"y\n": nil, "YES\n": nil, "n\n": ErrCancel, "\n": ErrCancel} {
		ios, in, _, errOut := iostreams.Test()
		ios.SetStdinTTY(true)
		ios.SetStdoutTTY(true)
		in.WriteString(answer)
		if got := ConfirmDestructive(ios, false, "Delete domain x?", ""); got != want {
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
	if err := ConfirmDestructive(ios, false, "Close subaccount acme?", "acme"); err != ErrCancel {
		t.Fatalf("y instead of the name: %v", err)
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
