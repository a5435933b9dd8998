package check_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/sipctl/sipctl/internal/cmd/domains/check"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/sipctlcmd"
	tt "github.com/sipctl/sipctl/internal/twilio/twiliotest"
)

var (
	office  = tt.SID("SD", 1) // registration on, nothing attached for registrations: error
	lab     = tt.SID("SD", 2) // list attached for registrations, registration off
	shop    = tt.SID("SD", 3) // healthy
	trunk   = tt.SID("CL", 1) // attached to office for calls only
	labList = tt.SID("CL", 2) // attached to lab for both, empty
	staff   = tt.SID("CL", 3) // attached to shop, has users
	orphan  = tt.SID("CL", 4) // attached nowhere
	dupe    = tt.SID("CL", 5) // same name as staff, attached nowhere
	sidName = tt.SID("CL", 6) // named like a SID, attached nowhere
)

func mappings(domain, kind string, items ...string) (string, string) {
	return "SIP/Domains/" + domain + "/Auth/" + kind + "/CredentialListMappings.json", tt.Page("contents", "", items...)
}

func creds(list string, items ...string) (string, string) {
	return "SIP/CredentialLists/" + list + "/Credentials.json", tt.Page("credentials", "", items...)
}

// expectAccount registers the whole account's state; domains span pages.
func expectAccount(srv *tt.Server) {
	srv.Expect("GET", "SIP/Domains.json", nil, 0, tt.Page("domains", tt.NextPage("SIP/Domains.json", 1),
		tt.Domain(office, "office.sip.twilio.com", map[string]any{"sip_registration": true}),
		tt.Domain(lab, "lab.sip.twilio.com", map[string]any{"sip_registration": false})))
	srv.Expect("GET", "SIP/Domains.json?Page=1", nil, 0, tt.Page("domains", "",
		tt.Domain(shop, "shop.sip.twilio.com", map[string]any{"sip_registration": true})))
	for _, m := range [][2]string{
		pair(mappings(office, "Registrations")), pair(mappings(office, "Calls", tt.Mapping(trunk, "trunk"))),
		pair(mappings(lab, "Registrations", tt.Mapping(labList, "lab-users"))), pair(mappings(lab, "Calls", tt.Mapping(labList, "lab-users"))),
		pair(mappings(shop, "Registrations", tt.Mapping(staff, "staff"))), pair(mappings(shop, "Calls")),
		pair(creds(trunk, tt.Credential(tt.SID("CR", 1), trunk, "pbx"))),
		pair(creds(labList)),
		pair(creds(staff, tt.Credential(tt.SID("CR", 2), staff, "alice"))),
	} {
		srv.Expect("GET", m[0], nil, 0, m[1])
	}
	srv.Expect("GET", "SIP/CredentialLists.json", nil, 0, tt.Page("credential_lists", "",
		tt.CredentialList(trunk, "trunk"), tt.CredentialList(labList, "lab-users"), tt.CredentialList(staff, "staff"),
		tt.CredentialList(orphan, "old phones"), tt.CredentialList(dupe, "Staff "), tt.CredentialList(sidName, tt.SID("CL", 99))))
}

func pair(a, b string) [2]string { return [2]string{a, b} }

func run(t *testing.T, srv *tt.Server, tty bool, args ...string) (int, string, string) {
	ios, _, out, errOut := iostreams.Test()
	ios.SetStdoutTTY(tty)
	ios.SetStderrTTY(tty)
	c := srv.Client()
	cmd := check.NewCmdCheck(&cmdutil.Factory{IOStreams: ios, Provider: func() (provider.SIPAccounts, error) { return c, nil }}, nil)
	cmd.SetArgs(args)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	cmd.SetOut(out)
	cmd.SetErr(errOut)
	if _, err := cmd.ExecuteC(); err != nil {
		var b bytes.Buffer
		code := sipctlcmd.PrintError(&b, cmd, err)
		return code, out.String(), errOut.String() + b.String()
	}
	return 0, out.String(), errOut.String()
}

