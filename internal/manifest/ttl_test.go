package manifest

import (
	"strings"
	"testing"
	"time"
)

// TestTTL: `ttl:` on an account is a duration made before any request; a
// bad one is a problem with its line and column.
func TestTTL(t *testing.T) {
	f, err := Load("f.yaml", []byte("domains:\n  - name: ci\n    accounts:\n      - username: job1\n        ttl: 2h\n      - username: job2\n        ttl: 7d\n      - keep\n"), twilioRules{"twilio"})
	if err != nil {
		t.Fatal(err)
	}
	as := f.Domains[0].Accounts
	if as[0].TTL != 2*time.Hour || as[1].TTL != 7*24*time.Hour || as[2].TTL != 0 {
		t.Fatalf("ttls %v %v %v", as[0].TTL, as[1].TTL, as[2].TTL)
	}
	_, err = Load("f.yaml", []byte("domains:\n  - name: ci\n    accounts:\n      - {username: a, ttl: 0}\n      - {username: b, ttl: -1h}\n      - {username: c, ttl: banana}\n"), twilioRules{"twilio"})
	want := []string{`f.yaml:4:28: ttl: "0" is not more than zero`, `f.yaml:5:28: ttl: "-1h" is not more than zero`, `f.yaml:6:28: ttl: "banana" is not a duration`}
	if err == nil {
		t.Fatal("bad ttls accepted")
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != len(want) {
		t.Fatalf("problems:\n%s", err)
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("got %s\nwant %s…", lines[i], w)
		}
	}
}
