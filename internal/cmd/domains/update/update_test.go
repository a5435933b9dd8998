package update

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/twilio/twiliotest"
)

func TestNewCmdUpdateNeedsASetting(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	cmd := NewCmdUpdate(twiliotest.New(t).Factory(ios), func(*UpdateOptions) error { t.Error("ran"); return nil })
	cmd.SetArgs([]string{"office"})
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	err := cmd.Execute()
	var fe *cmdutil.FlagError
	if !errors.As(err, &fe) || !strings.Contains(err.Error(), "nothing to update") {
		t.Fatalf("err = %v", err)
	}
}

func TestNewCmdUpdateFlags(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	var got *UpdateOptions
	cmd := NewCmdUpdate(twiliotest.New(t).Factory(ios), func(o *UpdateOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"office", "--sip-registration=false", "--rename", "hq"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.Domain != "office" || *got.Params.SIPRegistration || *got.Params.DomainName != "hq.sip.twilio.com" || got.Params.VoiceURL != nil {
		t.Errorf("opts = %+v", got.Params)
	}
}

func TestUpdateSendsOnlyChangedFields(t *testing.T) {
	sid := twiliotest.SID("SD", 7)
	s := twiliotest.New(t)
	s.Expect("GET", "SIP/Domains.json", nil, 0, twiliotest.Page("domains", "", twiliotest.Domain(sid, "office.sip.twilio.com", nil)))
	s.Expect("POST", "SIP/Domains/"+sid+".json", url.Values{"SipRegistration": {"true"}}, 0,
		twiliotest.Domain(sid, "office.sip.twilio.com", map[string]any{"sip_registration": true}))
	ios, _, out, _ := iostreams.Test()
	on := true
	err := updateRun(context.Background(), &UpdateOptions{IO: ios, Provider: func() (Updater, error) { return s.Client(), nil }, Domain: "office",
		Params: provider.DomainParams{SIPRegistration: &on}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "SIP registration\ttrue") {
		t.Errorf("output:\n%s", out)
	}
}

func TestUpdateUnknownDomainSendsNoUpdate(t *testing.T) {
	s := twiliotest.New(t)
	s.Expect("GET", "SIP/Domains.json", nil, 0, twiliotest.Page("domains", ""))
	ios, _, _, _ := iostreams.Test()
	on := true
	err := updateRun(context.Background(), &UpdateOptions{IO: ios, Provider: func() (Updater, error) { return s.Client(), nil }, Domain: "office",
		Params: provider.DomainParams{Secure: &on}})
	var h *cmdutil.HintError
	if !errors.As(err, &h) || !strings.Contains(h.Hint, "sipctl domains create office") {
		t.Fatalf("err = %v", err)
	}
}

// A change that stops working phones (here turning registration off and
// requiring TLS) is not sent without --yes when nobody can be asked; a
// harmless one (the friendly name) needs no --yes.
func TestUpdateThatStopsPhonesNeedsYes(t *testing.T) {
	sid := twiliotest.SID("SD", 7)
	s := twiliotest.New(t)
	s.Expect("GET", "SIP/Domains.json", nil, 0, twiliotest.Page("domains", "", twiliotest.Domain(sid, "office.sip.twilio.com", map[string]any{"sip_registration": true})))
	ios, _, _, _ := iostreams.Test()
	off, on := false, true
	err := updateRun(context.Background(), &UpdateOptions{IO: ios, Provider: func() (Updater, error) { return s.Client(), nil }, Domain: "office",
		Params: provider.DomainParams{SIPRegistration: &off, Secure: &on}})
	var fe *cmdutil.FlagError
	want := "domain office.sip.twilio.com not updated: confirmation required in a non-interactive run; pass --yes"
	if !errors.As(err, &fe) || err.Error() != want {
		t.Fatalf("err = %v", err)
	}

	s = twiliotest.New(t)
	s.Expect("GET", "SIP/Domains.json", nil, 0, twiliotest.Page("domains", "", twiliotest.Domain(sid, "office.sip.twilio.com", map[string]any{"sip_registration": true})))
	s.Expect("POST", "SIP/Domains/"+sid+".json", url.Values{"FriendlyName": {"Office"}}, 0, twiliotest.Domain(sid, "office.sip.twilio.com", nil))
	name := "Office"
	if err := updateRun(context.Background(), &UpdateOptions{IO: ios, Provider: func() (Updater, error) { return s.Client(), nil }, Domain: "office",
		Params: provider.DomainParams{FriendlyName: &name}}); err != nil {
		t.Fatal(err)
	}
}

func TestUpdateConfirmsARenameOnTerminal(t *testing.T) {
	sid := twiliotest.SID("SD", 7)
	s := twiliotest.New(t)
	s.Expect("GET", "SIP/Domains.json", nil, 0, twiliotest.Page("domains", "", twiliotest.Domain(sid, "office.sip.twilio.com", nil)))
	ios, in, _, errOut := iostreams.Test()
	ios.SetStdinTTY(true)
	ios.SetStdoutTTY(true)
	in.WriteString("n\n")
	name := "hq.sip.twilio.com"
	err := updateRun(context.Background(), &UpdateOptions{IO: ios, Provider: func() (Updater, error) { return s.Client(), nil }, Domain: "office",
		Params: provider.DomainParams{DomainName: &name}})
	if !errors.Is(err, cmdutil.ErrCancel) || !strings.Contains(errOut.String(), "Update domain office.sip.twilio.com? Phones set up for office.sip.twilio.com stop working until they use hq.sip.twilio.com. [y/N]") {
		t.Fatalf("err = %v, stderr %q", err, errOut)
	}
}
