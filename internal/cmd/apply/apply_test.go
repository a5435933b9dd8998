package apply

import (
	"errors"
	"strings"
	"testing"

	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/spf13/cobra"
)

func parse(t *testing.T, args ...string) (*ApplyOptions, error) {
	t.Helper()
	ios, _, _, _ := iostreams.Test()
	var got *ApplyOptions
	cmd := NewCmdApply(&cmdutil.Factory{IOStreams: ios, Globals: &cmdutil.Globals{AuditLog: "/tmp/a.log"}}, func(o *ApplyOptions) error { got = o; return nil })
	cmd.SetArgs(args)
	cmd.SetOut(ios.ErrOut)
	cmd.SetErr(ios.ErrOut)
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &cmdutil.FlagError{Err: err} })
	return got, cmd.Execute()
}

func TestFlags(t *testing.T) {
	o, err := parse(t, "-f", "office.yaml", "--prune", "--yes", "-o", "h.csv", "--policy", "device-safe", "--concurrency", "20")
	if err != nil || o.File != "office.yaml" || !o.Prune || !o.Yes || o.Output != "h.csv" || o.Policy != "device-safe" || o.Concurrency != 20 || o.AuditLog != "/tmp/a.log" {
		t.Fatalf("%+v %v", o, err)
	}
	if o, err = parse(t, "-f", "x.yaml", "--dry-run", "--json"); err != nil || !o.DryRun || !o.Exporter.Enabled() {
		t.Fatalf("%+v %v", o, err)
	}
	var fe *cmdutil.FlagError
	for _, args := range [][]string{
		{},
		{"-f", "x", "--concurrency", "-1"},
		{"-f", "-", "--prune"}, // no terminal to confirm on
	} {
		if _, err := parse(t, args...); !errors.As(err, &fe) {
			t.Errorf("%v: %v", args, err)
		}
	}
	if _, err := parse(t, "-f", "-", "--prune"); err == nil || !strings.Contains(err.Error(), "--yes") {
		t.Fatalf("stdin with --prune: %v", err)
	}
	if _, err := parse(t, "-f", "-", "--prune", "--yes"); err != nil {
		t.Fatal(err)
	}
}
