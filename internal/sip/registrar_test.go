package sip

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"
	"github.com/icholy/digest"
)

// fakeClock is a settable clock for nonce and binding expiry.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// direct drives handleRegister with parsed requests, the way the transport
// would, without sockets.
type direct struct {
	t     testing.TB
	r     *Registrar
	store *memStore
	clock *fakeClock
	cseq  int
}

func newDirect(t *testing.T) *direct {
	clock := &fakeClock{now: time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)}
	store := newMemStore()
	store.set(testDomain, testUser, testPassword)
	r, err := NewRegistrar(store, RegistrarOptions{Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return &direct{t: t, r: r, store: store, clock: clock}
}

func parseRequest(t testing.TB, raw string) *sip.Request {
	t.Helper()
	msg, err := sip.NewParser().ParseSIP([]byte(strings.ReplaceAll(raw, "\n", "\r\n")))
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, raw)
	}
	return msg.(*sip.Request)
}

// send builds a REGISTER for user@testDomain with extra header lines and
// returns the registrar's answer.
func (d *direct) send(user string, extra ...string) *sip.Response {
	d.t.Helper()
	d.cseq++
	raw := fmt.Sprintf(`REGISTER sip:%[1]s SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:5099;branch=z9hG4bK-%[3]d
From: <sip:%[2]s@%[1]s>;tag=abc
To: <sip:%[2]s@%[1]s>
Call-ID: call-1@test
CSeq: %[3]d REGISTER
Max-Forwards: 70
`, testDomain, user, d.cseq)
	for _, h := range extra {
		raw += h + "\n"
	}
	raw += "Content-Length: 0\n\n"
	res := d.r.handleRegister(context.Background(), parseRequest(d.t, raw))
	if res == nil {
		d.t.Fatalf("request dropped:\n%s", raw)
	}
	return res
}

// authorization answers a 401's challenge.
func authorization(t testing.TB, res *sip.Response, user, password string) string {
	t.Helper()
	h := res.GetHeader("WWW-Authenticate")
	if h == nil {
		t.Fatalf("%d without WWW-Authenticate", res.StatusCode)
	}
	chal, err := digest.ParseChallenge(h.Value())
	if err != nil {
		t.Fatal(err)
	}
	cred, err := digest.Digest(chal, digest.Options{Method: "REGISTER", URI: "sip:" + testDomain, Username: user, Password: password})
	if err != nil {
		t.Fatal(err)
	}
	return "Authorization: " + cred.String()
}

// register does the challenge round and returns the final answer.
func (d *direct) register(password string, extra ...string) *sip.Response {
	d.t.Helper()
	res := d.send(testUser, extra...)
	if res.StatusCode != 401 {
		d.t.Fatalf("first REGISTER: %d %s, want 401", res.StatusCode, res.Reason)
	}
	return d.send(testUser, append(extra, authorization(d.t, res, testUser, password))...)
}

func contacts(res *sip.Response) []string {
	var out []string
	for _, b := range bindingsFrom(res) {
		out = append(out, fmt.Sprintf("%s;expires=%d", b.Contact, b.Expires))
	}
	return out
}

func TestRegistrarChallenge(t *testing.T) {
	d := newDirect(t)
	res := d.send(testUser)
	if res.StatusCode != 401 {
		t.Fatalf("got %d, want 401", res.StatusCode)
	}
	chal, err := digest.ParseChallenge(res.GetHeader("WWW-Authenticate").Value())
	if err != nil {
		t.Fatal(err)
	}
	if chal.Realm != testDomain || !chal.SupportsQOP("auth") || chal.Algorithm != "MD5" || chal.Nonce == "" || chal.Stale {
		t.Fatalf("challenge %+v", chal)
	}
	if to := res.To(); to == nil || !to.Params.Has("tag") {
		t.Error("401 without a To tag")
	}
}

