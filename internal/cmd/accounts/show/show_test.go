package show

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/twilio"
	tt "github.com/sipctl/sipctl/internal/twilio/twiliotest"
)

var (
	domainSID = tt.SID("SD", 1)
	staff     = tt.SID("CL", 1)
	admins    = tt.SID("CL", 2)
)

func expectDomain(srv *tt.Server) {
	srv.Expect("GET", "SIP/Domains.json", nil, 0, tt.Page("domains", "", tt.Domain(domainSID, "office.sip.twilio.com", nil)))
	srv.Expect("GET", "SIP/Domains/"+domainSID+"/Auth/Registrations/CredentialListMappings.json", nil, 0, tt.Page("contents", "", tt.Mapping(staff, "staff")))
	srv.Expect("GET", "SIP/Domains/"+domainSID+"/Auth/Calls/CredentialListMappings.json", nil, 0, tt.Page("contents", "", tt.Mapping(admins, "admins")))
}

func TestShowOnATerminal(t *testing.T) {
	srv := tt.New(t)
	c := srv.Client()
	expectDomain(srv)
	srv.Expect("GET", "SIP/CredentialLists/"+staff+"/Credentials.json", nil, 0, tt.Page("credentials", "", tt.Credential(tt.SID("CR", 1), staff, "bob")))
	srv.Expect("GET", "SIP/CredentialLists/"+admins+"/Credentials.json", nil, 0, tt.Page("credentials", "", tt.Credential(tt.SID("CR", 2), admins, "alice")))
	ios, _, out, _ := iostreams.Test()
	ios.SetStdoutTTY(true)
	err := showRun(context.Background(), &ShowOptions{IO: ios, Provider: func() (provider.SIPAccounts, error) { return c, nil },
		Exporter: &cmdutil.Exporter{}, Account: "alice@office"})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Username:", "alice", "Registrar:", "office.sip.twilio.com", "UDP 5060, TCP 5060, TLS 5061",
		"admins (" + admins + ")", "sip:alice@office.sip.twilio.com"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(strings.ToLower(out.String()), "password") {
		t.Errorf("show prints a password line:\n%s", out)
	}
}

func TestShowNotFoundAndAmbiguous(t *testing.T) {
	srv := tt.New(t)
	ios, _, _, _ := iostreams.Test()
	// A new client per run, as each run is a new process.
	opts := &ShowOptions{IO: ios, Provider: func() (provider.SIPAccounts, error) { return srv.Client(), nil }, Exporter: &cmdutil.Exporter{}, Account: "dave", Domain: "office"}

	expectDomain(srv)
	srv.Expect("GET", "SIP/CredentialLists/"+staff+"/Credentials.json", nil, 0, tt.Page("credentials", ""))
	srv.Expect("GET", "SIP/CredentialLists/"+admins+"/Credentials.json", nil, 0, tt.Page("credentials", ""))
	err := showRun(context.Background(), opts)
	var he *cmdutil.HintError
	if !errors.Is(err, provider.ErrNotFound) || !errors.As(err, &he) || err.Error() != `no SIP account "dave" on office.sip.twilio.com` ||
		!strings.Contains(he.Hint, "sipctl accounts list --domain office.sip.twilio.com") {
		t.Errorf("not found: %v", err)
	}

	expectDomain(srv)
	srv.Expect("GET", "SIP/CredentialLists/"+staff+"/Credentials.json", nil, 0, tt.Page("credentials", "", tt.Credential(tt.SID("CR", 1), staff, "dave")))
	srv.Expect("GET", "SIP/CredentialLists/"+admins+"/Credentials.json", nil, 0, tt.Page("credentials", "", tt.Credential(tt.SID("CR", 2), admins, "dave")))
	err = showRun(context.Background(), opts)
	if !errors.As(err, &he) || !strings.Contains(err.Error(), "on 2 credential lists") || !strings.Contains(he.Hint, "--list") {
		t.Errorf("ambiguous: %v", err)
	}

	// --list narrows the search to one list.
	expectDomain(srv)
	srv.Expect("GET", "SIP/CredentialLists/"+admins+"/Credentials.json", nil, 0, tt.Page("credentials", "", tt.Credential(tt.SID("CR", 2), admins, "dave")))
	opts.List = "admins"
	opts.Exporter = &cmdutil.Exporter{JSON: true, Fields: []string{"sid"}}
	if err := showRun(context.Background(), opts); err != nil {
		t.Errorf("--list admins: %v", err)
	}
}

func TestShowRejectsALongUsernameBeforeAnyRequest(t *testing.T) {
	srv := tt.New(t)
	c := srv.Client()
	ios, _, _, _ := iostreams.Test()
	err := showRun(context.Background(), &ShowOptions{IO: ios, Provider: func() (provider.SIPAccounts, error) { return c, nil },
		Exporter: &cmdutil.Exporter{}, Account: strings.Repeat("x", 40), Domain: "office"})
	var fe *cmdutil.FlagError
	if !errors.As(err, &fe) || !strings.Contains(err.Error(), "at most 32") || srv.Requests() != 0 {
		t.Errorf("err = %v, requests %d", err, srv.Requests())
	}
}

type withStatus struct {
	*twilio.Client
	asked int
}

func (w *withStatus) RegistrationStatus(_ context.Context, accts []provider.SIPAccount) (map[string]provider.Registration, error) {
	w.asked += len(accts)
	return map[string]provider.Registration{accts[0].Ref: {State: provider.Registered, Contact: "sip:bob@192.0.2.9:5062;transport=tcp",
		UserAgent: "Linphone/5.2", Expires: time.Date(2026, 12, 1, 22, 0, 0, 0, time.UTC)}}, nil
}

func TestShowRegistrationStatusWhenTheProviderTellsIt(t *testing.T) {
	srv := tt.New(t)
	p := &withStatus{Client: srv.Client()}
	expectDomain(srv)
	srv.Expect("GET", "SIP/CredentialLists/"+staff+"/Credentials.json", nil, 0, tt.Page("credentials", "", tt.Credential(tt.SID("CR", 1), staff, "bob")))
	srv.Expect("GET", "SIP/CredentialLists/"+admins+"/Credentials.json", nil, 0, tt.Page("credentials", ""))
	ios, _, out, _ := iostreams.Test()
	err := showRun(context.Background(), &ShowOptions{IO: ios, Provider: func() (provider.SIPAccounts, error) { return p, nil },
		Exporter: &cmdutil.Exporter{}, Account: "bob@office"})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Status\tregistered\n", "Contact\tsip:bob@192.0.2.9:5062;transport=tcp\n", "User agent\tLinphone/5.2\n",
		"Expires\t2026-12-01T22:00:00Z\n", "Credential list\tstaff (" + staff + ")\n"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if p.asked != 1 {
		t.Errorf("asked about %d accounts, want 1", p.asked)
	}
}
