package sip

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

// sippScenario is a REGISTER with digest: the 401 challenge, then the
// authenticated retry, which must draw the expected final status. The
// credentials go in the scenario file (0600), not on sipp's command line.
const sippScenario = `<?xml version="1.0" encoding="ISO-8859-1" ?>
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
      Expires: 120
      Max-Forwards: 70
      User-Agent: sipp
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
      Expires: 120
      [authentication username={{user}} password={{password}}]
      Max-Forwards: 70
      User-Agent: sipp
      Content-Length: 0

    ]]>
  </send>
  <recv response="{{expect}}"/>
</scenario>
`

// runSipp runs sipp once against registrar (host:port on 127.0.0.1) and
// reports whether the final answer was the expected status, with sipp's
// output for the failure message.
func runSipp(t *testing.T, registrar, transport, domain, user, password string, expect int) (ok bool, output string) {
	t.Helper()
	sipp := testenv.LookPath(t, "sipp")
	// sipp reads the keyword's value up to a space or ']'.
	if strings.ContainsAny(password, " ]\r\n") || strings.Contains(password, "]]>") {
		t.Fatalf("password cannot be written into a sipp [authentication] keyword")
	}
	var esc bytes.Buffer
	if err := xml.EscapeText(&esc, []byte(password)); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	scenario := strings.NewReplacer("{{domain}}", domain, "{{user}}", user, "{{password}}", esc.String(),
		"{{expect}}", fmt.Sprint(expect)).Replace(sippScenario)
	path := filepath.Join(dir, "register.xml")
	if err := os.WriteFile(path, []byte(scenario), 0o600); err != nil {
		t.Fatal(err)
	}
	tflag := "u1"
	if transport == "tcp" {
		tflag = "t1"
	}
	// sipp binds its local port for UDP and, with -t t1, for TCP too: the
	// port must be free for both, and a TCP port of an earlier run may
	// linger in TIME_WAIT or be taken meanwhile, so "address already in use"
	// is retried on another port.
	for attempt := 0; ; attempt++ {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		errLog := filepath.Join(dir, fmt.Sprintf("errors-%d.log", attempt))
		cmd := exec.CommandContext(ctx, sipp, registrar,
			"-sf", path, "-m", "1", "-timeout", "10s", "-timeout_error",
			"-i", "127.0.0.1", "-p", fmt.Sprint(freeLocalPort(t)), "-t", tflag,
			"-nostdin", "-trace_err", "-error_file", errLog)
		cmd.Dir = dir
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		cancel()
		errs, _ := os.ReadFile(errLog)
		output = out.String() + string(errs)
		if err != nil && attempt < 4 && strings.Contains(strings.ToLower(output), "address already in use") {
			continue
		}
		return err == nil, output
	}
}

// freeLocalPort is a loopback port free for both UDP and TCP.
func freeLocalPort(t *testing.T) int {
	t.Helper()
	for range 50 {
		port := freeUDPPort(t)
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err == nil {
			l.Close()
			return port
		}
	}
	t.Fatal("no loopback port free for both UDP and TCP")
	return 0
}

func freeUDPPort(t *testing.T) int {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	return pc.LocalAddr().(*net.UDPAddr).Port
}

func TestSippRegister(t *testing.T) {
	testenv.LookPath(t, "sipp")
	reg := startRegistrar(t, RegistrarOptions{})
	for _, tc := range []struct{ transport, addr string }{{"udp", reg.udp}, {"tcp", reg.tcp}} {
		t.Run(tc.transport+"/right password gets 200", func(t *testing.T) {
			if ok, out := runSipp(t, tc.addr, tc.transport, testDomain, testUser, testPassword, 200); !ok {
				t.Fatalf("sipp did not get 200:\n%s", out)
			}
			if b := reg.Bindings(testDomain, testUser); len(b) == 0 {
				t.Fatal("sipp's REGISTER left no binding")
			}
		})
		t.Run(tc.transport+"/wrong password gets 403", func(t *testing.T) {
			if ok, out := runSipp(t, tc.addr, tc.transport, testDomain, testUser, "wrong-password", 403); !ok {
				t.Fatalf("sipp did not get 403:\n%s", out)
			}
		})
		t.Run(tc.transport+"/expecting 200 with a wrong password fails", func(t *testing.T) {
			// Proves the harness can fail: sipp must notice the 403.
			if ok, _ := runSipp(t, tc.addr, tc.transport, testDomain, testUser, "wrong-password", 200); ok {
				t.Fatal("sipp reported success for a wrong password")
			}
		})
	}
}
