package add

import (
	"errors"
	"strings"
	"testing"

	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/twilio/twiliotest"
)

func TestNewCmdAddFlags(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	var got *AddOptions
	cmd := NewCmdAdd(twiliotest.New(t).Factory(ios), func(o *AddOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"staff", "alice", "--password-stdin", "--policy", "strict"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.List != "staff" || got.Username != "alice" || !got.PasswordStdin || got.Policy != "strict" {
		t.Errorf("%+v", got)
	}
}

func TestNewCmdAddTakesNoPasswordArgument(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	cmd := NewCmdAdd(twiliotest.New(t).Factory(ios), func(*AddOptions) error { t.Error("ran"); return nil })
	cmd.SetArgs([]string{"staff", "alice", "Secret123456"})
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	if err := cmd.Execute(); err == nil {
		t.Error("a password in argv was accepted")
	}
	if cmd.Flags().Lookup("password") != nil {
		t.Error("a flag takes the password as its value")
	}
}

func TestNewCmdAddUsernameRule(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	cmd := NewCmdAdd(twiliotest.New(t).Factory(ios), func(*AddOptions) error { t.Error("ran"); return nil })
	cmd.SetArgs([]string{"staff", strings.Repeat("x", 33)})
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	var fe *cmdutil.FlagError
	if err := cmd.Execute(); !errors.As(err, &fe) || !strings.Contains(err.Error(), "at most 32") {
		t.Errorf("err = %v", err)
	}
}

func TestPolicyFromProfile(t *testing.T) {
	o := &AddOptions{Profile: func() (*config.Profile, error) {
		return &config.Profile{Name: "p", Provider: "twilio", PasswordPolicy: "strict"}, nil
	}}
	pol, err := o.policy()
	if err != nil || pol.Name != "strict" {
		t.Errorf("policy = %+v, %v", pol, err)
	}
	o.Policy = "device-safe"
	if pol, err = o.policy(); err != nil || pol.Name != "device-safe" {
		t.Errorf("--policy wins: %+v, %v", pol, err)
	}
}
