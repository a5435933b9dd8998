// Package sipptest drives sipp, the SIP traffic generator, as a phone in
// tests: a digest REGISTER (the 401 challenge, then the authenticated retry)
// and an OPTIONS, each of which must draw an expected status. Every test
// that proves a registrar with a real SIP peer uses it (internal/sip's
// registrar, internal/kamailio's Kamailio, the sandbox's Telnyx face).
package sipptest

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sipctl/sipctl/internal/testenv"
)

// registerScenario is a REGISTER with digest: the 401 challenge, then the
// authenticated retry, which must draw the expected final status. The
// credentials go in the scenario file (0600), never on sipp's command line.
const registerScenario = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="sipctl register with digest">
  <send retrans="500">
    <![CDATA[
      REGISTER sip:{{domain}} SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:{{user}}@{{domain}}>;tag=[pid]SIPpTag00[call_number]
      To: <sip:{{user}}@{{domain}}>
      Call-ID: [call_id]
      CSeq: 1 REGISTER
      Contact: <sip:{{user}}@[local_ip]:[local_port]>
      Expires: {{expires}}
      Max-Forwards: 70
      User-Agent: sipp-sipctl-test
      Content-Length: 0

    ]]>
  </send>
  <recv response="401" auth="true"/>
  <send retrans="500">
    <![CDATA[
      REGISTER sip:{{domain}} SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:{{user}}@{{domain}}>;tag=[pid]SIPpTag00[call_number]
      To: <sip:{{user}}@{{domain}}>
      Call-ID: [call_id]
      CSeq: 2 REGISTER
      Contact: <sip:{{user}}@[local_ip]:[local_port]>
      Expires: {{expires}}
      [authentication username={{user}} password={{password}}]
      Max-Forwards: 70
      User-Agent: sipp-sipctl-test
      Content-Length: 0

    ]]>
  </send>
  <recv response="{{expect}}"/>
</scenario>
`

// optionsScenario is one OPTIONS that must draw the expected status.
const optionsScenario = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="sipctl options">
  <send retrans="500">
    <![CDATA[
      OPTIONS sip:{{domain}} SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:probe@{{domain}}>;tag=[pid]SIPpTag00[call_number]
      To: <sip:{{domain}}>
      Call-ID: [call_id]
      CSeq: 1 OPTIONS
      Max-Forwards: 70
      Content-Length: 0

    ]]>
  </send>
  <recv response="{{expect}}"/>
</scenario>
`

// Phone is sipp acting as one phone with a fixed local port, so a later
// REGISTER with Expires: 0 removes the binding an earlier one made.
type Phone struct {
	Registrar string // host:port
	Transport string // udp or tcp
	Port      int    // the local port, in the Contact
	bin       string
	bound     bool // a run succeeded on Port: the Contact is in use
}

// New finds sipp (skipping the test without it) and picks a local port
// free for both UDP and TCP.
func New(t testing.TB, registrar, transport string) *Phone {
	t.Helper()
	if transport != "udp" && transport != "tcp" {
		t.Fatalf("sipptest: transport %q, want udp or tcp", transport)
	}
	return &Phone{Registrar: registrar, Transport: transport, Port: FreePort(t), bin: testenv.LookPath(t, "sipp")}
}

// Contact is the Contact URI the phone registers for user.
func (p *Phone) Contact(user string) string {
	return fmt.Sprintf("sip:%s@127.0.0.1:%d", user, p.Port)
}

// Register sends REGISTER for user@domain with password and Expires, and
// reports whether the authenticated retry drew expect, with sipp's output.
func (p *Phone) Register(t testing.TB, domain, user, password string, expires, expect int) (bool, string) {
	t.Helper()
	// sipp reads the keyword's value up to a space or ']'.
	if strings.ContainsAny(password, " ]\r\n") || strings.Contains(password, "]]>") {
		t.Fatalf("password cannot be written into a sipp [authentication] keyword")
	}
	var esc bytes.Buffer
	if err := xml.EscapeText(&esc, []byte(password)); err != nil {
		t.Fatal(err)
	}
	sc := strings.NewReplacer("{{domain}}", domain, "{{user}}", user, "{{password}}", esc.String(),
		"{{expires}}", fmt.Sprint(expires), "{{expect}}", fmt.Sprint(expect)).Replace(registerScenario)
	return p.run(t, sc)
}

// Options sends OPTIONS and reports whether it drew expect.
func (p *Phone) Options(t testing.TB, domain string, expect int) (bool, string) {
	t.Helper()
	sc := strings.NewReplacer("{{domain}}", domain, "{{expect}}", fmt.Sprint(expect)).Replace(optionsScenario)
	return p.run(t, sc)
}

func (p *Phone) run(t testing.TB, scenario string) (bool, string) {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "scenario.xml")
	if err := os.WriteFile(path, []byte(scenario), 0o600); err != nil {
		t.Fatal(err)
	}
	tflag := "u1"
	if p.Transport == "tcp" {
		tflag = "t1"
	}
	// sipp binds its local port for UDP and, with -t t1, for TCP too: a
	// TCP port of an earlier run may linger in TIME_WAIT, or the port be
	// taken meanwhile, so "address already in use" is retried on another
	// port, as long as no run has put this port in a Contact yet.
	for attempt := 0; ; attempt++ {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		errLog := filepath.Join(dir, fmt.Sprintf("errors-%d.log", attempt))
		cmd := exec.CommandContext(ctx, p.bin, p.Registrar, "-sf", path, "-m", "1", "-timeout", "10s", "-timeout_error",
			"-i", "127.0.0.1", "-p", fmt.Sprint(p.Port), "-t", tflag, "-nostdin",
			"-trace_err", "-error_file", errLog)
		cmd.Dir = dir
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		cancel()
		errs, _ := os.ReadFile(errLog)
		output := out.String() + string(errs)
		if err != nil && !p.bound && attempt < 4 && strings.Contains(strings.ToLower(output), "address already in use") {
			p.Port = FreePort(t)
			continue
		}
		if err == nil {
			p.bound = true
		}
		return err == nil, output
	}
}

// FreePort is a loopback port free for both UDP and TCP.
func FreePort(t testing.TB) int {
	t.Helper()
	for range 50 {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := pc.LocalAddr().(*net.UDPAddr).Port
		pc.Close()
		if l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
			l.Close()
			return port
		}
	}
	t.Fatal("no loopback port free for both UDP and TCP")
	return 0
}
