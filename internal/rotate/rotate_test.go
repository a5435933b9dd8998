package rotate

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/sipctl/sipctl/internal/provider"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sipctl/sipctl/internal/audit"
	"github.com/sipctl/sipctl/internal/journal"
	"github.com/sipctl/sipctl/internal/password"
	"github.com/sipctl/sipctl/internal/rotate/rotatetest"
	"github.com/sipctl/sipctl/internal/twilio"
)

func noSleep(ctx context.Context, d time.Duration) error { return ctx.Err() }

// seed creates one domain with two attached lists and n credentials spread
// over them, plus an unattached list of 3.
func seed(s *rotatetest.Server, n int) (domainSID, listA, listB, loose string) {
	domainSID = s.AddDomain("acme.sip.twilio.com")
	listA = s.AddList("acme-phones", domainSID)
	listB = s.AddList("acme-softphones", domainSID)
	loose = s.AddList("spare")
	for i := range n {
		l := listA
		if i%2 == 1 {
			l = listB
		}
		s.AddCredential(l, fmt.Sprintf("user%03d", i), "OldPassword1")
	}
	for i := range 3 {
		s.AddCredential(loose, fmt.Sprintf("spare%d", i), "OldPassword1")
	}
	return
}

func planJournal(t *testing.T, ts []Target) *journal.Journal {
	t.Helper()
	pol, _ := password.Builtin("twilio")
	es, err := Plan(ts, pol, "twilio", "test")
	if err != nil {
		t.Fatal(err)
	}
	j, err := journal.Create(t.TempDir(), journal.Header{Profile: "test"}, es)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	return j
}

// assertServerMatchesJournal: every done entry's password is what the
// server holds now, and nothing else on the server changed.
func assertServerMatchesJournal(t *testing.T, s *rotatetest.Server, j *journal.Journal) {
	t.Helper()
	want := map[string]string{}
	for _, e := range j.Entries() {
		if e.Status == journal.Done {
			want[e.CredentialSID] = e.Password
		}
	}
	for _, c := range s.Credentials() {
		if pw, ok := want[c.SID]; ok {
			if c.Password != pw {
				t.Errorf("%s: server password differs from the journal", c.Username)
			}
		}
	}
}

func TestRunWith429And500Injected(t *testing.T) {
	s := rotatetest.New(t)
	seed(s, 300)
	var mu sync.Mutex
	seen := map[string]int{}
	s.Inject = func(r *http.Request, form url.Values) int {
		if r.Method != http.MethodPost {
			return 0
		}
		mu.Lock()
		defer mu.Unlock()
		seen[r.URL.Path]++
		n := len(seen)
		// First attempt of every 7th credential: 429; every 11th: 500.
		if seen[r.URL.Path] == 1 && n%7 == 0 {
			return 429
		}
		if seen[r.URL.Path] == 1 && n%11 == 0 {
			return 500
		}
		return 0
	}
	// No client retries: the engine must cope with 429 and 500 itself.
	c := s.Client(t, twilio.Options{MaxRetries: -1})
	ts, err := ForDomain(context.Background(), c, c.AccountSID(), "acme")
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 300 {
		t.Fatalf("%d targets, want 300", len(ts))
	}
	j := planJournal(t, ts)
	logPath := filepath.Join(t.TempDir(), "audit.log")
	al, err := audit.Open(logPath)
	if err != nil {
		t.Fatal(err)
	}
	sum := Run(context.Background(), setter(c), j, nil, Options{Concurrency: 20, Audit: al, Profile: "test", sleep: noSleep})
	al.Close()
	if !sum.OK() || len(sum.Rotated) != 300 {
		t.Fatalf("rotated %d, failed %d (%v), not attempted %d", len(sum.Rotated), len(sum.Failed), sum.Failed, len(sum.NotAttempted))
	}
	if s.Injected.Load() < 40 {
		t.Fatalf("only %d failures injected", s.Injected.Load())
	}
	if u := j.Unfinished(); len(u) != 0 {
		t.Fatalf("%d journal entries unfinished", len(u))
	}
	assertServerMatchesJournal(t, s, j)
	for _, cr := range s.Credentials() {
		if strings.HasPrefix(cr.Username, "user") && (cr.Password == "OldPassword1" || cr.Updates != 1) {
			t.Errorf("%s: updated %d times, password changed: %v", cr.Username, cr.Updates, cr.Password != "OldPassword1")
		}
		if strings.HasPrefix(cr.Username, "spare") && cr.Updates != 0 {
			t.Errorf("%s is not on the domain but was updated", cr.Username)
		}
	}
	// Audit: one ok line per rotation, no password anywhere.
	raw, _ := os.ReadFile(logPath)
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	if len(lines) != 300 {
		t.Fatalf("%d audit lines, want 300", len(lines))
	}
	for _, e := range j.Entries() {
		if strings.Contains(string(raw), e.Password) {
			t.Fatal("audit log contains a password")
		}
	}
	var first audit.Entry
	json.Unmarshal([]byte(lines[0]), &first)
	if first.Action != "rotate" || first.Outcome != "ok" || first.AccountSID != rotatetest.AccountSID || first.SID == "" || first.Profile != "test" {
		t.Fatalf("audit entry %+v", first)
	}
}

