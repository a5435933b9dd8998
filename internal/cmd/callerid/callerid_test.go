package callerid_test

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/sipctl/sipctl/internal/cmd/callerid"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/sipctlcmd"
	tt "github.com/sipctl/sipctl/internal/twilio/twiliotest"
)

var (
	pn1 = tt.SID("PN", 1)
	pn2 = tt.SID("PN", 2)
	pn3 = tt.SID("PN", 3)
	ca  = tt.SID("CA", 1)
)

func callerID(sid, number, name string) string {
	b, _ := json.Marshal(map[string]any{"sid": sid, "account_sid": tt.AccountSID, "phone_number": number, "friendly_name": name,
		"date_created": tt.Date, "date_updated": tt.Date})
	return string(b)
}

type run struct {
	ios                *iostreams.IOStreams
	in, stdout, stderr *bytes.Buffer
	srv                *tt.Server
}

func newRun(t *testing.T) *run {
	ios, in, out, errOut := iostreams.Test()
	return &run{ios: ios, in: in, stdout: out, stderr: errOut, srv: tt.New(t)}
}

// exec runs `sipctl callerid ARGS` and returns the exit code sipctl would
// give, with the error printed to r.stderr as sipctl prints it.
func (r *run) exec(args ...string) int {
	c := r.srv.Client()
	f := &cmdutil.Factory{IOStreams: r.ios, Provider: func() (provider.SIPAccounts, error) { return c, nil }}
	cmd := callerid.NewCmdCallerid(f)
	cmd.SetArgs(args)
	cmd.SetOut(r.stdout)
	cmd.SetErr(r.stderr)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	sub, err := cmd.ExecuteC()
	if err == nil {
		return 0
	}
	return sipctlcmd.PrintError(r.stderr, sub, err)
}

func TestListFollowsPagesAsTSV(t *testing.T) {
	r := newRun(t)
	path := "OutgoingCallerIds.json"
	r.srv.Expect("GET", path, nil, 0, tt.Page("outgoing_caller_ids", tt.NextPage(path, 1), callerID(pn1, "+14155550100", "front desk")))
	r.srv.Expect("GET", path+"?Page=1", nil, 0, tt.Page("outgoing_caller_ids", tt.NextPage(path, 2), callerID(pn2, "+442071838750", "london")))
	r.srv.Expect("GET", path+"?Page=2", nil, 0, tt.Page("outgoing_caller_ids", "", callerID(pn3, "+61255501234", "")))
	if code := r.exec("list"); code != 0 {
		t.Fatalf("exit %d: %s", code, r.stderr)
	}
	want := "+14155550100\tfront desk\t" + pn1 + "\t2015-07-20T17:27:10Z\n" +
		"+442071838750\tlondon\t" + pn2 + "\t2015-07-20T17:27:10Z\n" +
		"+61255501234\t\t" + pn3 + "\t2015-07-20T17:27:10Z\n"
	if r.stdout.String() != want {
		t.Errorf("got %q\nwant %q", r.stdout, want)
	}
}

func TestListJSON(t *testing.T) {
	r := newRun(t)
	r.srv.Expect("GET", "OutgoingCallerIds.json", nil, 0, tt.Page("outgoing_caller_ids", "", callerID(pn1, "+14155550100", "front desk")))
	if code := r.exec("list", "--json=phone_number,sid"); code != 0 {
		t.Fatalf("exit %d: %s", code, r.stderr)
	}
	var got []map[string]string
	if err := json.Unmarshal(r.stdout.Bytes(), &got); err != nil || len(got) != 1 || got[0]["phone_number"] != "+14155550100" || got[0]["sid"] != pn1 || len(got[0]) != 2 {
		t.Errorf("json %s (%v)", r.stdout, err)
	}
}

func TestAddPrintsTheValidationCode(t *testing.T) {
	r := newRun(t)
	r.ios.SetStdoutTTY(true)
	r.srv.Expect("POST", "OutgoingCallerIds.json", url.Values{"PhoneNumber": {"+14155550100"}, "FriendlyName": {"front desk"}}, 200,
		`{"account_sid":"`+tt.AccountSID+`","call_sid":"`+ca+`","friendly_name":"front desk","phone_number":"+14155550100","validation_code":"048213"}`)
	// What people type, with spaces and dashes, is normalised.
	if code := r.exec("add", "+1 415-555-0100", "--name", "front desk"); code != 0 {
		t.Fatalf("exit %d: %s", code, r.stderr)
	}
	if !strings.Contains(r.stdout.String(), "Calling +14155550100") || !strings.Contains(r.stdout.String(), "048213") {
		t.Errorf("stdout = %q", r.stdout)
	}
}

