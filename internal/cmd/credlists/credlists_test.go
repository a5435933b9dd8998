package credlists_test

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/sipctl/sipctl/internal/cmd/credlists"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/password"
	"github.com/sipctl/sipctl/internal/sipctlcmd"
	"github.com/sipctl/sipctl/internal/twilio/twiliotest"
)

var (
	staffSID = twiliotest.SID("CL", 1)
	aliceSID = twiliotest.SID("CR", 1)
)

type result struct {
	stdout, stderr string // stderr holds what sipctl prints for an error
	code           int
}

// run executes `credlists ARGS` against the stub as sipctl would.
func run(t *testing.T, s *twiliotest.Server, tty bool, stdin string, args ...string) result {
	t.Helper()
	ios, in, out, errOut := iostreams.Test()
	ios.SetStdoutTTY(tty)
	ios.SetStdinTTY(tty)
	ios.SetTerminalWidth(200)
	in.WriteString(stdin)
	cmd := credlists.NewCmdCredlists(s.Factory(ios))
	cmd.SetArgs(args)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	sub, err := cmd.ExecuteC()
	r := result{stdout: out.String()}
	if err != nil {
		var buf bytes.Buffer
		r.code = sipctlcmd.PrintError(&buf, sub, err)
		r.stderr = buf.String()
	} else {
		r.stderr = errOut.String()
	}
	return r
}

func lists(s *twiliotest.Server, names ...string) {
	var items []string
	for i, n := range names {
		items = append(items, twiliotest.CredentialList(twiliotest.SID("CL", i+1), n))
	}
	s.Expect("GET", "SIP/CredentialLists.json", nil, 0, twiliotest.Page("credential_lists", "", items...))
}

func TestListAcrossPagesTTYPipeJSON(t *testing.T) {
	stub := func() *twiliotest.Server {
		s := twiliotest.New(t)
		p := "SIP/CredentialLists.json"
		s.Expect("GET", p, nil, 0, twiliotest.Page("credential_lists", twiliotest.NextPage(p, 1), twiliotest.CredentialList(staffSID, "staff")))
		s.Expect("GET", p+"?Page=1", nil, 0, twiliotest.Page("credential_lists", "", twiliotest.CredentialList(twiliotest.SID("CL", 2), "phones")))
		return s
	}
	r := run(t, stub(), false, "", "list")
	if r.code != 0 || r.stdout != "staff\t"+staffSID+"\t2015-07-20T17:27:10Z\nphones\t"+twiliotest.SID("CL", 2)+"\t2015-07-20T17:27:10Z\n" {
		t.Errorf("pipe: %+v", r)
	}
	r = run(t, stub(), true, "", "list")
	if r.code != 0 || !strings.HasPrefix(strings.TrimSpace(r.stdout), "NAME") || !strings.Contains(r.stdout, "phones") || !strings.Contains(r.stdout, "ago") {
		t.Errorf("tty: %+v", r)
	}
	r = run(t, stub(), false, "", "list", "--jq", ".[].friendly_name")
	if r.stdout != "staff\nphones\n" {
		t.Errorf("jq: %+v", r)
	}
}

func TestCreateRefusesDuplicateBeforeCallingTwilio(t *testing.T) {
	s := twiliotest.New(t)
	lists(s, "staff")
	r := run(t, s, false, "", "create", "staff")
	if r.code != 1 || !strings.Contains(r.stderr, `a credential list named "staff" already exists (`+staffSID+`)`) || !strings.Contains(r.stderr, "hint:") {
		t.Errorf("%+v", r)
	}
}

func TestCreate(t *testing.T) {
	s := twiliotest.New(t)
	lists(s, "phones")
	s.Expect("POST", "SIP/CredentialLists.json", url.Values{"FriendlyName": {"staff"}}, 201, twiliotest.CredentialList(staffSID, "staff"))
	r := run(t, s, false, "", "create", "staff", "--json=sid,friendly_name")
	if r.code != 0 || strings.Join(strings.Fields(r.stdout), "") != `{"friendly_name":"staff","sid":"`+staffSID+`"}` {
		t.Errorf("%+v", r)
	}
}

