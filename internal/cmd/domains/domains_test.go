package domains_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/sipctl/sipctl/internal/cmd/domains"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/sipctlcmd"
	"github.com/sipctl/sipctl/internal/twilio/twiliotest"
)

// run executes `domains ARGS` against the stub and returns what the user
// sees on stderr, as sipctl prints errors, and the exit code.
func run(t *testing.T, s *twiliotest.Server, args ...string) (string, int) {
	t.Helper()
	ios, _, _, _ := iostreams.Test()
	cmd := domains.NewCmdDomains(s.Factory(ios))
	cmd.SetArgs(args)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	sub, err := cmd.ExecuteC()
	if err == nil {
		return "", 0
	}
	var buf bytes.Buffer
	code := sipctlcmd.PrintError(&buf, sub, err)
	return buf.String(), code
}

func TestTwilioErrorsBecomeOneLineWithWhatToDo(t *testing.T) {
	sid := twiliotest.SID("SD", 1)
	cases := []struct {
		name string
		stub func(*twiliotest.Server)
		args []string
		line string
		hint string
	}{
		{"21232 duplicate domain",
			func(s *twiliotest.Server) {
				s.Expect("POST", "SIP/Domains.json", nil, 400, twiliotest.Error(400, 21232, "Domain name office.sip.twilio.com is already in use"))
				s.Expect("GET", "SIP/Domains.json", nil, 0, twiliotest.Page("domains", ""))
			},
			[]string{"create", "office"}, "error: domain office.sip.twilio.com is taken by someone else: the provider has it in another account (Twilio error 21232: Domain name office.sip.twilio.com is already in use)", "pick another name"},
		{"20404 not found",
			func(s *twiliotest.Server) {
				s.Expect("GET", "SIP/Domains/"+sid+".json", nil, 404, twiliotest.Error(404, 20404, "The requested resource was not found"))
			},
			[]string{"show", sid}, "error: no domain \"" + sid + "\" in this account", "sipctl domains list"},
		{"32212 on update",
			func(s *twiliotest.Server) {
				s.Expect("GET", "SIP/Domains/"+sid+".json", nil, 0, twiliotest.Domain(sid, "office.sip.twilio.com", nil))
				s.Expect("POST", "SIP/Domains/"+sid+".json", nil, 400, twiliotest.Error(400, 32212, "Invalid domain configuration"))
			},
			[]string{"update", sid, "--secure", "--yes"}, "error: Twilio error 32212: Invalid domain configuration", "sipctl domains check"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := twiliotest.New(t)
			tc.stub(s)
			out, code := run(t, s, tc.args...)
			lines := strings.Split(strings.TrimSpace(out), "\n")
			if code != 1 || len(lines) != 2 || lines[0] != tc.line || !strings.HasPrefix(lines[1], "hint: ") || !strings.Contains(lines[1], tc.hint) {
				t.Errorf("exit %d, stderr:\n%s", code, out)
			}
		})
	}
}

func TestBadDomainIsUsageErrorWithoutRequest(t *testing.T) {
	s := twiliotest.New(t)
	out, code := run(t, s, "create", "office.example.com")
	if code != 2 || !strings.Contains(out, "must end in sip.twilio.com") && !strings.Contains(out, "does not end in sip.twilio.com") || s.Requests() != 0 {
		t.Errorf("exit %d requests %d stderr:\n%s", code, s.Requests(), out)
	}
}
