package domains_test

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"

	"github.com/sipctl/sipctl/internal/testenv"
)

// TestSIPWorkflowWithTheBinary runs the SIP resource commands as a person
// would, with the built binary against the built-in Twilio-compatible sandbox
// in an isolated home: create, attach, show, detach, delete.
func TestSIPWorkflowWithTheBinary(t *testing.T) {
	bin := testenv.Binary(t)
	env := testenv.NewEnv(t)
	sipctl := func(stdin string, args ...string) (string, string, int) {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Env = env.Environ()
		cmd.Stdin = strings.NewReader(stdin)
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return out.String(), errOut.String(), code
	}
	must := func(stdin string, args ...string) string {
		t.Helper()
		out, errOut, code := sipctl(stdin, args...)
		if code != 0 {
			t.Fatalf("sipctl %s: exit %d\n%s", strings.Join(args, " "), code, errOut)
		}
		return out
	}

	must("", "domains", "create", "office", "--sip-registration")
	must("", "credlists", "create", "staff")
	if _, errOut, code := sipctl("", "credlists", "create", "staff"); code != 1 || !strings.Contains(errOut, "already exists") {
		t.Errorf("duplicate list: exit %d %s", code, errOut)
	}
	pw := strings.TrimSpace(must("", "credlists", "credentials", "add", "staff", "alice"))
	if len(pw) < 12 {
		t.Errorf("generated password %q", pw)
	}
	must("Another-Good-Pass-7\n", "credlists", "credentials", "add", "staff", "bob", "--password-stdin")
	must("", "ipacls", "create", "office-ips")
	must("", "ipacls", "addresses", "add", "office-ips", "203.0.113.0/24")
	if _, errOut, code := sipctl("", "ipacls", "addresses", "add", "office-ips", "2001:db8::1"); code != 2 || !strings.Contains(errOut, "IPv4 only") {
		t.Errorf("IPv6: exit %d %s", code, errOut)
	}
	must("", "attach", "credlist", "staff", "--domain", "office")
	if _, errOut, _ := sipctl("", "attach", "credlist", "staff", "--domain", "office"); strings.Count(errOut, "already attached") != 2 {
		t.Errorf("second attach is not a no-op: %s", errOut)
	}
	must("", "attach", "ipacl", "office-ips", "--domain", "office.sip.twilio.com")

	var shown struct {
		DomainName string `json:"domain_name"`
		Calls      []struct {
			FriendlyName string `json:"friendly_name"`
		} `json:"credential_lists_for_calls"`
		Regs []any `json:"credential_lists_for_registrations"`
		ACLs []any `json:"ip_acls_for_calls"`
	}
	if err := json.Unmarshal([]byte(must("", "domains", "show", "office", "--json")), &shown); err != nil {
		t.Fatal(err)
	}
	if shown.DomainName != "office.sip.twilio.com" || len(shown.Calls) != 1 || shown.Calls[0].FriendlyName != "staff" || len(shown.Regs) != 1 || len(shown.ACLs) != 1 {
		t.Errorf("show: %+v", shown)
	}
	if got := must("", "credlists", "credentials", "list", "staff", "--jq", "[.[].username] | sort | join(\",\")"); got != "alice,bob\n" {
		t.Errorf("usernames: %q", got)
	}

	must("", "detach", "credlist", "staff", "--domain", "office", "--for", "registrations", "--yes")
	if got := must("", "domains", "show", "office", "--jq", ".credential_lists_for_registrations | length"); got != "0\n" {
		t.Errorf("after detach: %q", got)
	}
	if _, errOut, code := sipctl("", "domains", "delete", "office"); code != 2 || !strings.Contains(errOut, "--yes") {
		t.Errorf("delete without --yes: exit %d %s", code, errOut)
	}
	must("", "domains", "delete", "office", "--yes")
	if _, errOut, code := sipctl("", "domains", "show", "office"); code != 1 || !strings.Contains(errOut, "sipctl domains create office") {
		t.Errorf("show after delete: exit %d %s", code, errOut)
	}
}
