package bulk

import (
	"testing"

	"github.com/sipctl/sipctl/internal/password"
)

// Passwords drawn ahead are each used once, meet the policy, and start as a
// CSV cell safely; past the pool, next draws anew.
func TestPregeneratedPasswords(t *testing.T) {
	pol, err := password.Resolve("", "", "twilio")
	if err != nil {
		t.Fatal(err)
	}
	const n = 600
	pool := Pregenerate(pol, n)
	seen := map[string]bool{}
	for i := range n + 10 {
		pw, err := pool.next(pol)
		if err != nil {
			t.Fatal(err)
		}
		if seen[pw] {
			t.Fatalf("password %d was handed out twice", i)
		}
		seen[pw] = true
		if err := pol.Validate(pw); err != nil || !password.StartsSafely(pw) {
			t.Fatalf("password %d does not meet the %s policy: %v", i, pol.Name, err)
		}
	}
	var none *Pool
	if pw, err := none.next(pol); err != nil || pol.Validate(pw) != nil {
		t.Fatalf("no pool: %v", err)
	}
}