func TestRunPartialFailure(t *testing.T) {
	s := rotatetest.New(t)
	_, listA, _, _ := seed(s, 20)
	var broken []string
	for _, c := range s.Credentials() {
		if c.Username == "user004" || c.Username == "user010" {
			broken = append(broken, c.SID)
		}
	}
	s.Inject = func(r *http.Request, form url.Values) int {
		for _, b := range broken {
			if r.Method == http.MethodPost && strings.Contains(r.URL.Path, b) {
				return 503
			}
		}
		return 0
	}
	c := s.Client(t, twilio.Options{MaxRetries: -1})
	ts, err := ForList(context.Background(), c, c.AccountSID(), "acme-phones")
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 10 || !strings.HasPrefix(ts[0].Ref, listA+"/") {
		t.Fatalf("targets %+v", ts)
	}
	j := planJournal(t, ts)
	sum := Run(context.Background(), setter(c), j, nil, Options{Retries: 3, sleep: noSleep})
	if len(sum.Rotated) != 8 || len(sum.Failed) != 2 || sum.OK() {
		t.Fatalf("rotated %d failed %d", len(sum.Rotated), len(sum.Failed))
	}
	// Each broken credential was tried 1 + 3 times.
	if got := s.Injected.Load(); got != 8 {
		t.Fatalf("%d injected failures answered, want 8", got)
	}
	for _, f := range sum.Failed {
		if f.Entry.Status != journal.Failed || !strings.Contains(f.Err.Error(), "Service Unavailable") {
			t.Fatalf("failure %+v: %v", f.Entry.Username, f.Err)
		}
		if strings.Contains(f.Err.Error(), f.Entry.Password) {
			t.Fatal("error message contains the password")
		}
	}
	// A second pass over only the failed entries, once the provider
	// recovers, sets the same journaled passwords.
	s.Inject = nil
	ids := []int{sum.Failed[0].Entry.ID, sum.Failed[1].Entry.ID}
	sum2 := Run(context.Background(), setter(c), j, ids, Options{sleep: noSleep})
	if !sum2.OK() || len(sum2.Rotated) != 2 || len(j.Unfinished()) != 0 {
		t.Fatalf("retry: rotated %d failed %d", len(sum2.Rotated), len(sum2.Failed))
	}
	assertServerMatchesJournal(t, s, j)
}

// With the provider allowing 10 requests at once and the engine allowed
// 100, the limiter must back off (429 answers) and still rotate everything.
func TestRunAdaptsToConcurrencyLimit(t *testing.T) {
	s := rotatetest.New(t)
	seed(s, 400)
	s.MaxConcurrent = 10
	s.Latency = 2 * time.Millisecond
	c := s.Client(t, twilio.Options{MaxRetries: -1, MaxConcurrency: 500})
	ts, err := ForAll(context.Background(), c, c.AccountSID())
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 400 {
		t.Fatalf("%d targets", len(ts))
	}
	j := planJournal(t, ts)
	// Real back-off, scaled down: the limiter cuts at most once per 100ms.
	scaled := func(ctx context.Context, d time.Duration) error { return sleepCtx(ctx, d/10) }
	sum := Run(context.Background(), setter(c), j, nil, Options{Concurrency: 100, sleep: scaled})
	if !sum.OK() || len(sum.Rotated) != 400 {
		t.Fatalf("rotated %d failed %d: %v", len(sum.Rotated), len(sum.Failed), sum.Failed)
	}
	if s.Throttled.Load() == 0 || sum.Cuts == 0 {
		t.Fatalf("throttled %d, limiter cuts %d: the limit was never hit", s.Throttled.Load(), sum.Cuts)
	}
	assertServerMatchesJournal(t, s, j)
}

