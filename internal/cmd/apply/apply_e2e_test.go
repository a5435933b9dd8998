package apply

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sipctl/sipctl/internal/rotate"
	"github.com/sipctl/sipctl/internal/sip"
	"github.com/sipctl/sipctl/internal/testenv"
)

// counter is a reverse proxy in front of `sandbox serve` that counts the
// requests reaching the server, so "no write request" is asserted where
// the writes would land.
type counter struct {
	mu          sync.Mutex
	all, writes int
	seen        []string
}

func (c *counter) take() (all, writes int, seen []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	all, writes, seen = c.all, c.writes, c.seen
	c.all, c.writes, c.seen = 0, 0, nil
	return
}

type e2e struct {
	t       testing.TB
	bin     string
	env     *testenv.Env
	sipAddr string
	count   *counter
	// proxied is the counting proxy's URL (SIPCTL_API_URL); direct,
	// the serve's own, past it.
	proxied, direct string
}

func (e *e2e) run(stdin string, args ...string) (stdout, stderr string, code int) {
	e.t.Helper()
	return e.env.Run(e.t, stdin, args...)
}

// startServe runs the built binary's `sandbox serve` on free loopback ports
// and puts a counting proxy in front of its API; sipctl then talks to the
// proxy (SIPCTL_API_URL) with the sandbox profile.
func startServe(t testing.TB, extra ...string) *e2e {
	t.Helper()
	e := &e2e{t: t, bin: testenv.Binary(t), env: testenv.NewEnv(t), count: &counter{}}
	srv := testenv.StartServe(t, e.env, extra...)
	e.sipAddr, e.direct = srv.SIPAddr, srv.API
	upstream, _ := url.Parse("http://" + srv.HTTPAddr)
	proxy := httputil.NewSingleHostReverseProxy(upstream)
	// As many idle connections to the serve as requests in flight: the
	// default 2 would dial anew for nearly every request of a bulk run.
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 256
	proxy.Transport = tr
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.count.mu.Lock()
		e.count.all++
		if r.Method != http.MethodGet {
			e.count.writes++
			e.count.seen = append(e.count.seen, r.Method+" "+r.URL.Path)
		}
		e.count.mu.Unlock()
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)
	e.proxied = front.URL
	e.env.Set("SIPCTL_API_URL", front.URL).Set("SIPCTL_PROVIDER", "sandbox")
	return e
}

func manifestOf(users []string, addr string) string {
	var b strings.Builder
	b.WriteString("provider: twilio\ndomains:\n  - name: office\n    ip_acls: [hq]\n    accounts:\n")
	for _, u := range users {
		fmt.Fprintf(&b, "      - %s\n", u)
	}
	fmt.Fprintf(&b, "ip_acls:\n  - name: hq\n    addresses: [%s, 198.51.100.0/24]\n", addr)
	return b.String()
}

func exts(from, to int) []string {
	var out []string
	for i := from; i <= to; i++ {
		out = append(out, fmt.Sprintf("ext%03d", i))
	}
	return out
}

type planJSON struct {
	Changes []struct {
		Action, Kind, Name string
		Add, Remove        []string
	}
	Unmanaged []string
	Summary   struct{ Create, Update, Delete int }
}

func (e *e2e) plan(file string, extra ...string) (planJSON, int) {
	e.t.Helper()
	out, errOut, code := e.run("", append([]string{"plan", "-f", file, "--json"}, extra...)...)
	var pl planJSON
	if err := json.Unmarshal([]byte(out), &pl); err != nil {
		e.t.Fatalf("plan --json: %v\n%s\n%s", err, out, errOut)
	}
	return pl, code
}

func readHandover(t testing.TB, path string) []rotate.Record {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var rs []rotate.Record
	if err := json.Unmarshal(b, &rs); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Fatalf("handover mode %v", st.Mode().Perm())
	}
	return rs
}

