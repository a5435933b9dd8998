package asterisk_test

import (
	"bufio"
	"context"
	"errors"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/providers/asterisk"
	"github.com/sipctl/sipctl/internal/providers/asterisk/asterisktest"
)

// amiServer speaks the documented AMI protocol from a script: a banner,
// Login (secret "right"), PJSIPShowContacts and PJSIPShowEndpoint as event
// lists with an unrelated event in between, SorceryMemoryCacheExpireObject;
// every answer is written in pieces cut mid-line, and the first action after
// the first login can be answered by dropping the connection.
type amiServer struct {
	t    *testing.T
	ln   net.Listener
	drop bool // drop the first connection at its first action after Login

	mu       sync.Mutex
	conns    int
	expired  []string // Cache/Object pairs
	contacts []map[string]string
	wg       sync.WaitGroup
}

func startAMI(t *testing.T, drop bool) *amiServer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &amiServer{t: t, ln: ln, drop: drop}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.conns++
			n := s.conns
			s.mu.Unlock()
			s.wg.Add(1)
			go func() { defer s.wg.Done(); s.serve(c, n) }()
		}
	}()
	t.Cleanup(func() { ln.Close(); s.wg.Wait() })
	return s
}

func (s *amiServer) addr() string { return s.ln.Addr().String() }

// send writes a message in three pieces, cut inside lines.
func send(c net.Conn, lines ...string) {
	msg := strings.Join(lines, "\r\n") + "\r\n\r\n"
	third := len(msg) / 3
	for _, part := range []string{msg[:third], msg[third : 2*third], msg[2*third:]} {
		c.Write([]byte(part))
	}
}

func (s *amiServer) serve(c net.Conn, n int) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	c.Write([]byte("Asterisk Call Manager/9.0.0\r\n"))
	r := bufio.NewReader(c)
	loggedIn := false
	for {
		m := map[string]string{}
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			line = strings.TrimRight(line, "\r\n")
			if line == "" {
				break
			}
			k, v, _ := strings.Cut(line, ":")
			m[strings.ToLower(k)] = strings.TrimSpace(v)
		}
		id := "ActionID: " + m["actionid"]
		switch action := strings.ToLower(m["action"]); {
		case action == "login":
			if m["username"] != "sipctl" || m["secret"] != "right" {
				send(c, "Response: Error", id, "Message: Authentication failed")
				return
			}
			loggedIn = true
			send(c, "Response: Success", id, "Message: Authentication accepted")
			send(c, "Event: FullyBooted", "Privilege: system,all", "Status: Fully Booted")
		case !loggedIn:
			send(c, "Response: Error", id, "Message: Permission denied")
		case s.drop && n == 1:
			return // the connection drops with the action unanswered
		case action == "pjsipshowcontacts":
			send(c, "Response: Success", id, "EventList: start", "Message: A listing of Contacts follows, presented as ContactList events")
			send(c, "Event: PeerStatus", "Privilege: system,all", "Peer: PJSIP/other")
			s.mu.Lock()
			list := s.contacts
			s.mu.Unlock()
			for _, ct := range list {
				lines := []string{"Event: ContactList", id}
				for k, v := range ct {
					lines = append(lines, k+": "+v)
				}
				send(c, lines...)
			}
			send(c, "Event: ContactListComplete", id, "EventList: Complete", "ListItems: 1")
		case action == "pjsipshowendpoint":
			send(c, "Response: Success", id, "EventList: start")
			send(c, "Event: EndpointDetail", id, "ObjectName: "+m["endpoint"], "DeviceState: Not in use")
			send(c, "Event: ContactStatusDetail", id, "URI: sip:"+m["endpoint"]+"@192.0.2.10:5060", "Status: Reachable")
			send(c, "Event: EndpointDetailComplete", id, "EventList: Complete", "ListItems: 2")
		case action == "sorcerymemorycacheexpireobject":
			s.mu.Lock()
			s.expired = append(s.expired, m["cache"]+"/"+m["object"])
			s.mu.Unlock()
			send(c, "Response: Success", id, "Message: Object was expired from the cache")
		case action == "logoff":
			send(c, "Response: Goodbye", id, "Message: Thanks for all the fish.")
			return
		default:
			send(c, "Response: Error", id, "Message: Invalid/unknown command")
		}
	}
}

func TestAMILogin(t *testing.T) {
	s := startAMI(t, false)
	ctx := context.Background()
	a, err := asterisk.DialAMI(ctx, asterisk.AMIOptions{Addr: s.addr(), User: "sipctl", Secret: "right"})
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

	_, err = asterisk.DialAMI(ctx, asterisk.AMIOptions{Addr: s.addr(), User: "sipctl", Secret: "wrong"})
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
	s := startAMI(t, true)
	db := asterisktest.SQLite(t)
	raw := db.Open(t)
	if _, err := raw.Exec("DROP TABLE ps_contacts"); err != nil {
		t.Fatal(err)
	}
	exp := time.Now().Add(time.Hour).Unix()
	s.mu.Lock()
	s.contacts = []map[string]string{{"ObjectName": "alice;@abc123", "Uri": "sip:alice@192.0.2.10:5060", "UserAgent": "Yealink T54W",
		"ExpirationTime": strconv.FormatInt(exp, 10), "ViaAddress": "192.0.2.10", "ViaPort": "5060", "Endpoint": "alice"}}
	s.mu.Unlock()
	o := db.Options("127.0.0.1:5060")
	o.AMI = &asterisk.AMIOptions{Addr: s.addr(), User: "sipctl", Secret: "right"}
	var warnings []string
	o.Warn = func(f string, args ...any) { warnings = append(warnings, f) }
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
	s.mu.Lock()
	conns := s.conns
	s.mu.Unlock()
	if conns != 2 {
		t.Fatalf("%d connections, want 2 (the first dropped)", conns)
	}

	state, contacts, err := c.EndpointStatus(ctx, "alice")
	if err != nil || state != "Not in use" || len(contacts) != 1 || contacts[0] != "sip:alice@192.0.2.10:5060 Reachable" {
		t.Fatalf("endpoint status: %q %v %v", state, contacts, err)
	}

	if err := c.SetSIPPassword(ctx, alice, "alice-Secret-5678"); err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	expired := strings.Join(s.expired, ",")
	s.mu.Unlock()
	if expired != "res_pjsip/auth/alice" || len(warnings) != 0 {
		t.Fatalf("expired %q, warnings %v", expired, warnings)
	}
}
