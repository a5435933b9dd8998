package list

import (
	"context"
	"strings"
	"testing"

	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/twilio/twiliotest"
)

func TestNewCmdListFlags(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	var got *ListOptions
	cmd := NewCmdList(twiliotest.New(t).Factory(ios), func(o *ListOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"--json=sid,domain_name"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if !got.Exporter.Enabled() || strings.Join(got.Exporter.Fields, ",") != "sid,domain_name" {
		t.Errorf("exporter = %+v", got.Exporter)
	}
	cmd = NewCmdList(twiliotest.New(t).Factory(ios), func(*ListOptions) error { return nil })
	cmd.SetArgs([]string{"extra"})
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	if err := cmd.Execute(); err == nil {
		t.Error("positional argument accepted")
	}
}

// threePages stubs a domain list Twilio serves in three pages.
func threePages(s *twiliotest.Server) {
	path := "SIP/Domains.json"
	s.Expect("GET", path, nil, 0, twiliotest.Page("domains", twiliotest.NextPage(path, 1),
		twiliotest.Domain(twiliotest.SID("SD", 1), "a.sip.twilio.com", map[string]any{"sip_registration": true})))
	s.Expect("GET", path+"?Page=1&PageToken=PA1", nil, 0, twiliotest.Page("domains", twiliotest.NextPage(path, 2),
		twiliotest.Domain(twiliotest.SID("SD", 2), "b.sip.twilio.com", map[string]any{"secure": true})))
	s.Expect("GET", path+"?Page=2&PageToken=PA2", nil, 0, twiliotest.Page("domains", "",
		twiliotest.Domain(twiliotest.SID("SD", 3), "c.sip.twilio.com", nil)))
}

func TestListPipeIsTSVAcrossPages(t *testing.T) {
	s := twiliotest.New(t)
	threePages(s)
	ios, _, out, errOut := iostreams.Test()
	if err := listRun(context.Background(), &ListOptions{IO: ios, Provider: s.Factory(ios).Provider}); err != nil {
		t.Fatal(err)
	}
	want := "a.sip.twilio.com\ta\ttrue\tfalse\t" + twiliotest.SID("SD", 1) + "\t2015-07-20T17:27:10Z\n" +
		"b.sip.twilio.com\tb\tfalse\ttrue\t" + twiliotest.SID("SD", 2) + "\t2015-07-20T17:27:10Z\n" +
		"c.sip.twilio.com\tc\tfalse\tfalse\t" + twiliotest.SID("SD", 3) + "\t2015-07-20T17:27:10Z\n"
	if out.String() != want {
		t.Errorf("stdout\n got %q\nwant %q", out, want)
	}
	if errOut.Len() != 0 {
		t.Errorf("stderr = %q", errOut)
	}
}

func TestListTTYIsTable(t *testing.T) {
	s := twiliotest.New(t)
	threePages(s)
	ios, _, out, _ := iostreams.Test()
	ios.SetStdoutTTY(true)
	ios.SetTerminalWidth(200)
	if err := listRun(context.Background(), &ListOptions{IO: ios, Provider: s.Factory(ios).Provider}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 4 || !strings.Contains(lines[0], "DOMAIN") || !strings.Contains(lines[0], "REGISTRATION") {
		t.Fatalf("table:\n%s", out)
	}
	if !strings.Contains(lines[1], "a.sip.twilio.com") || !strings.Contains(lines[1], "yes") || !strings.Contains(lines[1], "ago") {
		t.Errorf("row: %q", lines[1])
	}
}

func TestListJSONAndJQ(t *testing.T) {
	s := twiliotest.New(t)
	threePages(s)
	ios, _, out, _ := iostreams.Test()
	cmd := NewCmdList(s.Factory(ios), nil)
	cmd.SetArgs([]string{"--jq", ".[] | select(.secure) | .domain_name"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if out.String() != "b.sip.twilio.com\n" {
		t.Errorf("--jq output %q", out)
	}
}

func TestListEmptyTellsHowToCreate(t *testing.T) {
	s := twiliotest.New(t)
	s.Expect("GET", "SIP/Domains.json", nil, 0, twiliotest.Page("domains", ""))
	ios, _, out, errOut := iostreams.Test()
	ios.SetStdoutTTY(true)
	if err := listRun(context.Background(), &ListOptions{IO: ios, Provider: s.Factory(ios).Provider}); err != nil {
		t.Fatal(err)
	}
	if out.Len() != 0 || !strings.Contains(errOut.String(), "sipctl domains create") {
		t.Errorf("stdout %q stderr %q", out, errOut)
	}
}