func TestAddJSON(t *testing.T) {
	r := newRun(t)
	r.srv.Expect("POST", "OutgoingCallerIds.json", url.Values{"PhoneNumber": {"+14155550100"}}, 200,
		`{"account_sid":"`+tt.AccountSID+`","call_sid":"`+ca+`","friendly_name":null,"phone_number":"+14155550100","validation_code":"123456"}`)
	if code := r.exec("add", "+14155550100", "--jq", ".validation_code"); code != 0 {
		t.Fatalf("exit %d: %s", code, r.stderr)
	}
	if r.stdout.String() != "123456\n" {
		t.Errorf("stdout = %q", r.stdout)
	}
}

func TestNonE164NumbersAreRejectedBeforeAnyRequest(t *testing.T) {
	for _, args := range [][]string{{"add", "4155550100"}, {"add", "+0155550100"}, {"add", "+1415555010012345"}, {"add", "+1415abc0100"},
		{"rename", "555-0100", "x"}, {"remove", "0044207", "--yes"}} {
		r := newRun(t)
		code := r.exec(args...)
		if code != 2 || !strings.Contains(r.stderr.String(), "is not an E.164 phone number") || r.srv.Requests() != 0 {
			t.Errorf("%v: exit %d, %d requests, stderr %q", args, code, r.srv.Requests(), r.stderr)
		}
	}
}

func TestAddTwilioErrorIsOneLine(t *testing.T) {
	r := newRun(t)
	r.srv.Expect("POST", "OutgoingCallerIds.json", nil, 400, tt.Error(400, 21450, "Phone number is already verified."))
	code := r.exec("add", "+14155550100")
	lines := strings.Split(strings.TrimSpace(r.stderr.String()), "\n")
	if code != 1 || len(lines) != 2 || lines[0] != "error: Twilio error 21450: Phone number is already verified." ||
		lines[1] != "hint: the number is already a verified caller ID in this account: see `sipctl callerid list`" {
		t.Errorf("exit %d, stderr:\n%s", code, r.stderr)
	}
}

func TestRenameByNumber(t *testing.T) {
	r := newRun(t)
	r.srv.Expect("GET", "OutgoingCallerIds.json", nil, 0, tt.Page("outgoing_caller_ids", "", callerID(pn2, "+442071838750", "london"), callerID(pn1, "+14155550100", "front desk")))
	r.srv.Expect("POST", "OutgoingCallerIds/"+pn1+".json", url.Values{"FriendlyName": {"reception"}}, 200, callerID(pn1, "+14155550100", "reception"))
	if code := r.exec("rename", "+14155550100", "reception"); code != 0 {
		t.Fatalf("exit %d: %s", code, r.stderr)
	}
	if r.stdout.String() != "Phone number\t+14155550100\nFriendly name\treception\nSID\t"+pn1+"\n" {
		t.Errorf("stdout = %q", r.stdout)
	}
}

func TestRemoveNotFound(t *testing.T) {
	r := newRun(t)
	r.srv.Expect("GET", "OutgoingCallerIds.json", nil, 0, tt.Page("outgoing_caller_ids", "", callerID(pn2, "+442071838750", "london")))
	code := r.exec("remove", "+14155550100", "--yes")
	if code != 1 || !strings.Contains(r.stderr.String(), "error: no verified caller ID +14155550100 in this account\nhint: list them with `sipctl callerid list`") {
		t.Errorf("exit %d, stderr %q", code, r.stderr)
	}
}

func TestRemoveBySIDConfirmsOrNeedsYes(t *testing.T) {
	r := newRun(t)
	r.srv.Expect("GET", "OutgoingCallerIds.json", nil, 0, tt.Page("outgoing_caller_ids", "", callerID(pn1, "+14155550100", "front desk")))
	if code := r.exec("remove", pn1); code != 2 || !strings.Contains(r.stderr.String(), "--yes") {
		t.Errorf("no terminal, no --yes: exit %d, %q", code, r.stderr)
	}
	r = newRun(t)
	r.ios.SetStdinTTY(true)
	r.ios.SetStdoutTTY(true)
	r.in.WriteString("y\n")
	r.srv.Expect("GET", "OutgoingCallerIds.json", nil, 0, tt.Page("outgoing_caller_ids", "", callerID(pn1, "+14155550100", "front desk")))
	r.srv.Expect("DELETE", "OutgoingCallerIds/"+pn1+".json", nil, 204, "")
	if code := r.exec("remove", pn1); code != 0 || !strings.Contains(r.stdout.String(), "Removed caller ID +14155550100 (front desk)") {
		t.Errorf("exit %d, stdout %q stderr %q", code, r.stdout, r.stderr)
	}
}
