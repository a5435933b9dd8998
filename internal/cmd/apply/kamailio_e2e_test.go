package apply

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sipctl/sipctl/internal/kamailio/kamailiotest"
	"github.com/sipctl/sipctl/internal/sip"
	"github.com/sipctl/sipctl/internal/testenv"
)

// TestApplyKamailio: the same file format on a real Kamailio (SQLite): the
// built binary plans a domain and 50 accounts, applies them through
// custody, every handover password registers with Kamailio itself, a
// second apply and the export plan no change, and --prune removes what an
// edit dropped.
func TestApplyKamailio(t *testing.T) {
	db := kamailiotest.SQLite(t)
	k := kamailiotest.Start(t, db)
	e := &e2e{t: t, bin: testenv.Binary(t), env: testenv.NewEnv(t), count: &counter{}}
	if _, errOut, code := e.run("", "auth", "login", "--profile", "pbx", "--provider", "kamailio", "--db-url", db.URL, "--rpc-url", k.RPCURL, "--registrar", k.SIP); code != 0 {
		t.Fatalf("auth login: %s", errOut)
	}
	e.env.Set("SIPCTL_PROFILE", "pbx")
	const domain = "pbx.example.test"
	write := func(users []string) string {
		var b strings.Builder
		fmt.Fprintf(&b, "provider: kamailio\ndomains:\n  - name: %s\n    accounts:\n", domain)
		for _, u := range users {
			fmt.Fprintf(&b, "      - %q\n", u)
		}
		f := filepath.Join(t.TempDir(), "pbx.yaml")
		os.WriteFile(f, []byte(b.String()), 0o644)
		return f
	}
	var users []string
	for i := 101; i <= 150; i++ {
		users = append(users, fmt.Sprint(i))
	}
	file := write(users)
	pl, code := e.plan(file)
	if code != 7 || pl.Summary.Create != 51 {
		t.Fatalf("plan: exit %d %+v", code, pl.Summary)
	}
	handover := filepath.Join(t.TempDir(), "pbx.json")
	if _, errOut, code := e.run("", "apply", "-f", file, "--output", handover); code != 0 {
		t.Fatalf("apply: exit %d\n%s", code, errOut)
	}
	rs := readHandover(t, handover)
	if len(rs) != 50 {
		t.Fatalf("handover has %d records", len(rs))
	}
	for _, r := range rs {
		res, err := sip.Check(context.Background(), sip.CheckOptions{Username: r.Username, Password: r.Password, Domain: r.Domain, Registrar: k.SIP, Timeout: 10 * time.Second})
		if err != nil || res.Outcome != sip.Accepted {
			t.Fatalf("%s did not register with Kamailio: %v %+v", r.Username, err, res)
		}
	}
	if _, errOut, code := e.run("", "apply", "-f", file, "--output", handover); code != 0 || !strings.Contains(errOut, "No changes") {
		t.Fatalf("second apply: exit %d\n%s", code, errOut)
	}
	exported, errOut, code := e.run("", "export")
	if code != 0 || !strings.Contains(exported, "provider: kamailio") || !strings.Contains(exported, `"150"`) {
		t.Fatalf("export: exit %d\n%s\n%s", code, exported, errOut)
	}
	if _, errOut, code := e.run(exported, "plan", "-f", "-", "--prune"); code != 0 {
		t.Fatalf("plan of the export: exit %d\n%s", code, errOut)
	}
	// Drop five: kept without --prune, deleted with it.
	file = write(users[5:])
	if pl, code := e.plan(file); code != 0 || len(pl.Unmanaged) != 5 {
		t.Fatalf("edited plan: exit %d %+v", code, pl)
	}
	if _, errOut, code := e.run("", "apply", "-f", file, "--prune", "--yes"); code != 0 || !strings.Contains(errOut, "5 to delete") {
		t.Fatalf("apply --prune: exit %d\n%s", code, errOut)
	}
	res, _ := sip.Check(context.Background(), sip.CheckOptions{Username: rs[0].Username, Password: rs[0].Password, Domain: rs[0].Domain, Registrar: k.SIP, Timeout: 10 * time.Second})
	if res.Outcome != sip.Rejected {
		t.Fatalf("a pruned account still registers: %+v", res)
	}
}
