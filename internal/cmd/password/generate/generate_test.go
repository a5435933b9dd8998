package generate

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/password"
)

func TestFlags(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	var got *GenerateOptions
	cmd := NewCmdGenerate(&cmdutil.Factory{IOStreams: ios}, func(o *GenerateOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"--policy", "device-safe", "--length", "24", "--count", "3"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.Policy != "device-safe" || got.Length != 24 || got.Count != 3 {
		t.Fatalf("options %+v", got)
	}
	for _, bad := range [][]string{{"--count", "0"}, {"--length", "0"}, {"extra"}} {
		cmd := NewCmdGenerate(&cmdutil.Factory{IOStreams: ios}, func(o *GenerateOptions) error { return nil })
		cmd.SetArgs(bad)
		cmd.SetErr(&strings.Builder{})
		cmd.SetOut(&strings.Builder{})
		if err := cmd.Execute(); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}

func TestRunPipe(t *testing.T) {
	ios, _, out, _ := iostreams.Test()
	err := generateRun(context.Background(), &GenerateOptions{IO: ios, Exporter: &cmdutil.Exporter{}, Policy: "strict", Count: 50})
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 50 {
		t.Fatalf("%d lines", len(lines))
	}
	strict, _ := password.Builtin("strict")
	for _, l := range lines {
		if err := strict.Validate(l); err != nil || strings.Contains(l, "bits") {
			t.Fatalf("pipe line %q: %v", l, err)
		}
	}
}

func TestRunTTYShowsEntropy(t *testing.T) {
	ios, _, out, _ := iostreams.Test()
	ios.SetStdoutTTY(true)
	err := generateRun(context.Background(), &GenerateOptions{IO: ios, Exporter: &cmdutil.Exporter{}, Count: 2,
		Profile: func() (*config.Profile, error) {
			return &config.Profile{Provider: "twilio", PasswordPolicy: "device-safe"}, nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	safe, _ := password.Builtin("device-safe")
	want := strings.TrimRight(strings.TrimRight(strings.Split(out.String(), "\n")[1], " "), " ")
	if !strings.Contains(out.String(), "PASSWORD") || !strings.Contains(want, " bits") {
		t.Fatalf("TTY output %q", out.String())
	}
	pw := strings.Fields(want)[0]
	if safe.Validate(pw) != nil || len(pw) != safe.GenLength() {
		t.Fatal("the profile's device-safe policy was not used")
	}
}

func TestRunJSONAndLength(t *testing.T) {
	ios, _, out, _ := iostreams.Test()
	exp := &cmdutil.Exporter{}
	if err := exp.Prepare("*", true); err != nil {
		t.Fatal(err)
	}
	// No profile at all (nothing configured): the default twilio policy.
	err := generateRun(context.Background(), &GenerateOptions{IO: ios, Exporter: exp, Length: 30, Count: 2,
		Profile: func() (*config.Profile, error) { return nil, errors.New("no config") }})
	if err != nil {
		t.Fatal(err)
	}
	var got []Generated
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if len(got) != 2 || got[0].Policy != "twilio" || got[0].Length != 30 || len(got[0].Password) != 30 || got[0].EntropyBits < 150 {
		t.Fatalf("JSON %+v", got)
	}
	err = generateRun(context.Background(), &GenerateOptions{IO: ios, Exporter: &cmdutil.Exporter{}, Policy: "strict", Length: 5, Count: 1})
	var fe *cmdutil.FlagError
	if !errors.As(err, &fe) || !strings.Contains(err.Error(), "outside") {
		t.Fatalf("short length: %v", err)
	}
	err = generateRun(context.Background(), &GenerateOptions{IO: ios, Exporter: &cmdutil.Exporter{}, Policy: "bogus", Count: 1})
	if !errors.As(err, &fe) || !strings.Contains(err.Error(), strings.Join(password.Names(), ", ")) {
		t.Fatalf("bad policy: %v", err)
	}
}
