package list

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/config"
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

func setup(t *testing.T) (*tt.Server, *ListOptions, func() (string, string)) {
	srv := tt.New(t)
	c := srv.Client()
	ios, _, out, errOut := iostreams.Test()
	opts := &ListOptions{IO: ios, Provider: func() (provider.SIPAccounts, error) { return c, nil },
		Profile: func() (*config.Profile, error) { return &config.Profile{Name: "p", DefaultDomain: "office"}, nil }, Exporter: &cmdutil.Exporter{}}
	return srv, opts, func() (string, string) { return out.String(), errOut.String() }
}

func TestListAcrossAttachedListsAndPages(t *testing.T) {
	srv, opts, read := setup(t)
	srv.Expect("GET", "SIP/Domains.json", nil, 0, tt.Page("domains", "", tt.Domain(domainSID, "office.sip.twilio.com", nil)))
	reg := "SIP/Domains/" + domainSID + "/Auth/Registrations/CredentialListMappings.json"
	srv.Expect("GET", reg, nil, 0, tt.Page("contents", "", tt.Mapping(staff, "staff")))
	srv.Expect("GET", "SIP/Domains/"+domainSID+"/Auth/Calls/CredentialListMappings.json", nil, 0,
		tt.Page("contents", "", tt.Mapping(staff, "staff"), tt.Mapping(admins, "admins")))
	creds := "SIP/CredentialLists/" + staff + "/Credentials.json"
	// staff spans three pages; the list attached for both kinds is read once.
	srv.Expect("GET", creds, nil, 0, tt.Page("credentials", tt.NextPage(creds, 1), tt.Credential(tt.SID("CR", 1), staff, "alice")))
	srv.Expect("GET", creds+"?Page=1", nil, 0, tt.Page("credentials", tt.NextPage(creds, 2), tt.Credential(tt.SID("CR", 2), staff, "bob")))
	srv.Expect("GET", creds+"?Page=2", nil, 0, tt.Page("credentials", "", tt.Credential(tt.SID("CR", 3), staff, "carol")))
	srv.Expect("GET", "SIP/CredentialLists/"+admins+"/Credentials.json", nil, 0, tt.Page("credentials", "", tt.Credential(tt.SID("CR", 4), admins, "root")))

	if err := listRun(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	out, _ := read()
	want := strings.Join([]string{
		"alice\tstaff\t" + tt.SID("CR", 1) + "\t2015-07-20T17:27:10Z",
		"bob\tstaff\t" + tt.SID("CR", 2) + "\t2015-07-20T17:27:10Z",
		"carol\tstaff\t" + tt.SID("CR", 3) + "\t2015-07-20T17:27:10Z",
		"root\tadmins\t" + tt.SID("CR", 4) + "\t2015-07-20T17:27:10Z",
	}, "\n") + "\n"
	if out != want {
		t.Errorf("TSV\n got %q\nwant %q", out, want)
	}
}

func TestListJSONFields(t *testing.T) {
	srv, opts, read := setup(t)
	opts.Domain = domainSID
	opts.Exporter = &cmdutil.Exporter{JSON: true}
	srv.Expect("GET", "SIP/Domains/"+domainSID+".json", nil, 0, tt.Domain(domainSID, "office.sip.twilio.com", nil))
	srv.Expect("GET", "SIP/Domains/"+domainSID+"/Auth/Registrations/CredentialListMappings.json", nil, 0, tt.Page("contents", "", tt.Mapping(staff, "staff")))
	srv.Expect("GET", "SIP/Domains/"+domainSID+"/Auth/Calls/CredentialListMappings.json", nil, 0, tt.Page("contents", ""))
	srv.Expect("GET", "SIP/CredentialLists/"+staff+"/Credentials.json", nil, 0, tt.Page("credentials", "", tt.Credential(tt.SID("CR", 1), staff, "alice")))
	if err := listRun(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	out, _ := read()
	var got []map[string]any
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err, out)
	}
	if len(got) != 1 || got[0]["sid"] != tt.SID("CR", 1) || got[0]["username"] != "alice" || got[0]["domain"] != "office.sip.twilio.com" ||
		got[0]["credential_list_sid"] != staff || got[0]["credential_list"] != "staff" {
		t.Errorf("json = %s", out)
	}
	if _, has := got[0]["password"]; has {
		t.Error("list output has a password field")
	}
}

