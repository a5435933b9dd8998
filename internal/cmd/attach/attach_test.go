package attach_test

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/sipctl/sipctl/internal/cmd/attach"
	"github.com/sipctl/sipctl/internal/cmd/attach/credlist"
	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/sipctlcmd"
	"github.com/sipctl/sipctl/internal/twilio/twiliotest"
)

var (
	domainSID = twiliotest.SID("SD", 1)
	staffSID  = twiliotest.SID("CL", 1)
	aclSID    = twiliotest.SID("AL", 1)
	auth      = "SIP/Domains/" + twiliotest.SID("SD", 1) + "/Auth/"
)

type result struct {
	stdout, stderr string
	code           int
}

func run(t *testing.T, s *twiliotest.Server, args ...string) result {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	cmd := attach.NewCmdAttach(s.Factory(ios))
	cmd.SetArgs(args)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	sub, err := cmd.ExecuteC()
	r := result{stdout: out.String(), stderr: errOut.String()}
	if err != nil {
		var buf bytes.Buffer
		r.code = sipctlcmd.PrintError(&buf, sub, err)
		r.stderr += buf.String()
	}
	return r
}

func domain(s *twiliotest.Server, registration bool) {
	s.Expect("GET", "SIP/Domains.json", nil, 0, twiliotest.Page("domains", "",
		twiliotest.Domain(domainSID, "office.sip.twilio.com", map[string]any{"sip_registration": registration})))
}

func staff(s *twiliotest.Server) {
	s.Expect("GET", "SIP/CredentialLists.json", nil, 0, twiliotest.Page("credential_lists", "", twiliotest.CredentialList(staffSID, "staff")))
}

