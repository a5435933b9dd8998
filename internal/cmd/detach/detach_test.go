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
	return runAnswering(t, s, "", args...)
}

// runAnswering runs on a terminal when answer is set, typing it at the prompt.
func runAnswering(t *testing.T, s *twiliotest.Server, answer string, args ...string) (string, string, int) {
	t.Helper()
	ios, in, out, errOut := iostreams.Test()
	if answer != "" {
		ios.SetStdinTTY(true)
		ios.SetStdoutTTY(true)
		in.WriteString(answer)
	}
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
	_, stderr, code := run(t, s, "credlist", "staff", "--domain", "office", "-y")
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
	stdout, _, code := run(t, s, "ipacl", aclSID, "--domain", domainSID, "--yes", "--jq", ".[0].changed")
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

// Detaching stops the phones that use the list, so without a terminal and
// without --yes nothing is detached (no DELETE is expected by the stub).
func TestDetachWithoutTerminalNeedsYes(t *testing.T) {
	s := twiliotest.New(t)
	s.Expect("GET", "SIP/Domains.json", nil, 0, twiliotest.Page("domains", "", twiliotest.Domain(domainSID, "office.sip.twilio.com", nil)))
	s.Expect("GET", "SIP/CredentialLists.json", nil, 0, twiliotest.Page("credential_lists", "", twiliotest.CredentialList(staffSID, "staff")))
	s.Expect("GET", auth+"Calls/CredentialListMappings.json", nil, 0, twiliotest.Page("contents", "", twiliotest.Mapping(staffSID, "staff")))
	s.Expect("GET", auth+"Registrations/CredentialListMappings.json", nil, 0, twiliotest.Page("contents", "", twiliotest.Mapping(staffSID, "staff")))
	_, stderr, code := run(t, s, "credlist", "staff", "--domain", "office")
	want := `error: credential list "staff" (calls, registrations) from office.sip.twilio.com not detached: confirmation required in a non-interactive run; pass --yes`
	if code != 2 || !strings.HasPrefix(stderr, want) {
		t.Errorf("exit %d stderr %q", code, stderr)
	}

	s = twiliotest.New(t)
	s.Expect("GET", "SIP/Domains/"+domainSID+".json", nil, 0, twiliotest.Domain(domainSID, "office.sip.twilio.com", nil))
	s.Expect("GET", "SIP/IpAccessControlLists/"+aclSID+".json", nil, 0, twiliotest.IPACL(aclSID, "office-ips"))
	s.Expect("GET", auth+"Calls/IpAccessControlListMappings.json", nil, 0, twiliotest.Page("contents", "", twiliotest.Mapping(aclSID, "office-ips")))
	_, stderr, code = run(t, s, "ipacl", aclSID, "--domain", domainSID, "--json")
	if code != 2 || !strings.Contains(stderr, `IP ACL "office-ips" from office.sip.twilio.com not detached: confirmation required in a non-interactive run; pass --yes`) {
		t.Errorf("exit %d stderr %q", code, stderr)
	}
}

// On a terminal it asks; "n" detaches nothing (exit 2), "y" detaches.
func TestDetachConfirmsOnTerminal(t *testing.T) {
	for answer, detached := range map[string]bool{"y\n": true, "n\n": false} {
		s := twiliotest.New(t)
		s.Expect("GET", "SIP/Domains.json", nil, 0, twiliotest.Page("domains", "", twiliotest.Domain(domainSID, "office.sip.twilio.com", nil)))
		s.Expect("GET", "SIP/CredentialLists.json", nil, 0, twiliotest.Page("credential_lists", "", twiliotest.CredentialList(staffSID, "staff")))
		s.Expect("GET", auth+"Registrations/CredentialListMappings.json", nil, 0, twiliotest.Page("contents", "", twiliotest.Mapping(staffSID, "staff")))
		if detached {
			s.Expect("DELETE", auth+"Registrations/CredentialListMappings/"+staffSID+".json", nil, 204, "")
		}
		_, stderr, code := runAnswering(t, s, answer, "credlist", "staff", "--domain", "office", "--for", "registrations")
		if !strings.Contains(stderr, `Detach credential list "staff" (registrations) from office.sip.twilio.com? Its usernames stop working there. [y/N]: `) {
			t.Errorf("answer %q: no prompt in %q", answer, stderr)
		}
		if detached && (code != 0 || !strings.Contains(stderr, `Detached credential list "staff" from office.sip.twilio.com for registrations`)) ||
			!detached && (code != 2 || !strings.Contains(stderr, "not detached: cancelled at the confirmation")) {
			t.Errorf("answer %q: exit %d stderr %q", answer, code, stderr)
		}
	}
}

// Nothing attached: nothing to confirm, and no --yes needed.
func TestDetachNothingAttachedNeedsNoYes(t *testing.T) {
	s := twiliotest.New(t)
	s.Expect("GET", "SIP/Domains/"+domainSID+".json", nil, 0, twiliotest.Domain(domainSID, "office.sip.twilio.com", nil))
	s.Expect("GET", "SIP/IpAccessControlLists/"+aclSID+".json", nil, 0, twiliotest.IPACL(aclSID, "office-ips"))
	s.Expect("GET", auth+"Calls/IpAccessControlListMappings.json", nil, 0, twiliotest.Page("contents", ""))
	stdout, _, code := run(t, s, "ipacl", aclSID, "--domain", domainSID, "--jq", ".[0].changed")
	if code != 0 || stdout != "false\n" {
		t.Errorf("exit %d stdout %q", code, stdout)
	}
}
