package sip

import (
	"testing"

	"github.com/sipctl/sipctl/internal/sip/sipptest"
	"github.com/sipctl/sipctl/internal/testenv"
)

// runSipp registers user@domain once from a new sipp phone at registrar and
// reports whether the authenticated REGISTER drew expect, with sipp's output.
func runSipp(t *testing.T, registrar, transport, domain, user, password string, expect int) (ok bool, output string) {
	t.Helper()
	return sipptest.New(t, registrar, transport).Register(t, domain, user, password, 120, expect)
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
