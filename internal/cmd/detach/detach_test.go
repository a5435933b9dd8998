package detach_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/sipctl/sipctl/internal/cmd/detach"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/sipctlcmd"
	"github.com/sipctl/sipctl/internal/twilio/twiliotest"
)

var (
	domainSID = twiliotest.SID("SD", 1)
	staffSID  = twiliotest.SID("CL", 1)
	aclSID    = twiliotest.SID("AL", 1)
	auth      = "SIP/Domains/" + twiliotest.SID("SD", 1) + "/Auth/"
)

func run(t *testing.T, s *twiliotest.Server, args ...string) (string, string, int) {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	cmd := detach.NewCmdDetach(s.Factory(ios))
	cmd.SetArgs(args)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	sub, err := cmd.ExecuteC()
	code := 0
	if err != nil {
		var buf bytes.Buffer
		code = sipctlcmd.PrintError(&buf, sub, err)
		errOut.Write(buf.Bytes())
	}
	return out.String(), errOut.String(), code
}

func TestDetachCredlistBoth(t *testing.T) {
	s := twiliotest.New(t)
	s.Expect("GET", "SIP/Domains.json", nil, 0, twiliotest.Page("domains", "", twiliotest.Domain(domainSID, "office.sip.twilio.com", nil)))
	s.Expect("GET", "SIP/CredentialLists.json", nil, 0, twiliotest.Page("credential_lists", "", twiliotest.CredentialList(staffSID, "staff")))
	s.Expect("GET", auth+"Calls/CredentialListMappings.json", nil, 0, twiliotest.Page("contents", "", twiliotest.Mapping(staffSID, "staff")))
	s.Expect("DELETE", auth+"Calls/CredentialListMappings/"+staffSID+".json", nil, 204, "")
	s.Expect("GET", auth+"Registrations/CredentialListMappings.json", nil, 0, twiliotest.Page("contents", ""))
	_, stderr, code := run(t, s, "credlist", "staff", "--domain", "office")
	want := "Detached credential list \"staff\" from office.sip.twilio.com for calls\n" +
		"credential list \"staff\" is not attached to office.sip.twilio.com for registrations; nothing to do\n"
	if code != 0 || stderr != want {
		t.Errorf("exit %d stderr %q", code, stderr)
	}
}

func TestDetachIPACLJSON(t *testing.T) {
	s := twiliotest.New(t)
	s.Expect("GET", "SIP/Domains/"+domainSID+".json", nil, 0, twiliotest.Domain(domainSID, "office.sip.twilio.com", nil))
	s.Expect("GET", "SIP/IpAccessControlLists/"+aclSID+".json", nil, 0, twiliotest.IPACL(aclSID, "office-ips"))
	s.Expect("GET", auth+"Calls/IpAccessControlListMappings.json", nil, 0, twiliotest.Page("contents", "", twiliotest.Mapping(aclSID, "office-ips")))
	s.Expect("DELETE", auth+"Calls/IpAccessControlListMappings/"+aclSID+".json", nil, 204, "")
	stdout, _, code := run(t, s, "ipacl", aclSID, "--domain", domainSID, "--jq", ".[0].changed")
	if code != 0 || stdout != "true\n" {
		t.Errorf("exit %d stdout %q", code, stdout)
	}
}

func TestDetachUnknownACL(t *testing.T) {
	s := twiliotest.New(t)
	s.Expect("GET", "SIP/Domains.json", nil, 0, twiliotest.Page("domains", "", twiliotest.Domain(domainSID, "office.sip.twilio.com", nil)))
	s.Expect("GET", "SIP/IpAccessControlLists.json", nil, 0, twiliotest.Page("ip_access_control_lists", ""))
	_, stderr, code := run(t, s, "ipacl", "office-ips", "--domain", "office")
	if code != 1 || !strings.Contains(stderr, `no IP access control list "office-ips"`) || !strings.Contains(stderr, "sipctl ipacls create office-ips") {
		t.Errorf("exit %d stderr %q", code, stderr)
	}
}