func TestRunCancelledLeavesPendingForResume(t *testing.T) {
	s := rotatetest.New(t)
	seed(s, 60)
	ctx, cancel := context.WithCancel(context.Background())
	s.OnUpdate = func(n int64) {
		if n == 10 {
			cancel()
		}
	}
	c := s.Client(t, twilio.Options{MaxRetries: -1})
	ts, _ := ForDomain(context.Background(), c, c.AccountSID(), "acme.sip.twilio.com")
	j := planJournal(t, ts)
	sum := Run(ctx, setter(c), j, nil, Options{Concurrency: 2, sleep: noSleep})
	if sum.OK() || len(sum.NotAttempted) == 0 {
		t.Fatalf("cancelled run: rotated %d failed %d not attempted %d", len(sum.Rotated), len(sum.Failed), len(sum.NotAttempted))
	}
	path := j.Path()
	j.Close()
	k, err := journal.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	sum2 := Run(context.Background(), setter(c), k, nil, Options{sleep: noSleep})
	if !sum2.OK() || len(k.Unfinished()) != 0 {
		t.Fatalf("resume: rotated %d failed %d", len(sum2.Rotated), len(sum2.Failed))
	}
	assertServerMatchesJournal(t, s, k)
	if got := len(Records(k.Entries())); got != 60 {
		t.Fatalf("%d handover records, want 60", got)
	}
}

func TestTargets(t *testing.T) {
	s := rotatetest.New(t)
	dom, listA, listB, _ := seed(s, 6)
	other := s.AddDomain("other.sip.twilio.com")
	// user000 also sits on a list of the same domain twice over (shared).
	listC := s.AddList("acme-extra", dom, other)
	s.AddCredential(listC, "user000", "OldPassword1")
	c := s.Client(t, twilio.Options{MaxRetries: -1})
	ctx := context.Background()

	ts, err := ForUsers(ctx, c, c.AccountSID(), []string{"user000@acme", "sip:user001@acme.sip.twilio.com", "user002"}, "acme.sip.twilio.com")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, x := range ts {
		got = append(got, x.Username+"@"+x.Domain+"/"+listOf(x.Ref))
	}
	want := []string{
		"user000@acme.sip.twilio.com/" + listA, "user000@acme.sip.twilio.com/" + listC,
		"user001@acme.sip.twilio.com/" + listB, "user002@acme.sip.twilio.com/" + listA,
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("ForUsers:\n got %v\nwant %v", got, want)
	}
	// One user on one domain gets one password across lists.
	pol, _ := password.Builtin("strict")
	es, err := Plan(ts, pol, "twilio", "p")
	if err != nil {
		t.Fatal(err)
	}
	if es[0].Password != es[1].Password || es[0].Password == es[2].Password {
		t.Fatal("user000 should share one password across the domain's lists, others differ")
	}
	for _, e := range es {
		if pol.Validate(e.Password) != nil || e.Op != journal.OpRotate || e.Ref == "" {
			t.Fatalf("plan entry %+v", e.Username)
		}
	}

	if _, err := ForUsers(ctx, c, c.AccountSID(), []string{"nobody@acme"}, ""); err == nil || !strings.Contains(err.Error(), `no SIP account "nobody"`) {
		t.Fatalf("missing user: %v", err)
	}
	if _, err := ForUsers(ctx, c, c.AccountSID(), []string{"user000"}, ""); err == nil || !strings.Contains(err.Error(), "has no domain") {
		t.Fatalf("no domain: %v", err)
	}
	if _, err := ForDomain(ctx, c, c.AccountSID(), "nope"); err == nil || !strings.Contains(err.Error(), `"nope.sip.twilio.com"`) {
		t.Fatalf("missing domain: %v", err)
	}
	if _, err := ForList(ctx, c, c.AccountSID(), "nope"); err == nil || !strings.Contains(err.Error(), `no credential list named "nope"`) {
		t.Fatalf("missing list: %v", err)
	}
	byDomain, _ := ForDomain(ctx, c, c.AccountSID(), "other")
	if len(byDomain) != 1 || listOf(byDomain[0].Ref) != listC {
		t.Fatalf("ForDomain(other) = %+v", byDomain)
	}
	bySID, err := ForList(ctx, c, c.AccountSID(), listB)
	if err != nil || len(bySID) != 3 {
		t.Fatalf("ForList by SID: %d, %v", len(bySID), err)
	}
	all, _ := ForAll(ctx, c, c.AccountSID())
	// Every account on a domain, each once (user000 on acme-extra is on
	// two domains); the unattached list's credentials are on none.
	if len(all) != 6+1 {
		t.Fatalf("ForAll: %d", len(all))
	}
	for _, x := range all {
		if strings.HasPrefix(x.Username, "spare") || x.Domain == "" {
			t.Fatalf("ForAll: %s on %q", x.Username, x.Domain)
		}
	}
	if s.Unexpected.Load() != 0 {
		t.Fatal("unexpected requests")
	}
}