func TestCheckWholeAccountJSON(t *testing.T) {
	srv := tt.New(t)
	expectAccount(srv)
	code, out, stderr := run(t, srv, false, "--json")
	if code != 1 || stderr != "" {
		t.Errorf("exit %d (want 1: an error was found), stderr %q", code, stderr)
	}
	var got []check.Finding
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err, out)
	}
	byCode := map[string][]check.Finding{}
	for _, f := range got {
		byCode[f.Code] = append(byCode[f.Code], f)
	}
	want := map[string]check.Finding{
		check.NoRegistrationList: {Severity: "error", Domain: "office.sip.twilio.com",
			Fix: "sipctl attach credlist trunk --domain office.sip.twilio.com --for registrations"},
		check.RegistrationDisabled: {Severity: "warning", Domain: "lab.sip.twilio.com", CredentialListSID: labList,
			Fix: "sipctl domains update lab.sip.twilio.com --sip-registration"},
		check.EmptyList: {Severity: "warning", Domain: "lab.sip.twilio.com", CredentialListSID: labList,
			Fix: "sipctl accounts create USERNAME --domain lab.sip.twilio.com --list lab-users"},
		check.DuplicateListName: {Severity: "warning", CredentialListSID: staff + "," + dupe,
			Fix: "sipctl credlists rename " + dupe + " NEW-NAME"},
	}
	for code, w := range want {
		fs := byCode[code]
		if len(fs) != 1 {
			t.Errorf("%s: %d findings, want 1: %+v", code, len(fs), fs)
			continue
		}
		f := fs[0]
		if f.Severity != w.Severity || f.Domain != w.Domain || f.CredentialListSID != w.CredentialListSID || f.Fix != w.Fix || f.Problem == "" {
			t.Errorf("%s = %+v\nwant %+v", code, f, w)
		}
	}
	if !strings.Contains(byCode[check.NoRegistrationList][0].Problem, "32212") {
		t.Errorf("the registration error does not name Twilio error 32212: %s", byCode[check.NoRegistrationList][0].Problem)
	}
	unattached := map[string]bool{}
	for _, f := range byCode[check.UnattachedList] {
		unattached[f.CredentialListSID] = true
	}
	if len(unattached) != 3 || !unattached[orphan] || !unattached[dupe] || !unattached[sidName] {
		t.Errorf("unattached = %v", unattached)
	}
	unclear := map[string]bool{}
	for _, f := range byCode[check.UnclearListName] {
		unclear[f.CredentialListSID] = true
	}
	if len(unclear) != 2 || !unclear[dupe] || !unclear[sidName] {
		t.Errorf("unclear names = %v (want the padded one and the SID-like one)", unclear)
	}
	if got[0].Severity != "error" {
		t.Errorf("errors are not listed first: %+v", got[0])
	}
	for _, f := range got {
		if f.Domain == "shop.sip.twilio.com" {
			t.Errorf("healthy domain flagged: %+v", f)
		}
	}
}

func TestCheckOneDomainOnATerminal(t *testing.T) {
	srv := tt.New(t)
	srv.Expect("GET", "SIP/Domains.json", nil, 0, tt.Page("domains", "",
		tt.Domain(office, "office.sip.twilio.com", map[string]any{"sip_registration": true})))
	p, b := mappings(office, "Registrations")
	srv.Expect("GET", p, nil, 0, b)
	p, b = mappings(office, "Calls")
	srv.Expect("GET", p, nil, 0, b)
	srv.Expect("GET", "SIP/CredentialLists.json", nil, 0, tt.Page("credential_lists", "", tt.CredentialList(orphan, "old phones")))
	code, out, stderr := run(t, srv, true, "office")
	// Nothing attached: the fix creates the list and attaches it; an
	// unattached list elsewhere is not this domain's business.
	if code != 1 || !strings.Contains(out, "error    office.sip.twilio.com: registration is on but no credential list is attached for registrations") ||
		!strings.Contains(out, "fix: sipctl accounts create USERNAME --domain office.sip.twilio.com") || strings.Contains(out, "old phones") {
		t.Errorf("exit %d, stdout:\n%s", code, out)
	}
	if !strings.Contains(stderr, "1 error, 0 warnings") {
		t.Errorf("stderr %q", stderr)
	}
}

func TestCheckHealthyDomainPassesAsTSV(t *testing.T) {
	srv := tt.New(t)
	srv.Expect("GET", "SIP/Domains/"+shop+".json", nil, 0, tt.Domain(shop, "shop.sip.twilio.com", map[string]any{"sip_registration": true}))
	for _, pb := range [][2]string{pair(mappings(shop, "Registrations", tt.Mapping(staff, "staff"))), pair(mappings(shop, "Calls", tt.Mapping(staff, "staff"))),
		pair(creds(staff, tt.Credential(tt.SID("CR", 2), staff, "alice")))} {
		srv.Expect("GET", pb[0], nil, 0, pb[1])
	}
	srv.Expect("GET", "SIP/CredentialLists.json", nil, 0, tt.Page("credential_lists", "", tt.CredentialList(staff, "staff"), tt.CredentialList(orphan, "old phones")))
	code, out, stderr := run(t, srv, false, shop)
	// Nothing on stdout (no findings), and the summary on stderr even in a
	// pipe: a check that found nothing does not look like one that printed nothing.
	if code != 0 || out != "" || stderr != "No problems found in 1 domain and 2 credential lists\n" {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, stderr)
	}
}

func TestCheckBadAndUnknownDomain(t *testing.T) {
	srv := tt.New(t)
	code, _, stderr := run(t, srv, false, "office.example.com")
	if code != 2 || !strings.Contains(stderr, "end in sip.twilio.com") || srv.Requests() != 0 {
		t.Errorf("bad name: exit %d, %q, %d requests", code, stderr, srv.Requests())
	}
	srv.Expect("GET", "SIP/Domains.json", nil, 0, tt.Page("domains", ""))
	code, _, stderr = run(t, srv, false, "office")
	if code != 1 || !strings.Contains(stderr, `error: no domain "office.sip.twilio.com" in this account`) {
		t.Errorf("unknown: exit %d, %q", code, stderr)
	}
}

func TestCheckTwilioErrorIsOneLine(t *testing.T) {
	srv := tt.New(t)
	srv.Expect("GET", "SIP/Domains.json", nil, 0, tt.Page("domains", "", tt.Domain(office, "office.sip.twilio.com", nil)))
	p, _ := mappings(office, "Registrations")
	srv.Expect("GET", p, nil, 403, tt.Error(403, 20003, "Authenticate"))
	code, _, stderr := run(t, srv, false)
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	if code != 4 || len(lines) != 2 || !strings.HasPrefix(lines[0], "error: reading what is attached to office.sip.twilio.com: Twilio error 20003") {
		t.Errorf("exit %d, stderr:\n%s", code, stderr)
	}
}
