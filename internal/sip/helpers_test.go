package sip

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"net"
	"sync"
	"testing"
)

// memStore is a CredentialStore over a map: domain -> user -> password.
type memStore struct {
	mu    sync.Mutex
	users map[string]map[string]string
}

func newMemStore() *memStore { return &memStore{users: map[string]map[string]string{}} }

func (s *memStore) set(domain, user, password string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.users[domain] == nil {
		s.users[domain] = map[string]string{}
	}
	s.users[domain][user] = password
}

func ha1(user, realm, password string) string {
	sum := md5.Sum([]byte(user + ":" + realm + ":" + password))
	return hex.EncodeToString(sum[:])
}

func (s *memStore) LookupHA1(_ context.Context, domain, user string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.users[domain]
	if !ok {
		return "", ErrUnknownDomain
	}
	p, ok := d[user]
	if !ok {
		return "", ErrUnknownUser
	}
	return ha1(user, domain, p), nil
}

const (
	testDomain   = "example.sip.twilio.com"
	testUser     = "alice"
	testPassword = "correct-horse-Battery-9"
)

type testRegistrar struct {
	*Registrar
	store    *memStore
	udp, tcp string
}

// startRegistrar serves a registrar on free UDP and TCP ports of 127.0.0.1
// until the test ends.
func startRegistrar(t *testing.T, opts RegistrarOptions) *testRegistrar {
	t.Helper()
	store := newMemStore()
	store.set(testDomain, testUser, testPassword)
	r, err := NewRegistrar(store, opts)
	if err != nil {
		t.Fatal(err)
	}
	udp, tcp, err := r.ListenUDPAndTCP("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, l := range []*Listener{udp, tcp} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := l.Serve(ctx); err != nil {
				t.Errorf("serve %s: %v", l.Network(), err)
			}
		}()
	}
	t.Cleanup(func() {
		cancel()
		wg.Wait()
		r.Close()
	})
	return &testRegistrar{Registrar: r, store: store, udp: udp.Addr().String(), tcp: tcp.Addr().String()}
}

// silentUDP is a UDP socket that reads and drops everything: a registrar
// that never answers.
func silentUDP(t *testing.T) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		buf := make([]byte, 65535)
		for {
			if _, _, err := pc.ReadFrom(buf); err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() { pc.Close() })
	return pc.LocalAddr().String()
}