func TestRegistrarBindingsLifecycle(t *testing.T) {
	d := newDirect(t)
	res := d.register(testPassword, "Contact: <sip:alice@192.0.2.1:5060>", "Expires: 300")
	if res.StatusCode != 200 {
		t.Fatalf("register: %d %s", res.StatusCode, res.Reason)
	}
	if got := contacts(res); len(got) != 1 || got[0] != "sip:alice@192.0.2.1:5060;expires=300" {
		t.Fatalf("200 contacts %v", got)
	}

	// A second device, with its own expiry in the Contact parameter.
	res = d.register(testPassword, "Contact: <sip:alice@192.0.2.2:5070;transport=tcp>;expires=120")
	if got := contacts(res); len(got) != 2 {
		t.Fatalf("after second device: %v", got)
	}

	// A query (no Contact) lists without changing anything.
	d.clock.Add(100 * time.Second)
	res = d.register(testPassword)
	want := []string{"sip:alice@192.0.2.1:5060;expires=200", "sip:alice@192.0.2.2:5070;transport=tcp;expires=20"}
	if got := contacts(res); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("query: %v, want %v", got, want)
	}

	// Bindings expire.
	d.clock.Add(30 * time.Second)
	if got := d.r.Bindings(testDomain, testUser); len(got) != 1 || got[0].Contact != "sip:alice@192.0.2.1:5060" {
		t.Fatalf("after expiry: %v", got)
	}

	// Expires: 0 on one contact removes it.
	res = d.register(testPassword, "Contact: <sip:alice@192.0.2.1:5060>;expires=0")
	if res.StatusCode != 200 || len(contacts(res)) != 0 {
		t.Fatalf("remove one: %d %v", res.StatusCode, contacts(res))
	}

	// Contact: * with Expires: 0 removes all.
	d.register(testPassword, "Contact: <sip:alice@192.0.2.3>", "Expires: 600")
	d.register(testPassword, "Contact: <sip:alice@192.0.2.4>", "Expires: 600")
	res = d.register(testPassword, "Contact: *", "Expires: 0")
	if res.StatusCode != 200 || len(contacts(res)) != 0 || len(d.r.Bindings(testDomain, testUser)) != 0 {
		t.Fatalf("remove all: %d %v", res.StatusCode, contacts(res))
	}
}

func TestRegistrarRejectsBadRegisters(t *testing.T) {
	d := newDirect(t)
	for _, tc := range []struct {
		name   string
		extra  []string
		status int
	}{
		{"wildcard without Expires 0", []string{"Contact: *", "Expires: 60"}, 400},
		{"wildcard with another contact", []string{"Contact: *", "Contact: <sip:alice@192.0.2.9>", "Expires: 0"}, 400},
		{"interval too brief", []string{"Contact: <sip:alice@192.0.2.9>;expires=5"}, 423},
		{"malformed Expires", []string{"Contact: <sip:alice@192.0.2.9>", "Expires: soon"}, 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := d.register(testPassword, tc.extra...)
			if res.StatusCode != tc.status {
				t.Fatalf("got %d %s, want %d", res.StatusCode, res.Reason, tc.status)
			}
			if tc.status == 423 && res.GetHeader("Min-Expires") == nil {
				t.Error("423 without Min-Expires")
			}
		})
	}
	if got := d.r.Bindings(testDomain, testUser); len(got) != 0 {
		t.Fatalf("rejected REGISTERs left bindings: %v", got)
	}
}

func TestRegistrarCapsExpires(t *testing.T) {
	d := newDirect(t)
	res := d.register(testPassword, "Contact: <sip:alice@192.0.2.1>", "Expires: 999999")
	if got := contacts(res); len(got) != 1 || got[0] != "sip:alice@192.0.2.1;expires=7200" {
		t.Fatalf("got %v, want expiry capped at 7200", got)
	}
}

func TestRegistrarTooManyBindings(t *testing.T) {
	d := newDirect(t)
	for i := range 10 {
		if res := d.register(testPassword, fmt.Sprintf("Contact: <sip:alice@192.0.2.%d>", i+1)); res.StatusCode != 200 {
			t.Fatalf("binding %d: %d", i, res.StatusCode)
		}
	}
	if res := d.register(testPassword, "Contact: <sip:alice@192.0.2.99>"); res.StatusCode != 403 {
		t.Fatalf("11th binding: %d %s, want 403", res.StatusCode, res.Reason)
	}
}

func TestRegistrarStaleNonce(t *testing.T) {
	d := newDirect(t)
	first := d.send(testUser)
	d.clock.Add(6 * time.Minute) // past the 5-minute nonce lifetime

	res := d.send(testUser, authorization(t, first, testUser, testPassword))
	if res.StatusCode != 401 {
		t.Fatalf("old nonce, right password: %d, want 401", res.StatusCode)
	}
	chal, _ := digest.ParseChallenge(res.GetHeader("WWW-Authenticate").Value())
	if !chal.Stale {
		t.Fatal("401 for an expired nonce lacks stale=true")
	}
	// The fresh nonce works.
	if res := d.send(testUser, authorization(t, res, testUser, testPassword)); res.StatusCode != 200 {
		t.Fatalf("fresh nonce: %d", res.StatusCode)
	}

	// A wrong password with an expired nonce is a 403, not a stale retry.
	first = d.send(testUser)
	d.clock.Add(6 * time.Minute)
	if res := d.send(testUser, authorization(t, first, testUser, "wrong")); res.StatusCode != 403 {
		t.Fatalf("old nonce, wrong password: %d, want 403", res.StatusCode)
	}
}