func TestListUnknownDomainAndBadInput(t *testing.T) {
	srv, opts, _ := setup(t)
	opts.Domain = "office.example.com"
	err := listRun(context.Background(), opts)
	var fe *cmdutil.FlagError
	if !errors.As(err, &fe) || !strings.Contains(err.Error(), "end in sip.twilio.com") || srv.Requests() != 0 {
		t.Errorf("bad domain: %v, %d requests", err, srv.Requests())
	}
	srv.Expect("GET", "SIP/Domains.json", nil, 0, tt.Page("domains", ""))
	opts.Domain = ""
	err = listRun(context.Background(), opts)
	if err == nil || !strings.Contains(err.Error(), `no domain "office.sip.twilio.com"`) {
		t.Errorf("unknown domain from the profile default: %v", err)
	}
}

func TestListEmptyDomainSaysSoOnATerminal(t *testing.T) {
	srv, opts, read := setup(t)
	opts.IO.SetStderrTTY(true)
	srv.Expect("GET", "SIP/Domains.json", nil, 0, tt.Page("domains", "", tt.Domain(domainSID, "office.sip.twilio.com", nil)))
	srv.Expect("GET", "SIP/Domains/"+domainSID+"/Auth/Registrations/CredentialListMappings.json", nil, 0, tt.Page("contents", ""))
	srv.Expect("GET", "SIP/Domains/"+domainSID+"/Auth/Calls/CredentialListMappings.json", nil, 0, tt.Page("contents", ""))
	if err := listRun(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	out, errOut := read()
	if out != "" || !strings.Contains(errOut, "No SIP accounts on office.sip.twilio.com: create one with `sipctl accounts create USERNAME --domain office.sip.twilio.com`") {
		t.Errorf("stdout %q stderr %q", out, errOut)
	}
}

// registrations gives the stub's accounts a registration status, recording
// which accounts each call asked about.
type registrations struct {
	*twilio.Client
	calls [][]string
	state map[string]provider.Registration // by username
}

func (r *registrations) RegistrationStatus(_ context.Context, accts []provider.SIPAccount) (map[string]provider.Registration, error) {
	var asked []string
	out := map[string]provider.Registration{}
	for _, a := range accts {
		asked = append(asked, a.Username)
		if st, ok := r.state[a.Username]; ok {
			out[a.Ref] = st
		}
	}
	r.calls = append(r.calls, asked)
	return out, nil
}

func TestListShowsRegistrationStatusWhenTheProviderTellsIt(t *testing.T) {
	expires := time.Date(2026, 12, 1, 21, 0, 0, 0, time.UTC)
	for _, asJSON := range []bool{false, true} {
		srv, opts, read := setup(t)
		reg := &registrations{Client: srv.Client(), state: map[string]provider.Registration{
			"alice": {State: provider.Registered, Contact: "sip:alice@192.0.2.7:5060", UserAgent: "Yealink T54W", Expires: expires},
		}}
		opts.Provider = func() (provider.SIPAccounts, error) { return reg, nil }
		if asJSON {
			opts.Exporter = &cmdutil.Exporter{JSON: true}
		}
		srv.Expect("GET", "SIP/Domains.json", nil, 0, tt.Page("domains", "", tt.Domain(domainSID, "office.sip.twilio.com", nil)))
		srv.Expect("GET", "SIP/Domains/"+domainSID+"/Auth/Registrations/CredentialListMappings.json", nil, 0, tt.Page("contents", "", tt.Mapping(staff, "staff")))
		srv.Expect("GET", "SIP/Domains/"+domainSID+"/Auth/Calls/CredentialListMappings.json", nil, 0, tt.Page("contents", ""))
		srv.Expect("GET", "SIP/CredentialLists/"+staff+"/Credentials.json", nil, 0, tt.Page("credentials", "",
			tt.Credential(tt.SID("CR", 1), staff, "alice"), tt.Credential(tt.SID("CR", 2), staff, "bob")))
		if err := listRun(context.Background(), opts); err != nil {
			t.Fatal(err)
		}
		out, _ := read()
		if len(reg.calls) != 1 || strings.Join(reg.calls[0], ",") != "alice,bob" {
			t.Errorf("status calls %v, want one for the page", reg.calls)
		}
		if !asJSON {
			want := "alice\tregistered\tstaff\t" + tt.SID("CR", 1) + "\t2015-07-20T17:27:10Z\n" +
				"bob\tnot registered\tstaff\t" + tt.SID("CR", 2) + "\t2015-07-20T17:27:10Z\n"
			if out != want {
				t.Errorf("TSV\n got %q\nwant %q", out, want)
			}
			continue
		}
		var got []map[string]any
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatal(err, out)
		}
		if len(got) != 2 || got[0]["status"] != "registered" || got[0]["contact"] != "sip:alice@192.0.2.7:5060" ||
			got[0]["user_agent"] != "Yealink T54W" || got[0]["expires"] != "2026-12-01T21:00:00Z" ||
			got[1]["status"] != "not-registered" || got[1]["expires"] != nil || got[0]["sid"] != tt.SID("CR", 1) {
			t.Errorf("json = %s", out)
		}
	}
}

