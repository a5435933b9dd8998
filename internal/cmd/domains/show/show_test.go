package show

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/twilio/twiliotest"
)

func stubShow(s *twiliotest.Server, sid string, withCalls bool) {
	d := "SIP/Domains/" + sid + "/Auth/"
	s.Expect("GET", "SIP/Domains.json", nil, 0, twiliotest.Page("domains", "", twiliotest.Domain(sid, "office.sip.twilio.com", map[string]any{"sip_registration": true})))
	calls := []string{}
	if withCalls {
		calls = append(calls, twiliotest.Mapping(twiliotest.SID("CL", 1), "staff"))
	}
	s.Expect("GET", d+"Calls/CredentialListMappings.json", nil, 0, twiliotest.Page("contents", "", calls...))
	s.Expect("GET", d+"Registrations/CredentialListMappings.json", nil, 0, twiliotest.Page("contents", "",
		twiliotest.Mapping(twiliotest.SID("CL", 1), "staff"), twiliotest.Mapping(twiliotest.SID("CL", 2), "phones")))
	s.Expect("GET", d+"Calls/IpAccessControlListMappings.json", nil, 0, twiliotest.Page("contents", ""))
}

func TestShowJSONIncludesAttachments(t *testing.T) {
	sid := twiliotest.SID("SD", 1)
	s := twiliotest.New(t)
	stubShow(s, sid, true)
	ios, _, out, _ := iostreams.Test()
	cmd := NewCmdShow(s.Factory(ios), nil)
	cmd.SetArgs([]string{"office", "--json"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	var got struct {
		SID   string `json:"sid"`
		Calls []struct {
			SID, Kind string
		} `json:"credential_lists_for_calls"`
		Regs []struct {
			FriendlyName string `json:"friendly_name"`
		} `json:"credential_lists_for_registrations"`
		ACLs []any `json:"ip_acls_for_calls"`
	}
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if got.SID != sid || len(got.Calls) != 1 || got.Calls[0].Kind != "calls" || len(got.Regs) != 2 || got.Regs[1].FriendlyName != "phones" || got.ACLs == nil {
		t.Errorf("json = %+v", got)
	}
}

func TestShowTTYWarnsWhenCallsUnauthenticated(t *testing.T) {
	sid := twiliotest.SID("SD", 1)
	s := twiliotest.New(t)
	stubShow(s, sid, false)
	ios, _, out, errOut := iostreams.Test()
	ios.SetStdoutTTY(true)
	if err := showRun(context.Background(), &ShowOptions{IO: ios, Provider: s.Factory(ios).Provider, Domain: "office"}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Credential lists (calls):", "none", "staff (" + twiliotest.SID("CL", 1) + "), phones (", "SIP registration:", "yes"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
	if !strings.Contains(errOut.String(), "sipctl attach credlist") {
		t.Errorf("stderr %q", errOut)
	}
}

func TestShowPipe(t *testing.T) {
	sid := twiliotest.SID("SD", 1)
	s := twiliotest.New(t)
	stubShow(s, sid, true)
	ios, _, out, errOut := iostreams.Test()
	if err := showRun(context.Background(), &ShowOptions{IO: ios, Provider: s.Factory(ios).Provider, Domain: "office"}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "Credential lists (calls)\tstaff ("+twiliotest.SID("CL", 1)+")\n") || errOut.Len() != 0 {
		t.Errorf("stdout\n%s\nstderr %q", out, errOut)
	}
}
