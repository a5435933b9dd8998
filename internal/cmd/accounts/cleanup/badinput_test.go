package cleanup

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/sipctl/sipctl/internal/testenv"
)

// TestBadInputBeforeAnyRequest: a TTL that is zero, negative or not a
// duration, a cleanup without a selection or with both --all and --domain,
// and an unknown --json field are usage errors (exit 2) naming the problem,
// and the provider sees no request.
func TestBadInputBeforeAnyRequest(t *testing.T) {
	var requests atomic.Int64
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		http.Error(w, "no", http.StatusTeapot)
	}))
	defer api.Close()
	w := &world{t: t, bin: testenv.Binary(t), env: testenv.NewEnv(t).Set("SIPCTL_QUIET", "1").Set("SIPCTL_API_URL", api.URL).Set("SIPCTL_PROVIDER", "sandbox")}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"accounts", "create", "ci1", "--domain", "ci", "--ttl", "0"}, `error: --ttl: "0" is not more than zero`},
		{[]string{"accounts", "create", "ci1", "--domain", "ci", "--ttl", "-1h"}, `error: --ttl: "-1h" is not more than zero`},
		{[]string{"accounts", "create", "ci1", "--domain", "ci", "--ttl", "banana"}, `error: --ttl: "banana" is not a duration`},
		{[]string{"accounts", "create", "ci1", "--domain", "ci", "--ttl", "1h", "--list", "ci-users"}, "error: --ttl and --list cannot be combined"},
		{[]string{"accounts", "cleanup", "--domain", "ci", "--yes"}, "error: say what to clean up: --expired"},
		{[]string{"accounts", "cleanup", "--expired", "--all", "--domain", "ci"}, "error: --all and --domain cannot be combined"},
		{[]string{"accounts", "cleanup", "--expired", "--domain", "ci", "--json=username,bogus"}, `error: unknown JSON field "bogus"`},
	} {
		_, errOut, code := w.run([]string{"SIPCTL_NOW=2026-06-01T12:00:00Z"}, tc.args...)
		first, _, _ := strings.Cut(errOut, "\n")
		if code != 2 || !strings.HasPrefix(first, tc.want) {
			t.Errorf("sipctl %s: exit %d, first line %q, want exit 2 and %q…", strings.Join(tc.args, " "), code, first, tc.want)
		}
	}
	_, errOut, code := w.run([]string{"SIPCTL_NOW=tomorrow"}, "accounts", "cleanup", "--expired", "--domain", "ci", "--yes")
	if code != 2 || !strings.HasPrefix(errOut, `error: SIPCTL_NOW="tomorrow" is not an RFC 3339 time`) {
		t.Errorf("bad SIPCTL_NOW: exit %d\n%s", code, errOut)
	}
	if n := requests.Load(); n != 0 {
		t.Fatalf("%d requests reached the provider", n)
	}
}