// registerAll proves every handover password with a SIP REGISTER to the
// serve's registrar, and that a wrong one is refused.
func (e *e2e) registerAll(rs []rotate.Record) {
	e.t.Helper()
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	var mu sync.Mutex
	var bad []string
	for _, r := range rs {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			res, err := sip.Check(context.Background(), sip.CheckOptions{Username: r.Username, Password: r.Password, Domain: r.Domain,
				Registrar: e.sipAddr, Timeout: 10 * time.Second})
			if err != nil || res.Outcome != sip.Accepted {
				mu.Lock()
				bad = append(bad, fmt.Sprintf("%s: %v %+v", r.Username, err, res))
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(bad) > 0 {
		e.t.Fatalf("%d of %d handover passwords did not register: %v", len(bad), len(rs), bad[:min(5, len(bad))])
	}
	res, _ := sip.Check(context.Background(), sip.CheckOptions{Username: rs[0].Username, Password: "Wrong-Password-2024x", Domain: rs[0].Domain,
		Registrar: e.sipAddr, Timeout: 10 * time.Second})
	if res.Outcome != sip.Rejected {
		e.t.Fatalf("a wrong password was %s", res.Outcome)
	}
}

// TestApply200 is the proof on the sandbox (Twilio face): the built
// binary against `sandbox serve`, write requests counted at the server.
func TestApply200(t *testing.T) {
	e := startServe(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "office.yaml")
	handover := filepath.Join(dir, "handover.json")
	users := exts(1, 200)
	os.WriteFile(file, []byte(manifestOf(users, "203.0.113.10")), 0o644)

	pl, code := e.plan(file)
	if code != 7 || pl.Summary.Create != 202 || pl.Summary.Update != 0 || pl.Summary.Delete != 0 {
		t.Fatalf("first plan: exit %d, %+v", code, pl.Summary)
	}
	accounts := 0
	for _, c := range pl.Changes {
		if c.Kind == "account" && c.Action == "create" {
			accounts++
		}
	}
	if accounts != 200 {
		t.Fatalf("plan shows %d account creates", accounts)
	}
	if _, w, seen := e.count.take(); w != 0 {
		t.Fatalf("plan sent %d write requests: %v", w, seen[:min(5, len(seen))])
	}

	start := time.Now()
	_, errOut, code := e.run("", "apply", "-f", file, "--output", handover)
	if code != 0 {
		t.Fatalf("apply: exit %d\n%s", code, errOut)
	}
	t.Logf("apply of 200 accounts: %v", time.Since(start))
	_, w, _ := e.count.take()
	rs := readHandover(t, handover)
	if len(rs) != 200 {
		t.Fatalf("handover has %d records", len(rs))
	}
	for _, r := range rs {
		if strings.Contains(errOut, r.Password) {
			t.Fatal("a password reached stderr")
		}
	}
	t.Logf("first apply: %d write requests for 200 accounts, a domain and an IP ACL of 2 addresses", w)
	start = time.Now()
	e.registerAll(rs)
	t.Logf("200 REGISTERs: %v", time.Since(start))

	t.Run("a second apply changes nothing and writes nothing", func(t *testing.T) {
		_, errOut, code := e.run("", "apply", "-f", file, "--output", handover)
		if code != 0 || !strings.Contains(errOut, "No changes") {
			t.Fatalf("exit %d\n%s", code, errOut)
		}
		if all, w, seen := e.count.take(); w != 0 || all == 0 {
			t.Fatalf("%d requests, %d writes: %v", all, w, seen)
		}
		if pl, code := e.plan(file, "--prune"); code != 0 || len(pl.Changes) != 0 {
			t.Fatalf("plan: exit %d %+v", code, pl)
		}
	})

	// 5 added, 5 removed, an address changed.
	edited := append(exts(6, 200), exts(201, 205)...)
	os.WriteFile(file, []byte(manifestOf(edited, "203.0.113.11")), 0o644)
	t.Run("an edit plans exactly its changes", func(t *testing.T) {
		pl, code := e.plan(file)
		var got []string
		for _, c := range pl.Changes {
			got = append(got, c.Action+" "+c.Kind+" "+c.Name+" +"+strings.Join(c.Add, ",")+" -"+strings.Join(c.Remove, ","))
		}
		want := []string{"update ip_acl hq +203.0.113.11 -203.0.113.10"}
		for _, u := range exts(201, 205) {
			want = append(want, "create account "+u+"@office.sip.twilio.com + -")
		}
		if code != 7 || strings.Join(got, "\n") != strings.Join(want, "\n") || len(pl.Unmanaged) != 5 {
			t.Fatalf("exit %d\n%s\nwant\n%s\nunmanaged %v", code, strings.Join(got, "\n"), strings.Join(want, "\n"), pl.Unmanaged)
		}
		pl, _ = e.plan(file, "--prune")
		if pl.Summary != (struct{ Create, Update, Delete int }{5, 1, 5}) || len(pl.Unmanaged) != 0 {
			t.Fatalf("with --prune: %+v", pl.Summary)
		}
		for _, c := range pl.Changes[6:] {
			if c.Action != "delete" || !strings.HasPrefix(c.Name, "ext00") {
				t.Fatalf("prune: %+v", c)
			}
		}
		e.count.take()
	})
	t.Run("removals need --prune and confirmation", func(t *testing.T) {
		_, errOut, code := e.run("", "apply", "-f", file, "--prune", "--output", handover)
		if code != 2 || !strings.Contains(errOut, "--yes") {
			t.Fatalf("exit %d\n%s", code, errOut)
		}
		if _, w, seen := e.count.take(); w != 0 {
			t.Fatalf("a refused apply wrote: %v", seen)
		}
		// Without --prune the extra accounts stay.
		_, errOut, code = e.run("", "apply", "-f", file, "--output", handover)
		if code != 0 || !strings.Contains(errOut, "5 account(s) on these domains are not in the file") && !strings.Contains(errOut, "Applied: 5 created, 1 changed, 0 deleted") {
			t.Fatalf("exit %d\n%s", code, errOut)
		}
		_, w, _ := e.count.take()
		if w != 5+2 {
			t.Fatalf("%d write requests for 5 creates and an address changed", w)
		}
		_, errOut, code = e.run("", "apply", "-f", file, "--prune", "--yes", "--output", handover)
		if code != 0 || !strings.Contains(errOut, "Applied: 0 created, 0 changed, 5 deleted") {
			t.Fatalf("exit %d\n%s", code, errOut)
		}
		// Every deleted account is named, in a pipe too.
		if n := strings.Count(errOut, "  deleted: "); n != 5 {
			t.Fatalf("%d deleted accounts named, want 5:\n%s", n, errOut)
		}
		if _, w, _ := e.count.take(); w != 5 {
			t.Fatalf("%d write requests for 5 deletes", w)
		}
		rs := readHandover(t, handover)
		if len(rs) != 205 {
			t.Fatalf("the handover is a ledger: %d rows, want 205 (200 + 5 new)", len(rs))
		}
		e.registerAll(rs[len(rs)-5:])
	})
	t.Run("export | apply -f - is a no-op", func(t *testing.T) {
		exported, errOut, code := e.run("", "export")
		if code != 0 || !strings.Contains(exported, "ext205") || strings.Contains(exported, "ext001") || !strings.Contains(exported, "203.0.113.11") {
			t.Fatalf("export: exit %d\n%s\n%s", code, exported, errOut)
		}
		for _, r := range rs {
			if strings.Contains(exported, r.Password) {
				t.Fatal("a password in the export")
			}
		}
		e.count.take()
		_, errOut, code = e.run(exported, "apply", "-f", "-", "--prune", "--yes")
		if code != 0 || !strings.Contains(errOut, "No changes") {
			t.Fatalf("apply of the export: exit %d\n%s", code, errOut)
		}
		if _, w, seen := e.count.take(); w != 0 {
			t.Fatalf("apply of the export wrote: %v", seen)
		}
		if _, _, code := e.run(exported, "plan", "-f", "-", "--prune"); code != 0 {
			t.Fatalf("plan of the export: exit %d", code)
		}
	})
}

// TestBadInputSendsNothing: a file with one of each problem is refused
// with every problem listed as file:line:column, before any request.
func TestBadInputSendsNothing(t *testing.T) {
	e := startServe(t)
	file := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(file, []byte(`provider: telnyx
domains:
  - name: office.example.com
    acounts: [x]
  - name: lab
    accounts:
      - alice
      - username: alice
        password: hunter2
      - "bad user"
    ip_acls: [nowhere]
`), 0o644)
	for _, args := range [][]string{{"plan", "-f", file}, {"apply", "-f", file, "--output", filepath.Join(t.TempDir(), "h.csv")}} {
		_, errOut, code := e.run("", args...)
		want := []string{
			file + ":1:11: the file is for provider \"telnyx\"",
			file + ":3:11: domain \"office.example.com\" does not end in sip.twilio.com",
			file + ":4:5: unknown key \"acounts\" in a domain",
			file + ":8:19: duplicate username \"alice\"",
			file + ":9:9: \"password\": passwords and secrets never live in files",
			file + ":10:9: username \"bad user\" contains",
			file + ":11:15: IP ACL \"nowhere\" is attached to lab.sip.twilio.com but not described",
			"error: " + file + ": 7 problems; nothing was sent to the provider",
		}
		lines := strings.Split(strings.TrimSpace(errOut), "\n")
		var got []string
		for _, l := range lines {
			if !strings.HasPrefix(l, "note:") && !strings.HasPrefix(l, "hint:") {
				got = append(got, l)
			}
		}
		if code != 2 || len(got) != len(want) {
			t.Fatalf("%s: exit %d\n%s", args[0], code, errOut)
		}
		for i, w := range want {
			if !strings.HasPrefix(got[i], w) {
				t.Errorf("%s line %d:\n got %s\nwant %s", args[0], i, got[i], w)
			}
		}
		if all, _, seen := e.count.take(); all != 0 {
			t.Fatalf("%s sent %d requests: %v", args[0], all, seen)
		}
	}
}

// TestApplyKilledThenResumed: apply is killed with SIGKILL partway through
// creating 200 accounts; `password rotate --resume` finishes the run from
// custody's journal, the handover holds every account, each password
// registers, and the file then plans no change.
func TestApplyKilledThenResumed(t *testing.T) {
	e := startServe(t, "--latency", "10ms")
	dir := t.TempDir()
	file := filepath.Join(dir, "office.yaml")
	handover := filepath.Join(dir, "handover.csv")
	os.WriteFile(file, []byte(manifestOf(exts(1, 200), "203.0.113.10")), 0o644)

	cmd := exec.Command(e.bin, "apply", "-f", file, "--output", handover, "--concurrency", "4")
	cmd.Env = e.env.Environ()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(5 * time.Millisecond) {
		e.count.mu.Lock()
		w := e.count.writes
		e.count.mu.Unlock()
		if w >= 80 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("apply made %d writes in 2 minutes\n%s", w, stderr.String())
		}
	}
	cmd.Process.Signal(syscall.SIGKILL)
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("apply was not killed: %v\n%s", err, stderr.String())
	}
	if _, err := os.Stat(handover); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a handover after the kill: %v", err)
	}
	pl, code := e.plan(file)
	if code != 7 || pl.Summary.Create == 0 || pl.Summary.Create == 200 {
		t.Fatalf("after the kill: exit %d %+v", code, pl.Summary)
	}

	_, errOut, code := e.run("", "password", "rotate", "--resume")
	if code != 0 {
		t.Fatalf("resume: exit %d\n%s", code, errOut)
	}
	rs, err := rotate.ReadHandover(handover)
	if err != nil {
		t.Fatalf("reading the handover after resume: %v\n%s", err, errOut)
	}
	if len(rs) != 200 {
		t.Fatalf("handover has %d accounts after resume\n%s", len(rs), errOut)
	}
	e.registerAll(rs)
	if pl, code := e.plan(file); code != 0 || len(pl.Changes) != 0 {
		t.Fatalf("after resume: exit %d %+v", code, pl)
	}
}