func TestWriteHandover(t *testing.T) {
	dir := t.TempDir()
	rs := []Record{{SID: "CR1", Username: "alice", Domain: "d", Password: `p,"w1`}, {SID: "CR2", Username: "=1+1", Domain: "d", Password: "Pw2"}}
	for _, name := range []string{"h.json", "h.csv"} {
		path := filepath.Join(dir, name)
		if err := WriteHandover(path, rs); err != nil {
			t.Fatal(err)
		}
		st, _ := os.Stat(path)
		if st.Mode().Perm() != 0o600 {
			t.Fatalf("%s mode %v", name, st.Mode().Perm())
		}
		f, _ := os.Open(path)
		var back []Record
		if strings.HasSuffix(name, ".json") {
			json.NewDecoder(f).Decode(&back)
		} else {
			rows, err := csv.NewReader(bufio.NewReader(f)).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(rows[0], ",") != "sid,username,domain,password" {
				t.Fatalf("CSV header %v", rows[0])
			}
			for _, r := range rows[1:] {
				for _, cell := range r {
					if FormulaStart(cell) {
						t.Fatalf("CSV cell %q starts a formula", cell)
					}
				}
				back = append(back, Record{SID: r[0], Username: strings.TrimPrefix(r[1], "'"), Domain: r[2], Password: r[3]})
			}
		}
		f.Close()
		if len(back) != 2 || back[0] != rs[0] || back[1] != rs[1] {
			t.Fatalf("%s round trip: %+v", name, back)
		}
		// sipctl's reader gives back exactly what was written.
		if got, err := ReadHandover(path); err != nil || len(got) != 2 || got[1] != rs[1] || got[0] != rs[0] {
			t.Fatalf("ReadHandover %s: %+v %v", name, got, err)
		}
		// A ledger: a newer row replaces the older, the others stay.
		if err := WriteHandover(path, []Record{{SID: "CR1", Username: "alice", Domain: "D", Password: "new"}, {SID: "CR3", Username: "carol", Domain: "d", Password: "c"}}); err != nil {
			t.Fatal(err)
		}
		got, _ := ReadHandover(path)
		if len(got) != 3 || got[0].Password != "new" || got[1] != rs[1] || got[2].Username != "carol" {
			t.Fatalf("%s merge: %+v", name, got)
		}
	}
	// Passwords are never altered: one that starts a formula is refused
	// for CSV, kept as it is in JSON.
	if err := WriteHandover(filepath.Join(dir, "f.csv"), []Record{{Username: "x", Domain: "d", Password: "=cmd"}}); err == nil {
		t.Fatal("a formula password was written to CSV")
	}
	if err := WriteHandover(filepath.Join(dir, "f.json"), []Record{{Username: "x", Domain: "d", Password: "=cmd"}}); err != nil {
		t.Fatal(err)
	}
	if err := WriteHandover(filepath.Join(dir, "h.txt"), rs); err == nil || !strings.Contains(err.Error(), ".json or .csv") {
		t.Fatalf("unknown extension: %v", err)
	}
	// Files sipctl did not write are refused, naming the line, unchanged.
	for name, content := range map[string]string{"old.json": "old", "cut.json": "[\n{\"sid\":\"CR1\",", "other.csv": "a,b\n1,2\n",
		"cut.csv": "sid,username,domain,password\nCR1,alice,d,pw\nCR2,bob"} {
		path := filepath.Join(dir, name)
		os.WriteFile(path, []byte(content), 0o600)
		err := WriteHandover(path, rs)
		var he *HandoverError
		if !errors.As(err, &he) || he.Line == 0 || !strings.Contains(err.Error(), path) {
			t.Errorf("%s: %v", name, err)
		}
		if b, _ := os.ReadFile(path); string(b) != content {
			t.Errorf("%s was changed", name)
		}
	}
	des, _ := os.ReadDir(dir)
	for _, de := range des {
		// The lock files beside handovers stay (removing one would let
		// two processes lock different files of the same name).
		if strings.HasPrefix(de.Name(), ".") && !strings.HasSuffix(de.Name(), ".lock") {
			t.Fatalf("leftover temporary file %s", de.Name())
		}
	}
}

func setter(p provider.SIPAccounts) Applier {
	return func(ctx context.Context, e journal.Entry) (string, error) {
		return "", p.SetSIPPassword(ctx, provider.SIPAccount{Ref: e.Ref, Username: e.Username, Domain: e.Domain}, e.Password)
	}
}

func listOf(ref string) string { l, _, _ := strings.Cut(ref, "/"); return l }

// A run starts at half its budget (one round trip from the provider's
// documented limit), small budgets at up to 8, never above the budget.
func TestInitialWindow(t *testing.T) {
	for budget, want := range map[int]int{1: 1, 4: 4, 8: 8, 10: 8, 16: 8, 17: 8, 40: 20, 100: 50, 250: 125} {
		if got := initialWindow(budget); got != want {
			t.Errorf("initialWindow(%d) = %d, want %d", budget, got, want)
		}
	}
}