func TestNewCmdCredlistFlags(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	f := twiliotest.New(t).Factory(ios)
	var got *credlist.Options
	cmd := credlist.NewCmdCredlist(f, func(o *credlist.Options) error { got = o; return nil })
	cmd.SetArgs([]string{"staff", "--domain", "office"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.List != "staff" || got.Domain != "office" || len(got.Kinds) != 2 {
		t.Errorf("default is both: %+v", got)
	}
	f.Profile = func() (*config.Profile, error) { return &config.Profile{Name: "p", DefaultDomain: "hq"}, nil }
	cmd = credlist.NewCmdCredlist(f, func(o *credlist.Options) error { got = o; return nil })
	cmd.SetArgs([]string{"staff", "--for", "registrations"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.Domain != "hq" || len(got.Kinds) != 1 || got.Kinds[0] != provider.ForRegistrations {
		t.Errorf("profile default domain and --for: %+v", got)
	}
}

func TestBadFlagsAreUsageErrors(t *testing.T) {
	s := twiliotest.New(t)
	for _, args := range [][]string{
		{"credlist", "staff", "--domain", "office", "--for", "everything"},
		{"credlist", "staff"},
		{"credlist", "staff", "--domain", "office.example.com"},
	} {
		if r := run(t, s, args...); r.code != 2 {
			t.Errorf("%v: %+v", args, r)
		}
	}
	if s.Requests() != 0 {
		t.Errorf("%d requests sent", s.Requests())
	}
}

func TestAttachBothAttachesOnlyWhatIsMissing(t *testing.T) {
	s := twiliotest.New(t)
	domain(s, true)
	staff(s)
	s.Expect("GET", auth+"Calls/CredentialListMappings.json", nil, 0, twiliotest.Page("contents", ""))
	s.Expect("POST", auth+"Calls/CredentialListMappings.json", url.Values{"CredentialListSid": {staffSID}}, 201, twiliotest.Mapping(staffSID, "staff"))
	s.Expect("GET", auth+"Registrations/CredentialListMappings.json", nil, 0, twiliotest.Page("contents", "", twiliotest.Mapping(staffSID, "staff")))
	r := run(t, s, "credlist", "staff", "--domain", "office")
	want := "Attached credential list \"staff\" to office.sip.twilio.com for calls\n" +
		"credential list \"staff\" is already attached to office.sip.twilio.com for registrations; nothing to do\n"
	if r.code != 0 || r.stderr != want || r.stdout != "" {
		t.Errorf("%+v", r)
	}
}

func TestAttachJSONAndRegistrationWarning(t *testing.T) {
	s := twiliotest.New(t)
	domain(s, false)
	s.Expect("GET", "SIP/CredentialLists/"+staffSID+".json", nil, 0, twiliotest.CredentialList(staffSID, "staff"))
	s.Expect("GET", auth+"Registrations/CredentialListMappings.json", nil, 0, twiliotest.Page("contents", ""))
	s.Expect("POST", auth+"Registrations/CredentialListMappings.json", url.Values{"CredentialListSid": {staffSID}}, 201, twiliotest.Mapping(staffSID, "staff"))
	r := run(t, s, "credlist", staffSID, "--domain", "office.sip.twilio.com", "--for", "registrations", "--json")
	var got []struct {
		DomainSID string `json:"domain_sid"`
		Kind      string `json:"kind"`
		Changed   bool   `json:"changed"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || len(got) != 1 || got[0].Kind != "registrations" || !got[0].Changed || got[0].DomainSID != domainSID {
		t.Errorf("json %v: %+v", err, r)
	}
	if !strings.Contains(r.stderr, "registration is off on office.sip.twilio.com") || !strings.Contains(r.stderr, "sipctl domains update office --sip-registration") {
		t.Errorf("no warning: %q", r.stderr)
	}
}

func TestAttachPreflightSaysWhichIsMissing(t *testing.T) {
	s := twiliotest.New(t)
	s.Expect("GET", "SIP/Domains.json", nil, 0, twiliotest.Page("domains", ""))
	r := run(t, s, "credlist", "staff", "--domain", "office")
	if r.code != 1 || !strings.Contains(r.stderr, `error: no domain "office.sip.twilio.com"`) || !strings.Contains(r.stderr, "hint: create it with `sipctl domains create office`") {
		t.Errorf("missing domain: %+v", r)
	}
	s = twiliotest.New(t)
	domain(s, true)
	s.Expect("GET", "SIP/CredentialLists.json", nil, 0, twiliotest.Page("credential_lists", ""))
	r = run(t, s, "credlist", "staff", "--domain", "office")
	if r.code != 1 || !strings.Contains(r.stderr, `error: no credential list "staff"`) || !strings.Contains(r.stderr, "sipctl credlists create staff") {
		t.Errorf("missing list: %+v", r)
	}
}

func TestAttachIPACL(t *testing.T) {
	s := twiliotest.New(t)
	domain(s, true)
	s.Expect("GET", "SIP/IpAccessControlLists.json", nil, 0, twiliotest.Page("ip_access_control_lists", "", twiliotest.IPACL(aclSID, "office-ips")))
	s.Expect("GET", auth+"Calls/IpAccessControlListMappings.json", nil, 0, twiliotest.Page("contents", ""))
	s.Expect("POST", auth+"Calls/IpAccessControlListMappings.json", url.Values{"IpAccessControlListSid": {aclSID}}, 201, twiliotest.Mapping(aclSID, "office-ips"))
	if r := run(t, s, "ipacl", "office-ips", "--domain", "office"); r.code != 0 || r.stderr != "Attached IP ACL \"office-ips\" to office.sip.twilio.com for calls\n" {
		t.Errorf("%+v", r)
	}
}

func TestAttachIPACLAlreadyAttachedIsNoOp(t *testing.T) {
	s := twiliotest.New(t)
	s.Expect("GET", "SIP/Domains/"+domainSID+".json", nil, 0, twiliotest.Domain(domainSID, "office.sip.twilio.com", nil))
	s.Expect("GET", "SIP/IpAccessControlLists.json", nil, 0, twiliotest.Page("ip_access_control_lists", "", twiliotest.IPACL(aclSID, "office-ips")))
	s.Expect("GET", auth+"Calls/IpAccessControlListMappings.json", nil, 0, twiliotest.Page("contents", "", twiliotest.Mapping(aclSID, "office-ips")))
	if r := run(t, s, "ipacl", "office-ips", "--domain", domainSID); r.code != 0 || !strings.Contains(r.stderr, "already attached") {
		t.Errorf("%+v", r)
	}
}

func TestAttachTwilioErrorLine(t *testing.T) {
	s := twiliotest.New(t)
	domain(s, true)
	staff(s)
	s.Expect("GET", auth+"Calls/CredentialListMappings.json", nil, 0, twiliotest.Page("contents", ""))
	s.Expect("POST", auth+"Calls/CredentialListMappings.json", nil, 400, twiliotest.Error(400, 32212, "Invalid credential list mapping"))
	r := run(t, s, "credlist", "staff", "--domain", "office", "--for", "calls")
	if r.code != 1 || !strings.Contains(r.stderr, "error: Twilio error 32212: Invalid credential list mapping\nhint: ") {
		t.Errorf("%+v", r)
	}
}
