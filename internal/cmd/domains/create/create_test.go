package create

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/twilio"
	"github.com/sipctl/sipctl/internal/twilio/twiliotest"
)

func parse(t *testing.T, args ...string) (*CreateOptions, error) {
	t.Helper()
	ios, _, _, _ := iostreams.Test()
	var got *CreateOptions
	cmd := NewCmdCreate(twiliotest.New(t).Factory(ios), func(o *CreateOptions) error { got = o; return nil })
	cmd.SetArgs(args)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	return got, cmd.Execute()
}

func TestNewCmdCreateCompletesBareName(t *testing.T) {
	o, err := parse(t, "office", "--sip-registration", "--voice-url", "https://example.com/voice", "--voice-method", "get")
	if err != nil {
		t.Fatal(err)
	}
	if o.DomainName != "office.sip.twilio.com" || *o.Params.DomainName != "office.sip.twilio.com" {
		t.Errorf("name = %q", o.DomainName)
	}
	if o.Params.SIPRegistration == nil || !*o.Params.SIPRegistration || *o.Params.VoiceMethod != "GET" || *o.Params.VoiceURL != "https://example.com/voice" {
		t.Errorf("params = %+v", o.Params)
	}
	if o.Params.Secure != nil || o.Params.FriendlyName != nil {
		t.Errorf("unset flags sent: %+v", o.Params)
	}
}

func TestNewCmdCreateRejectsBeforeAnyRequest(t *testing.T) {
	for args, rule := range map[string]string{
		"office.example.com":                                "end in sip.twilio.com",
		"office --voice-url ftp://x/y":                      "not an absolute http(s) URL",
		"office --voice-method PUT":                         "GET or POST",
		"office --friendly-name " + strings.Repeat("x", 65): "at most 64",
	} {
		_, err := parse(t, strings.Fields(args)...)
		var fe *cmdutil.FlagError
		if !errors.As(err, &fe) || !strings.Contains(err.Error(), rule) {
			t.Errorf("%s: err = %v, want usage error naming %q", args, err, rule)
		}
	}
}

func TestCreateSendsEverySetting(t *testing.T) {
	s := twiliotest.New(t)
	sid := twiliotest.SID("SD", 1)
	s.Expect("POST", "SIP/Domains.json", url.Values{
		"DomainName": {"office.sip.twilio.com"}, "FriendlyName": {"Office"},
		"VoiceUrl": {"https://example.com/voice"}, "VoiceMethod": {"POST"},
		"VoiceFallbackUrl": {"https://example.com/fallback"}, "VoiceFallbackMethod": {"GET"},
		"VoiceStatusCallbackUrl": {"https://example.com/status"}, "VoiceStatusCallbackMethod": {"POST"},
		"SipRegistration": {"true"}, "Secure": {"true"}, "EmergencyCallingEnabled": {"false"},
	}, 201, twiliotest.Domain(sid, "office.sip.twilio.com", map[string]any{"friendly_name": "Office", "sip_registration": true, "secure": true}))
	ios, _, out, _ := iostreams.Test()
	cmd := NewCmdCreate(s.Factory(ios), nil)
	cmd.SetArgs([]string{"office", "--friendly-name", "Office", "--voice-url", "https://example.com/voice", "--voice-method", "POST",
		"--fallback-url", "https://example.com/fallback", "--fallback-method", "GET",
		"--status-callback-url", "https://example.com/status", "--status-callback-method", "POST",
		"--sip-registration", "--secure", "--emergency-calling=false", "--json"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	var d provider.Domain
	if err := json.Unmarshal(out.Bytes(), &d); err != nil || d.SID != sid || !d.SIPRegistration || !d.Secure {
		t.Errorf("json %s: %v", out, err)
	}
}

func TestCreateTTYAndPipe(t *testing.T) {
	for _, tty := range []bool{true, false} {
		s := twiliotest.New(t)
		s.Expect("POST", "SIP/Domains.json", url.Values{"DomainName": {"office.sip.twilio.com"}}, 201,
			twiliotest.Domain(twiliotest.SID("SD", 1), "office.sip.twilio.com", nil))
		ios, _, out, _ := iostreams.Test()
		ios.SetStdoutTTY(tty)
		name := "office.sip.twilio.com"
		err := createRun(context.Background(), &CreateOptions{IO: ios, Provider: s.Factory(ios).Provider, DomainName: name,
			Params: provider.DomainParams{DomainName: &name}})
		if err != nil {
			t.Fatal(err)
		}
		want := "Domain:            office.sip.twilio.com\n"
		if !tty {
			want = "Domain\toffice.sip.twilio.com\n"
		}
		if !strings.HasPrefix(out.String(), want) {
			t.Errorf("tty=%v: output\n%s", tty, out)
		}
	}
}

// A taken name (Twilio 21232) is told apart: in your account already (a
// domain to use), or held by another account (pick another name).
func TestCreateDuplicateIsTwilio21232(t *testing.T) {
	for _, mine := range []bool{false, true} {
		s := twiliotest.New(t)
		s.Expect("POST", "SIP/Domains.json", nil, 400, twiliotest.Error(400, 21232, "Domain name is already in use"))
		var listed []string
		if mine {
			listed = append(listed, twiliotest.Domain(twiliotest.SID("SD", 7), "office.sip.twilio.com", nil))
		}
		s.Expect("GET", "SIP/Domains.json", nil, 0, twiliotest.Page("domains", "", listed...))
		ios, _, out, _ := iostreams.Test()
		name := "office.sip.twilio.com"
		err := createRun(context.Background(), &CreateOptions{IO: ios, Provider: s.Factory(ios).Provider, DomainName: name, Params: provider.DomainParams{DomainName: &name}})
		var hint *cmdutil.HintError
		want := "is taken by someone else"
		if mine {
			want = "already exists in your account (" + twiliotest.SID("SD", 7) + ")"
		}
		if !errors.As(err, &hint) || !strings.Contains(err.Error(), want) || out.Len() != 0 {
			t.Fatalf("mine=%v: err = %v, stdout %q", mine, err, out)
		}
		var apiErr *twilio.APIError
		if !mine && (!errors.As(err, &apiErr) || apiErr.Code != 21232) {
			t.Errorf("the provider's answer is lost: %v", err)
		}
	}
}
