package asterisktest

import (
	"bufio"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// AMIServer speaks the documented AMI protocol from a script: a banner,
// Login (secret "right"), PJSIPShowContacts and PJSIPShowEndpoint as event
// lists with an unrelated event in between, SorceryMemoryCacheExpireObject;
// every answer is written in pieces cut mid-line, and the first action after
// the first login can be answered by dropping the connection.
type AMIServer struct {
	t    testing.TB
	ln   net.Listener
	drop bool // drop the first connection at its first action after Login

	mu       sync.Mutex
	conns    int
	expired  []string            // Cache/Object pairs
	contacts []map[string]string // the ContactList events' fields
	wg       sync.WaitGroup
}

// FullBackendCache is the cache name the scripted AMI treats as holding the
// whole backend (full_backend_cache=yes): it refuses per-object expiry.
const FullBackendCache = "full/auth"

// ScriptedAMI starts an AMIServer on a free loopback port, stopped at
// cleanup. With drop, the first connection is closed at its first action
// after Login, unanswered.
func ScriptedAMI(t testing.TB, drop bool) *AMIServer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &AMIServer{t: t, ln: ln, drop: drop}
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

// Addr is HOST:PORT.
func (s *AMIServer) Addr() string { return s.ln.Addr().String() }

// send writes a message in three pieces, cut inside lines.
func send(c net.Conn, lines ...string) {
	msg := strings.Join(lines, "\r\n") + "\r\n\r\n"
	third := len(msg) / 3
	for _, part := range []string{msg[:third], msg[third : 2*third], msg[2*third:]} {
		c.Write([]byte(part))
	}
}

func (s *AMIServer) serve(c net.Conn, n int) {
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
			send(c, "Event: ContactStatusDetail", id, "AOR: "+m["endpoint"], "URI: sip:"+m["endpoint"]+"@192.0.2.10:5060",
				"UserAgent: Yealink T54W", "RegExpire: "+strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10),
				"ViaAddress: 192.0.2.10:5060", "Status: Reachable")
			send(c, "Event: EndpointDetailComplete", id, "EventList: Complete", "ListItems: 2")
		case strings.HasPrefix(action, "sorcerymemorycache") && m["cache"] != FullBackendCache && m["cache"] != "res_pjsip/auth":
			send(c, "Response: Error", id, "Message: The provided cache does not exist")
		case action == "sorcerymemorycacheexpireobject" && m["cache"] == FullBackendCache:
			send(c, "Response: Error", id, "Message: Due to full backend caching per-object expiration is not available on the given cache")
		case action == "sorcerymemorycacheexpireobject":
			s.mu.Lock()
			s.expired = append(s.expired, m["cache"]+"/"+m["object"])
			s.mu.Unlock()
			send(c, "Response: Success", id, "Message: Object was expired from the cache")
		case action == "sorcerymemorycachepopulate":
			s.mu.Lock()
			s.expired = append(s.expired, m["cache"]+" populated")
			s.mu.Unlock()
			send(c, "Response: Success", id, "Message: Cache has been expired and populated")
		case action == "logoff":
			send(c, "Response: Goodbye", id, "Message: Thanks for all the fish.")
			return
		default:
			send(c, "Response: Error", id, "Message: Invalid/unknown command")
		}
	}
}

// SetContacts sets the fields of the ContactList events PJSIPShowContacts
// answers with.
func (s *AMIServer) SetContacts(cs []map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.contacts = cs
}

// Expired lists the SorceryMemoryCacheExpireObject calls, as CACHE/OBJECT.
func (s *AMIServer) Expired() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.expired...)
}

// Connections counts the connections accepted.
func (s *AMIServer) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conns
}
