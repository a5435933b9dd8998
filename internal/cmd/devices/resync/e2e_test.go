package resync

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sipctl/sipctl/internal/rotate"
	"github.com/sipctl/sipctl/internal/sip/sipptest"
	"github.com/sipctl/sipctl/internal/testenv"
)

// phoneScenario is sipp as a Yealink: it registers (digest), then waits for
// the NOTIFY, asserts its Request-URI (the contact it registered) and its
// Event header (check-sync), and answers 200.
// phoneScenario is sipp as a Yealink waiting for its resync, on the port
// it registered from: it receives the NOTIFY, asserts its Request-URI (the
// contact it registered) and its Event header (check-sync), and answers
// 200.
const phoneScenario = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="sipctl phone awaiting resync">
  <recv request="NOTIFY">
    <action>
      <ereg regexp="^ *check-sync$" search_in="hdr" header="Event:" check_it="true" assign_to="ev"/>
      <ereg regexp="^NOTIFY sip:{{user}}@127\.0\.0\.1:{{port}} SIP/2\.0" search_in="msg" check_it="true" assign_to="ruri"/>
    </action>
  </recv>
  <Reference variables="ev,ruri"/>
  <send>
    <![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0

    ]]>
  </send>
</scenario>
`

// TestResyncNotifiesTheRegisteredContact: a phone (sipp) registers with the
// sandbox registrar, `accounts list` shows it registered, and `devices
// resync` sends it a NOTIFY with Yealink's event to its contact, which it
// answers 200.
func TestResyncNotifiesTheRegisteredContact(t *testing.T) {
	sipp := testenv.LookPath(t, "sipp")
	env := testenv.NewEnv(t)
	serve := testenv.StartServe(t, env)
	dir := t.TempDir()
	run := func(args ...string) string {
		t.Helper()
		out, errOut, code := env.Run(t, "", args...)
		if code != 0 {
			t.Fatalf("sipctl %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errOut)
		}
		return out
	}
	run("domains", "create", "lab", "--sip-registration")
	ho := filepath.Join(dir, "handover.csv")
	run("accounts", "create", "alice", "bob", "--domain", "lab", "--output", ho)
	all, err := rotate.ReadHandover(ho)
	if err != nil || len(all) != 2 {
		t.Fatal(all, err)
	}
	var recs []rotate.Record
	for _, r := range all {
		if r.Username == "alice" {
			recs = append(recs, r)
		}
	}
	inv := filepath.Join(dir, "phones.csv")
	os.WriteFile(inv, []byte("mac,vendor,model,account\n00:15:65:12:34:ab,yealink,T54W,alice@lab.sip.twilio.com\n"), 0o600)
	prov := filepath.Join(dir, "prov")
	run("provision", "render", "--devices", inv, "--from-handover", ho, "--dir", prov, "--registrar", serve.SIPAddr)

	phone := sipptest.New(t, serve.SIPAddr, "udp")
	if ok, out := phone.Register(t, recs[0].Domain, "alice", recs[0].Password, 300, 200); !ok {
		t.Fatalf("sipp could not register:\n%s", out)
	}
	port := phone.Port
	scenario := strings.NewReplacer("{{user}}", "alice", "{{port}}", fmt.Sprint(port)).Replace(phoneScenario)
	sf := filepath.Join(dir, "phone.xml")
	os.WriteFile(sf, []byte(scenario), 0o600)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, sipp, "-sf", sf, "-m", "1", "-timeout", "50s", "-timeout_error",
		"-i", "127.0.0.1", "-p", fmt.Sprint(port), "-t", "u1", "-nostdin", "-trace_err", "-error_file", filepath.Join(dir, "sipp-errors.log"))
	cmd.Dir = dir
	var sippOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &sippOut, &sippOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	stopped := make(chan struct{})
	go func() { exited <- cmd.Wait(); close(stopped) }()
	t.Cleanup(func() {
		cancel()
		<-stopped
	})

	// Registered, as `accounts list` tells from the registrar's bindings.
	type account struct {
		Username  string `json:"username"`
		Status    string `json:"status"`
		Contact   string `json:"contact"`
		UserAgent string `json:"user_agent"`
	}
	var accts []account
	for i := 0; ; i++ {
		out := run("accounts", "list", "--domain", "lab", "--json")
		if err := json.Unmarshal([]byte(out), &accts); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		accts = slices.DeleteFunc(accts, func(a account) bool { return a.Username != "alice" })
		if len(accts) == 1 && accts[0].Status == "registered" {
			break
		}
		select {
		case err := <-exited:
			t.Fatalf("sipp ended before registering: %v\n%s", err, sippOut.String())
		case <-time.After(100 * time.Millisecond):
		}
		if i > 300 {
			t.Fatalf("never registered: %s", out)
		}
	}
	if r := accts[0]; r.Contact != phone.Contact("alice") || r.UserAgent != "sipp-sipctl-test" {
		t.Errorf("registration: %+v", r)
	}

	out, errOut, code := env.Run(t, "", "devices", "resync", "--dir", prov, "--json")
	if code != 0 {
		cancel()
		<-stopped
		errs, _ := os.ReadFile(filepath.Join(dir, "sipp-errors.log"))
		t.Fatalf("resync: exit %d\n%s%s\nsipp:\n%s%s", code, out, errOut, sippOut.String(), errs)
	}
	var results []Result
	if err := json.Unmarshal([]byte(out), &results); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(results) != 1 || results[0].Notify != "200 OK" || results[0].Event != "check-sync" {
		t.Errorf("resync: %s", out)
	}
	select {
	case err := <-exited:
		if err != nil {
			errs, _ := os.ReadFile(filepath.Join(dir, "sipp-errors.log"))
			t.Fatalf("sipp (the phone) failed: %v\n%s%s", err, sippOut.String(), errs)
		}
	case <-ctx.Done():
		t.Fatal("sipp did not finish")
	}
}
