package sip

import (
	"context"
	"net"
	"testing"
	"time"
)

func check(t *testing.T, o CheckOptions) CheckResult {
	t.Helper()
	if o.Timeout == 0 {
		o.Timeout = 5 * time.Second
	}
	res, err := Check(context.Background(), o)
	if err != nil {
		t.Fatalf("Check: %v", err)
	}
	return res
}

func TestCheckAccepted(t *testing.T) {
	reg := startRegistrar(t, RegistrarOptions{})
	for _, tc := range []struct{ transport, addr string }{{"udp", reg.udp}, {"tcp", reg.tcp}} {
		t.Run(tc.transport, func(t *testing.T) {
			res := check(t, CheckOptions{Username: testUser, Password: testPassword, Domain: testDomain, Registrar: tc.addr, Transport: tc.transport})
			if res.Outcome != Accepted || res.StatusCode != 200 {
				t.Fatalf("outcome %s %d %q, want accepted 200", res.Outcome, res.StatusCode, res.Reason)
			}
			if res.Registrar != tc.addr || res.Transport != tc.transport {
				t.Errorf("registrar/transport = %s/%s, want %s/%s", res.Registrar, res.Transport, tc.addr, tc.transport)
			}
			if res.RTT <= 0 {
				t.Errorf("RTT = %v, want > 0", res.RTT)
			}
			if len(res.Bindings) != 0 {
				t.Errorf("query REGISTER reported bindings %v, want none", res.Bindings)
			}
		})
	}
	if b := reg.Bindings(testDomain, testUser); len(b) != 0 {
		t.Fatalf("query REGISTERs created bindings: %v", b)
	}
}

func TestCheckRejected(t *testing.T) {
	reg := startRegistrar(t, RegistrarOptions{})
	reg.store.set("other.example.com", "bob", "bobs-password")
	for _, tc := range []struct {
		name, user, password, domain string
		status                       int
	}{
		{"wrong password", testUser, "not-the-password", testDomain, 403},
		{"unknown user", "mallory", testPassword, testDomain, 404},
		{"unknown domain", testUser, testPassword, "nowhere.example.net", 404},
		// Right password for another realm's account must not cross over.
		{"other domain's user", "bob", "bobs-password", testDomain, 404},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := check(t, CheckOptions{Username: tc.user, Password: tc.password, Domain: tc.domain, Registrar: reg.udp})
			if res.Outcome != Rejected || res.StatusCode != tc.status {
				t.Fatalf("outcome %s %d %q, want rejected %d", res.Outcome, res.StatusCode, res.Reason, tc.status)
			}
		})
	}
}

func TestCheckNoAnswer(t *testing.T) {
	addr := silentUDP(t)
	res := check(t, CheckOptions{Username: testUser, Password: testPassword, Domain: testDomain, Registrar: addr, Timeout: 700 * time.Millisecond})
	if res.Outcome != NoAnswer || res.StatusCode != 0 {
		t.Fatalf("outcome %s %d, want no-answer", res.Outcome, res.StatusCode)
	}
	if res.Reason == "" {
		t.Error("no-answer without a reason")
	}
}

func TestCheckNoAnswerTCPRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // now nobody listens there
	res := check(t, CheckOptions{Username: testUser, Password: testPassword, Domain: testDomain, Registrar: addr, Transport: "tcp", Timeout: 2 * time.Second})
	if res.Outcome != NoAnswer {
		t.Fatalf("outcome %s %d %q, want no-answer", res.Outcome, res.StatusCode, res.Reason)
	}
}

func TestCheckRegisterCreatesBinding(t *testing.T) {
	reg := startRegistrar(t, RegistrarOptions{})
	res := check(t, CheckOptions{Username: testUser, Password: testPassword, Domain: testDomain, Registrar: reg.udp, Register: true})
	if res.Outcome != Accepted {
		t.Fatalf("outcome %s %d %q", res.Outcome, res.StatusCode, res.Reason)
	}
	if len(res.Bindings) != 1 || res.Bindings[0].Expires <= 0 || res.Bindings[0].Expires > registerExpires {
		t.Fatalf("bindings %+v, want one with 0 < expires <= %d", res.Bindings, registerExpires)
	}
	// A later query reports the same binding without changing it.
	q := check(t, CheckOptions{Username: testUser, Password: testPassword, Domain: testDomain, Registrar: reg.tcp, Transport: "tcp"})
	if len(q.Bindings) != 1 || q.Bindings[0].Contact != res.Bindings[0].Contact {
		t.Fatalf("query bindings %+v, want %+v", q.Bindings, res.Bindings)
	}
	if got := reg.Bindings(testDomain, testUser); len(got) != 1 {
		t.Fatalf("registrar holds %v", got)
	}
}

func TestCheckOptionErrors(t *testing.T) {
	for _, o := range []CheckOptions{
		{Domain: testDomain},
		{Username: testUser},
		{Username: testUser, Domain: testDomain, Transport: "sctp"},
		{Username: testUser, Domain: testDomain, Registrar: "no-port"},
	} {
		if _, err := Check(context.Background(), o); err == nil {
			t.Errorf("Check(%+v) = nil error", o)
		}
	}
}

func TestResolveRegistrarIPLiteral(t *testing.T) {
	got, err := resolveRegistrar(context.Background(), nil, "192.0.2.7", "tls")
	if err != nil || got != "192.0.2.7:5061" {
		t.Fatalf("got %q, %v", got, err)
	}
}
