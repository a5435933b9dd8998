package kamailiotest

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
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
<scenario name="sipctl kamailio register">
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
<scenario name="sipctl kamailio options">
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

// Sipp is sipp acting as one phone with a fixed local port, so a later
// REGISTER with Expires: 0 removes the binding an earlier one made.
type Sipp struct {
	Registrar string
	Port      int
	bin       string
}

// NewSipp finds sipp and picks a local port.
func NewSipp(t testing.TB, registrar string) *Sipp {
	t.Helper()
	return &Sipp{Registrar: registrar, Port: FreePort(t), bin: testenv.LookPath(t, "sipp")}
}

// Contact is the Contact URI sipp registers for user.
func (s *Sipp) Contact(user string) string {
	return fmt.Sprintf("sip:%s@127.0.0.1:%d", user, s.Port)
}

// Register sends REGISTER for user@domain with password and Expires, and
// reports whether the authenticated retry drew expect, with sipp's output.
func (s *Sipp) Register(t testing.TB, domain, user, password string, expires, expect int) (bool, string) {
	t.Helper()
	if strings.ContainsAny(password, " ]\r\n") || strings.Contains(password, "]]>") {
		t.Fatalf("password cannot be written into a sipp [authentication] keyword")
	}
	var esc bytes.Buffer
	xml.EscapeText(&esc, []byte(password))
	sc := strings.NewReplacer("{{domain}}", domain, "{{user}}", user, "{{password}}", esc.String(),
		"{{expires}}", fmt.Sprint(expires), "{{expect}}", fmt.Sprint(expect)).Replace(registerScenario)
	return s.run(t, sc)
}

// Options sends OPTIONS and reports whether it drew expect.
func (s *Sipp) Options(t testing.TB, domain string, expect int) (bool, string) {
	t.Helper()
	sc := strings.NewReplacer("{{domain}}", domain, "{{expect}}", fmt.Sprint(expect)).Replace(optionsScenario)
	return s.run(t, sc)
}

func (s *Sipp) run(t testing.TB, scenario string) (bool, string) {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "scenario.xml")
	if err := os.WriteFile(path, []byte(scenario), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, s.bin, s.Registrar, "-sf", path, "-m", "1", "-timeout", "10s", "-timeout_error",
		"-i", "127.0.0.1", "-p", fmt.Sprint(s.Port), "-t", "u1", "-nostdin",
		"-trace_err", "-error_file", filepath.Join(dir, "errors.log"))
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	errs, _ := os.ReadFile(filepath.Join(dir, "errors.log"))
	return err == nil, out.String() + string(errs)
}