func TestRegistrarForgedNonceAndRealm(t *testing.T) {
	d := newDirect(t)
	res := d.send(testUser)
	good := authorization(t, res, testUser, testPassword)

	forged := strings.Replace(good, `nonce="`, `nonce="A`, 1)
	if res := d.send(testUser, forged); res.StatusCode != 401 {
		t.Fatalf("forged nonce: %d, want a fresh 401", res.StatusCode)
	}
	otherRealm := strings.Replace(good, `realm="`+testDomain, `realm="evil.example.com`, 1)
	if res := d.send(testUser, otherRealm); res.StatusCode != 401 {
		t.Fatalf("other realm: %d, want 401", res.StatusCode)
	}
	// Alice's valid credentials cannot register someone else's AoR.
	d.store.set(testDomain, "bob", "bobs-password")
	if res := d.send("bob", good); res.StatusCode != 403 {
		t.Fatalf("alice's credentials for bob: %d, want 403", res.StatusCode)
	}
}

func TestRegistrarPasswordChangeTakesEffect(t *testing.T) {
	d := newDirect(t)
	if res := d.register(testPassword); res.StatusCode != 200 {
		t.Fatalf("before rotation: %d", res.StatusCode)
	}
	d.store.set(testDomain, testUser, "the-new-password")
	if res := d.register(testPassword); res.StatusCode != 403 {
		t.Fatalf("old password after rotation: %d, want 403", res.StatusCode)
	}
	if res := d.register("the-new-password"); res.StatusCode != 200 {
		t.Fatalf("new password: %d, want 200", res.StatusCode)
	}
}

type failingStore struct{}

func (failingStore) LookupHA1(context.Context, string, string) (string, error) {
	return "", fmt.Errorf("database is locked")
}

func TestRegistrarStoreFailureIs500(t *testing.T) {
	r, err := NewRegistrar(failingStore{}, RegistrarOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	d := &direct{t: t, r: r}
	if res := d.send(testUser); res.StatusCode != 500 {
		t.Fatalf("got %d, want 500", res.StatusCode)
	}
}

func TestRegistrarDropsRequestsMissingHeaders(t *testing.T) {
	d := newDirect(t)
	raw := "REGISTER sip:" + testDomain + " SIP/2.0\nVia: SIP/2.0/UDP 127.0.0.1:5099;branch=z9hG4bK-1\nContent-Length: 0\n\n"
	if res := d.r.handleRegister(context.Background(), parseRequest(t, raw)); res != nil {
		t.Fatalf("answered a request without From/To/Call-ID/CSeq: %d", res.StatusCode)
	}
}

func TestRegistrarSurvivesMalformedInput(t *testing.T) {
	reg := startRegistrar(t, RegistrarOptions{})
	junk := [][]byte{
		[]byte("\x00\x01\x02garbage"),
		[]byte("REGISTER sip: SIP/2.0\r\nTo: <sip:@>\r\n\r\n"),
		[]byte("REGISTER sip:" + testDomain + " SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK-x\r\n" +
			"From: <sip:alice@" + testDomain + ">;tag=1\r\nTo: <sip:alice@" + testDomain + ">\r\nCall-ID: x\r\nCSeq: 1 REGISTER\r\n" +
			"Authorization: Digest \"\r\nContent-Length: 99999\r\n\r\n"),
		[]byte(strings.Repeat("A", 70000)),
	}
	for _, network := range []string{"udp", "tcp"} {
		addr := reg.udp
		if network == "tcp" {
			addr = reg.tcp
		}
		c, err := net.Dial(network, addr)
		if err != nil {
			t.Fatal(err)
		}
		for _, j := range junk {
			if len(j) > 60000 && network == "udp" {
				continue
			}
			c.Write(j)
		}
		c.Close()
	}
	for _, tc := range []struct{ transport, addr string }{{"udp", reg.udp}, {"tcp", reg.tcp}} {
		res := check(t, CheckOptions{Username: testUser, Password: testPassword, Domain: testDomain, Registrar: tc.addr, Transport: tc.transport})
		if res.Outcome != Accepted {
			t.Fatalf("%s after junk: %s %d %q", tc.transport, res.Outcome, res.StatusCode, res.Reason)
		}
	}
}