func TestCreate21240IsOneLineWithHint(t *testing.T) {
	s := twiliotest.New(t)
	lists(s)
	s.Expect("POST", "SIP/CredentialLists.json", nil, 400, twiliotest.Error(400, 21240, "Credential List validation error"))
	r := run(t, s, false, "", "create", "staff")
	lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
	if r.code != 1 || len(lines) != 2 || lines[0] != "error: Twilio error 21240: Credential List validation error" || !strings.Contains(lines[1], "usernames at most 32 characters") {
		t.Errorf("%+v", r)
	}
}

func TestRename(t *testing.T) {
	s := twiliotest.New(t)
	lists(s, "staff")
	lists(s, "staff")
	s.Expect("POST", "SIP/CredentialLists/"+staffSID+".json", url.Values{"FriendlyName": {"office staff"}}, 0, twiliotest.CredentialList(staffSID, "office staff"))
	r := run(t, s, false, "", "rename", "staff", "office staff")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "Name\toffice staff\n") {
		t.Errorf("%+v", r)
	}
	s = twiliotest.New(t)
	lists(s, "staff", "phones")
	lists(s, "staff", "phones")
	if r := run(t, s, false, "", "rename", "staff", "phones"); r.code != 1 || !strings.Contains(r.stderr, "already exists") {
		t.Errorf("duplicate rename: %+v", r)
	}
}

func TestDeleteNeedsYesWithoutTerminal(t *testing.T) {
	s := twiliotest.New(t)
	lists(s, "staff")
	if r := run(t, s, false, "", "delete", "staff"); r.code != 2 || !strings.Contains(r.stderr, "--yes") {
		t.Errorf("%+v", r)
	}
	s = twiliotest.New(t)
	lists(s, "staff")
	s.Expect("DELETE", "SIP/CredentialLists/"+staffSID+".json", nil, 204, "")
	if r := run(t, s, false, "", "delete", "staff", "--yes"); r.code != 0 || !strings.Contains(r.stderr, "Deleted credential list") {
		t.Errorf("%+v", r)
	}
}

