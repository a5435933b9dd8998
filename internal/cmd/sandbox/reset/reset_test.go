package reset

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/sandbox"
	"github.com/sipctl/sipctl/internal/twilio"
)

// seed creates one domain and returns a function counting domains.
func seed(t *testing.T, dir string) func() int {
	t.Helper()
	sb, err := sandbox.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	sid, tok := sb.Account()
	c, err := twilio.New(twilio.Options{BaseURL: "http://localhost", AccountSID: sid, Secret: tok, HTTPClient: &http.Client{Transport: sb.RoundTripper()}})
	if err != nil {
		t.Fatal(err)
	}
	name := "reset.sip.twilio.com"
	if _, err := c.CreateDomain(context.Background(), provider.DomainParams{DomainName: &name}); err != nil {
		t.Fatal(err)
	}
	return func() int {
		n := 0
		for _, err := range c.ListDomains(context.Background()) {
			if err != nil {
				t.Fatal(err)
			}
			n++
		}
		return n
	}
}

func runReset(t *testing.T, dir string, tty bool, input string, args ...string) error {
	t.Helper()
	ios, stdin, _, _ := iostreams.Test()
	ios.SetStdinTTY(tty)
	ios.SetStdoutTTY(tty)
	ios.SetStderrTTY(tty)
	stdin.WriteString(input)
	var opts *ResetOptions
	cmd := NewCmdReset(&cmdutil.Factory{IOStreams: ios}, func(o *ResetOptions) error { opts = o; return nil })
	cmd.SetArgs(args)
	if err := cmd.Execute(); err != nil {
		return err
	}
	opts.StateDir = func() (string, error) { return dir, nil }
	return resetRun(opts)
}

func TestResetNeedsYesWithoutTerminal(t *testing.T) {
	dir := t.TempDir()
	count := seed(t, dir)
	var fe *cmdutil.FlagError
	if err := runReset(t, dir, false, ""); !errors.As(err, &fe) {
		t.Fatalf("err = %v, want a usage error naming --yes", err)
	}
	if count() != 1 {
		t.Fatal("reset without confirmation emptied the sandbox")
	}
	if err := runReset(t, dir, false, "", "--yes"); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 0 {
		t.Fatalf("after reset --yes: %d domains", n)
	}
}

func TestResetAsksOnTerminal(t *testing.T) {
	dir := t.TempDir()
	count := seed(t, dir)
	if err := runReset(t, dir, true, "n\n"); !errors.Is(err, cmdutil.ErrCancel) {
		t.Fatalf("answer n: err = %v, want ErrCancel", err)
	}
	if count() != 1 {
		t.Fatal("declined reset emptied the sandbox")
	}
	if err := runReset(t, dir, true, "y\n"); err != nil {
		t.Fatal(err)
	}
	if count() != 0 {
		t.Fatal("confirmed reset left domains")
	}
}
