package plan

import (
	"errors"
	"testing"

	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/spf13/cobra"
)

func parse(t *testing.T, args ...string) (*PlanOptions, error) {
	t.Helper()
	ios, _, _, _ := iostreams.Test()
	var got *PlanOptions
	cmd := NewCmdPlan(&cmdutil.Factory{IOStreams: ios, Globals: &cmdutil.Globals{}}, func(o *PlanOptions) error { got = o; return nil })
	cmd.SetArgs(args)
	cmd.SetOut(ios.ErrOut)
	cmd.SetErr(ios.ErrOut)
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &cmdutil.FlagError{Err: err} })
	err := cmd.Execute()
	return got, err
}

func TestFlags(t *testing.T) {
	o, err := parse(t, "-f", "office.yaml", "--prune", "--json")
	if err != nil || o.File != "office.yaml" || !o.Prune || !o.Exporter.Enabled() {
		t.Fatalf("%+v %v", o, err)
	}
	if o, err = parse(t, "--file", "-"); err != nil || o.File != "-" || o.Prune {
		t.Fatalf("%+v %v", o, err)
	}
	var fe *cmdutil.FlagError
	if _, err := parse(t); !errors.As(err, &fe) {
		t.Fatalf("no -f: %v", err)
	}
	if _, err := parse(t, "-f", "x", "extra"); err == nil {
		t.Fatal("a positional argument was accepted")
	}
}
