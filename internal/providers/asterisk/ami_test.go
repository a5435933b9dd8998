package asterisk_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/providers/asterisk"
	"github.com/sipctl/sipctl/internal/providers/asterisk/asterisktest"
)

func TestAMILogin(t *testing.T) {
	s := asterisktest.ScriptedAMI(t, false)
	ctx := context.Background()
	a, err := asterisk.DialAMI(ctx, asterisk.AMIOptions{Addr: s.Addr(), User: "sipctl", Secret: "right"})
	if err != nil {
		t.Fatal(err)
	}
	if a.Banner() != "Asterisk Call Manager/9.0.0" {
		t.Fatalf("banner %q", a.Banner())
	}
	// An event that arrived after the login is skipped; an unknown action
	// is an AMIError naming it.
	if _, _, err := a.Action(ctx, "Nonsense"); err == nil || !strings.Contains(err.Error(), "AMI Nonsense: Invalid/unknown command") {
		t.Fatalf("unknown action: %v", err)
	}
	a.Close()

	_, err = asterisk.DialAMI(ctx, asterisk.AMIOptions{Addr: s.Addr(), User: "sipctl", Secret: "wrong"})
	if !errors.Is(err, asterisk.ErrAMIAuth) || !strings.Contains(err.Error(), "Authentication failed") || strings.Contains(err.Error(), "wrong") {
		t.Fatalf("wrong secret: %v", err)
	}

	// Something that is not an AMI.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err == nil {
			c.Write([]byte("SSH-2.0-OpenSSH_9.2\r\n"))
			c.Close()
		}
	}()
	if _, err := asterisk.DialAMI(ctx, asterisk.AMIOptions{Addr: ln.Addr().String(), User: "sipctl", Secret: "right"}); err == nil || !strings.Contains(err.Error(), "is not an Asterisk Manager Interface") {
		t.Fatalf("not an AMI: %v", err)
	}

	// Nobody listening: no answer (exit 6).
	addr := ln.Addr().String()
	ln.Close()
	_, err = asterisk.DialAMI(ctx, asterisk.AMIOptions{Addr: addr, User: "sipctl", Secret: "right", Timeout: 2 * time.Second})
	if ue, ok := errors.AsType[*asterisk.UnreachableError](err); !ok || ue.What != "AMI" {
		t.Fatalf("closed port: %v", err)
	}
}

// A client without ps_contacts in its database asks the AMI for
// registration status; a dropped connection is dialled again once; a
// password change expires the cached auth.
func TestAMIRegistrationAndCache(t *testing.T) {
	s := asterisktest.ScriptedAMI(t, true)
	db := asterisktest.SQLite(t)
	raw := db.Open(t)
	if _, err := raw.Exec("DROP TABLE ps_contacts"); err != nil {
		t.Fatal(err)
	}
	exp := time.Now().Add(time.Hour).Unix()
	s.SetContacts([]map[string]string{{"ObjectName": "alice;@abc123", "Uri": "sip:alice@192.0.2.10:5060", "UserAgent": "Yealink T54W",
		"ExpirationTime": strconv.FormatInt(exp, 10), "ViaAddress": "192.0.2.10", "ViaPort": "5060", "Endpoint": "alice"}})
	o := db.Options("127.0.0.1:5060")
	o.AMI = &asterisk.AMIOptions{Addr: s.Addr(), User: "sipctl", Secret: "right"}
	var warnings []string
	o.Warn = func(f string, args ...any) { warnings = append(warnings, fmt.Sprintf(f, args...)) }
	c := open(t, o)
	ctx := context.Background()
	alice, err := c.CreateSIPAccount(ctx, provider.NewSIPAccount{Username: "alice", Domain: "127.0.0.1", Password: "alice-Secret-1234"})
	if err != nil {
		t.Fatal(err)
	}
	bob, err := c.CreateSIPAccount(ctx, provider.NewSIPAccount{Username: "bob", Domain: "127.0.0.1", Password: "bob-Secret-12345"})
	if err != nil {
		t.Fatal(err)
	}
	st, err := c.RegistrationStatus(ctx, []provider.SIPAccount{alice, bob})
	if err != nil {
		t.Fatal(err)
	}
	a := st[alice.Ref]
	if a.State != provider.Registered || a.Contact != "sip:alice@192.0.2.10:5060" || a.UserAgent != "Yealink T54W" ||
		a.Source != "192.0.2.10:5060" || a.Expires.Unix() != exp {
		t.Fatalf("alice: %+v", a)
	}
	if st[bob.Ref].State != provider.NotRegistered {
		t.Fatalf("bob: %+v", st[bob.Ref])
	}
	conns := s.Connections()
	if conns != 2 {
		t.Fatalf("%d connections, want 2 (the first dropped)", conns)
	}

	// One account: PJSIPShowEndpoint.
	st, err = c.RegistrationStatus(ctx, []provider.SIPAccount{alice})
	if r := st[alice.Ref]; err != nil || r.State != provider.Registered || r.UserAgent != "Yealink T54W" || r.Source != "192.0.2.10:5060" || r.Expires.IsZero() {
		t.Fatalf("one account: %+v %v", r, err)
	}

	if err := c.SetSIPPassword(ctx, alice, "alice-Secret-5678"); err != nil {
		t.Fatal(err)
	}
	expired := strings.Join(s.Expired(), ",")
	if expired != "res_pjsip/auth/alice" || len(warnings) != 0 {
		t.Fatalf("expired %q, warnings %v", expired, warnings)
	}

	// A cache of the whole backend refuses single expiries: it is
	// repopulated instead.
	o.AMI.AuthCache = asterisktest.FullBackendCache
	full := open(t, o)
	if err := full.SetSIPPassword(ctx, alice, "alice-Secret-9999"); err != nil {
		t.Fatal(err)
	}
	if got := s.Expired(); len(got) != 2 || got[1] != asterisktest.FullBackendCache+" populated" || len(warnings) != 0 {
		t.Fatalf("full backend cache: %v, warnings %v", got, warnings)
	}
	// A cache Asterisk does not have: a warning, the password is set.
	o.AMI.AuthCache = "nosuch/auth"
	s.SetContacts(nil)
	none := open(t, o)
	if err := none.SetSIPPassword(ctx, alice, "alice-Secret-0000"); err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "was not expired") {
		t.Fatalf("warnings %v", warnings)
	}
}
