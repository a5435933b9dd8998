package sip

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"
)

// FuzzRegistrarRequest feeds arbitrary bytes through the path a datagram
// takes on the registrar's port: sipgo's parser, then handleRegister's
// parsing and digest authorisation. It must never panic, and must never
// answer 200 to a request without digest credentials.
func FuzzRegistrarRequest(f *testing.F) {
	store := newMemStore()
	store.set(testDomain, testUser, testPassword)
	clock := &fakeClock{now: time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)}
	r, err := NewRegistrar(store, RegistrarOptions{Now: clock.Now})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { r.Close() })

	// Seeds: a query, a registration answering a real challenge, and damaged
	// variants of each.
	d := &direct{t: f, r: r, store: store, clock: clock}
	base := "REGISTER sip:" + testDomain + " SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5099;branch=z9hG4bK-1\r\n" +
		"From: <sip:alice@" + testDomain + ">;tag=abc\r\nTo: <sip:alice@" + testDomain + ">\r\n" +
		"Call-ID: c1\r\nCSeq: 1 REGISTER\r\n"
	f.Add([]byte(base + "Content-Length: 0\r\n\r\n"))
	chal := d.send(testUser)
	auth := authorization(f, chal, testUser, testPassword)
	f.Add([]byte(base + auth + "\r\nContact: <sip:alice@192.0.2.1>;expires=60\r\nContent-Length: 0\r\n\r\n"))
	f.Add([]byte(base + auth + "\r\nContact: *\r\nExpires: 0\r\nContent-Length: 0\r\n\r\n"))
	f.Add([]byte(base + "Authorization: Digest username=\"alice\", nc=zz\r\nContent-Length: 0\r\n\r\n"))
	f.Add([]byte(base + "Authorization: Digest \"\r\nContact: <sip:@>;expires=-1\r\nContent-Length: 0\r\n\r\n"))
	f.Add([]byte(base + "Contact: <sip:a@b>, <sip:c@d>;expires=99999999999\r\nExpires: 4294967296\r\nContent-Length: 0\r\n\r\n"))
	f.Add([]byte("REGISTER sip: SIP/2.0\r\nTo: <sip:@>\r\n\r\n"))
	f.Add([]byte("\x00\r\n\r\n"))

	f.Fuzz(func(t *testing.T, data []byte) {
		msg, err := sip.NewParser().ParseSIP(data)
		if err != nil {
			return // sipgo drops what it cannot parse
		}
		req, ok := msg.(*sip.Request)
		if !ok {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		res := r.handleRegister(ctx, req)
		if res == nil {
			return
		}
		if res.StatusCode == 200 && req.GetHeader("Authorization") == nil {
			t.Fatalf("200 without credentials for:\n%q", data)
		}
		// The response must serialise: the transport writes it next.
		if s := res.String(); !strings.HasPrefix(s, "SIP/2.0 ") {
			t.Fatalf("bad response start line %q", s)
		}
	})
}