func TestShowWithCredentials(t *testing.T) {
	stub := func() *twiliotest.Server {
		s := twiliotest.New(t)
		s.Expect("GET", "SIP/CredentialLists/"+staffSID+".json", nil, 0, twiliotest.CredentialList(staffSID, "staff"))
		s.Expect("GET", "SIP/CredentialLists/"+staffSID+"/Credentials.json", nil, 0, twiliotest.Page("credentials", "",
			twiliotest.Credential(aliceSID, staffSID, "alice"), twiliotest.Credential(twiliotest.SID("CR", 2), staffSID, "bob")))
		return s
	}
	r := run(t, stub(), true, "", "show", staffSID)
	for _, want := range []string{"Name:", "staff", "Usernames:", "2", "USERNAME", "alice", "bob"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("tty output lacks %q:\n%s", want, r.stdout)
		}
	}
	r = run(t, stub(), false, "", "show", staffSID, "--json")
	var got struct {
		SID         string                      `json:"sid"`
		Credentials []struct{ Username string } `json:"credentials"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || got.SID != staffSID || len(got.Credentials) != 2 || got.Credentials[1].Username != "bob" {
		t.Errorf("json %v: %s", err, r.stdout)
	}
}

func TestShowUnknownListSaysHowToCreate(t *testing.T) {
	s := twiliotest.New(t)
	lists(s, "phones")
	r := run(t, s, false, "", "show", "staff")
	if r.code != 1 || !strings.Contains(r.stderr, `error: no credential list "staff" in this account`) || !strings.Contains(r.stderr, "sipctl credlists create staff") {
		t.Errorf("%+v", r)
	}
}

func TestCredentialsList(t *testing.T) {
	s := twiliotest.New(t)
	lists(s, "staff")
	s.Expect("GET", "SIP/CredentialLists/"+staffSID+"/Credentials.json", nil, 0, twiliotest.Page("credentials", "", twiliotest.Credential(aliceSID, staffSID, "alice")))
	r := run(t, s, false, "", "credentials", "list", "staff")
	if r.stdout != "alice\t"+aliceSID+"\t2015-07-20T17:27:10Z\n" {
		t.Errorf("%+v", r)
	}
}

// addStub expects the lookups of an add and the create, capturing the password sent.
func addStub(t *testing.T, existing ...string) (*twiliotest.Server, *twiliotest.Stub) {
	s := twiliotest.New(t)
	lists(s, "staff")
	var items []string
	for i, u := range existing {
		items = append(items, twiliotest.Credential(twiliotest.SID("CR", 10+i), staffSID, u))
	}
	s.Expect("GET", "SIP/CredentialLists/"+staffSID+"/Credentials.json", nil, 0, twiliotest.Page("credentials", "", items...))
	if len(existing) > 0 {
		return s, nil
	}
	st := s.Expect("POST", "SIP/CredentialLists/"+staffSID+"/Credentials.json", nil, 201, twiliotest.Credential(aliceSID, staffSID, "alice"))
	return s, st
}

func TestAddGeneratesPasswordToPolicyAndPrintsItOnce(t *testing.T) {
	pol, _ := password.Builtin("twilio")
	// In a pipe: exactly the password, nothing else.
	s, st := addStub(t)
	r := run(t, s, false, "", "credentials", "add", "staff", "alice")
	pw := strings.TrimSuffix(r.stdout, "\n")
	if r.code != 0 || strings.Contains(pw, "\n") || pol.Validate(pw) != nil {
		t.Fatalf("pipe: %+v", r)
	}
	if got := st.Received(); got.Get("Username") != "alice" || got.Get("Password") != pw {
		t.Errorf("sent %v, printed %q", got, pw)
	}
	if strings.Contains(r.stderr, pw) {
		t.Error("password on stderr")
	}
	// On a terminal: a sentence, the password once, a warning on stderr.
	s, st = addStub(t)
	r = run(t, s, true, "", "credentials", "add", "staff", "alice")
	sent := st.Received().Get("Password")
	if strings.Count(r.stdout, sent) != 1 || !strings.Contains(r.stdout, "Added alice to staff") || !strings.Contains(r.stderr, "shown once") {
		t.Errorf("tty: %+v", r)
	}
	// --json: a password field.
	s, st = addStub(t)
	r = run(t, s, false, "", "credentials", "add", "staff", "alice", "--json")
	var got struct{ Username, Password string }
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || got.Username != "alice" || got.Password != st.Received().Get("Password") {
		t.Errorf("json %v: %s", err, r.stdout)
	}
}

func TestAddPasswordStdin(t *testing.T) {
	s, st := addStub(t)
	r := run(t, s, false, "Correct-Horse-42-Battery\n", "credentials", "add", "staff", "alice", "--password-stdin")
	if r.code != 0 || r.stdout != "" || st.Received().Get("Password") != "Correct-Horse-42-Battery" {
		t.Errorf("%+v sent %v", r, st.Received())
	}
	r = run(t, twiliotest.New(t), false, "short\n", "credentials", "add", "staff", "alice", "--password-stdin")
	if r.code != 2 || strings.Contains(r.stderr, "short\n") {
		t.Errorf("weak password: %+v", r)
	}
}

func TestAddRejectsBeforeAnyRequest(t *testing.T) {
	s := twiliotest.New(t)
	long := strings.Repeat("a", 33)
	r := run(t, s, false, "", "credentials", "add", "staff", long)
	if r.code != 2 || !strings.Contains(r.stderr, "at most 32") || s.Requests() != 0 {
		t.Errorf("%+v", r)
	}
	s, _ = addStub(t, "alice")
	r = run(t, s, false, "", "credentials", "add", "staff", "alice")
	if r.code != 1 || !strings.Contains(r.stderr, `username "alice" is already in credential list "staff"`) {
		t.Errorf("duplicate: %+v", r)
	}
}

func TestRemove(t *testing.T) {
	s := twiliotest.New(t)
	lists(s, "staff")
	s.Expect("GET", "SIP/CredentialLists/"+staffSID+"/Credentials.json", nil, 0, twiliotest.Page("credentials", "", twiliotest.Credential(aliceSID, staffSID, "alice")))
	s.Expect("DELETE", "SIP/CredentialLists/"+staffSID+"/Credentials/"+aliceSID+".json", nil, 204, "")
	if r := run(t, s, false, "", "credentials", "remove", "staff", "alice", "--yes"); r.code != 0 || !strings.Contains(r.stderr, "Removed alice") {
		t.Errorf("%+v", r)
	}
	s = twiliotest.New(t)
	lists(s, "staff")
	s.Expect("GET", "SIP/CredentialLists/"+staffSID+"/Credentials.json", nil, 0, twiliotest.Page("credentials", ""))
	if r := run(t, s, false, "", "credentials", "remove", "staff", "carol", "--yes"); r.code != 1 || !strings.Contains(r.stderr, `no username "carol" in credential list "staff"`) {
		t.Errorf("%+v", r)
	}
}