// Rows come in natural username order (101 before 1000) whatever order the
// provider lists them in; --sort changes it, and --sort none streams them.
func TestListSortsUsernamesNaturally(t *testing.T) {
	page := func(srv *tt.Server) {
		srv.Expect("GET", "SIP/Domains.json", nil, 0, tt.Page("domains", "", tt.Domain(domainSID, "office.sip.twilio.com", nil)))
		srv.Expect("GET", "SIP/Domains/"+domainSID+"/Auth/Registrations/CredentialListMappings.json", nil, 0, tt.Page("contents", "", tt.Mapping(staff, "staff")))
		srv.Expect("GET", "SIP/Domains/"+domainSID+"/Auth/Calls/CredentialListMappings.json", nil, 0, tt.Page("contents", ""))
		srv.Expect("GET", "SIP/CredentialLists/"+staff+"/Credentials.json", nil, 0, tt.Page("credentials", "",
			tt.Credential(tt.SID("CR", 1), staff, "1000"), tt.Credential(tt.SID("CR", 2), staff, "desk10"),
			tt.Credential(tt.SID("CR", 3), staff, "101"), tt.Credential(tt.SID("CR", 4), staff, "desk2")))
	}
	users := func(out string) string {
		var us []string
		for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
			u, _, _ := strings.Cut(l, "\t")
			us = append(us, u)
		}
		return strings.Join(us, " ")
	}
	for sort, want := range map[string]string{"": "101 1000 desk2 desk10", "username": "101 1000 desk2 desk10", "none": "1000 desk10 101 desk2"} {
		srv, opts, read := setup(t)
		page(srv)
		opts.Sort = sort
		if err := listRun(context.Background(), opts); err != nil {
			t.Fatal(err)
		}
		if out, _ := read(); users(out) != want {
			t.Errorf("--sort %q: %s, want %s", sort, users(out), want)
		}
	}
	ios, _, _, _ := iostreams.Test()
	cmd := NewCmdList(&cmdutil.Factory{IOStreams: ios}, func(*ListOptions) error { return nil })
	cmd.SetArgs([]string{"--sort", "size"})
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	var fe *cmdutil.FlagError
	if err := cmd.Execute(); !errors.As(err, &fe) || !strings.Contains(err.Error(), "username, created, status, none") {
		t.Errorf("--sort size: %v", err)
	}
}
