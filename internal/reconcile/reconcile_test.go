package reconcile

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/sipctl/sipctl/internal/manifest"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/sandbox"
	"github.com/sipctl/sipctl/internal/twilio"
)

// writes counts the requests that change something, at the server.
type writes struct {
	mu   sync.Mutex
	list []string
}

func (w *writes) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			w.mu.Lock()
			w.list = append(w.list, r.Method+" "+r.URL.Path)
			w.mu.Unlock()
		}
		h.ServeHTTP(rw, r)
	})
}

func (w *writes) take() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := w.list
	w.list = nil
	return out
}

// newSandbox serves a fresh sandbox over loopback HTTP behind a write
// counter and returns the Twilio client sipctl uses against it.
func newSandbox(t *testing.T) (*twilio.Client, *writes) {
	t.Helper()
	sb, err := sandbox.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	w := &writes{}
	srv := httptest.NewServer(w.wrap(sb.Handler()))
	t.Cleanup(func() { srv.Close(); sb.Close() })
	sid, tok := sb.Account()
	c, err := twilio.New(twilio.Options{BaseURL: srv.URL, AccountSID: sid, Secret: tok, ProviderName: "sandbox", MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	return c, w
}

func load(t *testing.T, p provider.SIPAccounts, src string) *manifest.File {
	t.Helper()
	f, err := manifest.Load("m.yaml", []byte(src), p)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func plan(t *testing.T, p provider.SIPAccounts, f *manifest.File, prune bool) (*State, *Plan) {
	t.Helper()
	st, err := Read(context.Background(), p, f, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pl, err := Diff(f, st, prune)
	if err != nil {
		t.Fatal(err)
	}
	return st, pl
}

func lines(pl *Plan) []string {
	var out []string
	for _, c := range pl.Changes {
		s := string(c.Action) + " " + c.Kind + " " + c.Name
		if d := c.Detail(); d != "" {
			s += " " + d
		}
		out = append(out, s)
	}
	return out
}

// direct creates accounts as `accounts create` would, for the apply tests
// that cover what apply does without custody.
func direct(t *testing.T, p provider.SIPAccounts, domain string, users ...string) {
	t.Helper()
	for _, u := range users {
		if _, err := p.CreateSIPAccount(context.Background(), provider.NewSIPAccount{Username: u, Domain: domain, Password: "Initial-Password-1x"}); err != nil {
			t.Fatal(err)
		}
	}
}

const base = `domains:
  - name: office
    accounts: [alice, bob]
    ip_acls: [hq]
ip_acls:
  - name: hq
    addresses: [203.0.113.10, 198.51.100.0/24]
  - name: lab
    addresses: []
`

func TestPlanApplyConverges(t *testing.T) {
	p, w := newSandbox(t)
	ctx := context.Background()
	f := load(t, p, base)

	st, pl := plan(t, p, f, false)
	want := []string{
		"create ip_acl hq +203.0.113.10 +198.51.100.0/24",
		"create ip_acl lab",
		"create domain office.sip.twilio.com +hq",
		"create account alice@office.sip.twilio.com",
		"create account bob@office.sip.twilio.com",
	}
	if got := lines(pl); !slices.Equal(got, want) {
		t.Fatalf("plan:\n%q\nwant\n%q", got, want)
	}
	if len(w.take()) != 0 {
		t.Fatal("plan sent a write request")
	}
	// Without custody, a plan with new accounts is refused before any change.
	if err := Apply(ctx, p, st, pl, ApplyOptions{}); err != ErrAccountsNeedCustody {
		t.Fatalf("apply without custody: %v", err)
	}
	if got := w.take(); len(got) != 0 {
		t.Fatalf("refused apply wrote: %v", got)
	}
	// A stand-in for custody that creates with a fixed password: custody
	// itself is tested end to end with the binary.
	ro := ApplyOptions{BeginCreates: func(as []NewAccount) (func(context.Context) error, func(), error) {
		return func(ctx context.Context) error {
			for _, a := range as {
				if _, err := p.CreateSIPAccount(ctx, provider.NewSIPAccount{Username: a.Username, Domain: a.Domain, Password: "Initial-Password-1x", Options: a.Options}); err != nil {
					return err
				}
			}
			return nil
		}, func() {}, nil
	}}
	if err := Apply(ctx, p, st, pl, ro); err != nil {
		t.Fatal(err)
	}
	w.take()

	_, pl = plan(t, p, f, true)
	if !pl.Empty() {
		t.Fatalf("after apply: %q", lines(pl))
	}
	if got := w.take(); len(got) != 0 {
		t.Fatalf("second plan wrote: %v", got)
	}

	// Edits: one account added, one removed, an address changed, an ACL
	// detached.
	edited := `domains:
  - name: office
    accounts: [alice, carol]
    ip_acls: []
ip_acls:
  - name: hq
    addresses: [203.0.113.11, 198.51.100.0/24]
`
	f = load(t, p, edited)
	_, pl = plan(t, p, f, false)
	want = []string{
		"update ip_acl hq +203.0.113.11 -203.0.113.10",
		"update domain office.sip.twilio.com -hq",
		"create account carol@office.sip.twilio.com",
	}
	if got := lines(pl); !slices.Equal(got, want) || !slices.Equal(pl.Unmanaged, []string{"bob@office.sip.twilio.com"}) {
		t.Fatalf("edited plan:\n%q (unmanaged %q)\nwant\n%q", got, pl.Unmanaged, want)
	}
	st, pl = plan(t, p, f, true)
	want = append(want, "delete account bob@office.sip.twilio.com")
	if got := lines(pl); !slices.Equal(got, want) || len(pl.Unmanaged) != 0 || pl.Summary != (Summary{Create: 1, Update: 2, Delete: 1}) {
		t.Fatalf("pruned plan:\n%q %+v\nwant\n%q", got, pl.Summary, want)
	}
	if err := Apply(ctx, p, st, pl, ro); err != nil {
		t.Fatal(err)
	}
	w.take()
	_, pl = plan(t, p, f, true)
	if !pl.Empty() {
		t.Fatalf("after the edit: %q", lines(pl))
	}

	// Export describes the whole state; planning it changes nothing.
	all, err := Read(ctx, p, nil, ReadOptions{All: true})
	if err != nil {
		t.Fatal(err)
	}
	b, err := manifest.Encode(all.Export(time.Now()))
	if err != nil {
		t.Fatal(err)
	}
	f = load(t, p, string(b))
	_, pl = plan(t, p, f, true)
	if !pl.Empty() {
		t.Fatalf("plan of the export:\n%s\n%q", b, lines(pl))
	}
	if len(f.IPACLs) != 2 || len(f.Domains) != 1 || len(f.Domains[0].Accounts) != 2 {
		t.Fatalf("export:\n%s", b)
	}
	if got := w.take(); len(got) != 0 {
		t.Fatalf("export and plan wrote: %v", got)
	}
}

// TestUndeclaredUntouched: domains and IP ACLs the file does not name, and
// the accounts on them, are not in the plan even with prune.
func TestUndeclaredUntouched(t *testing.T) {
	p, _ := newSandbox(t)
	ctx := context.Background()
	for _, n := range []string{"office.sip.twilio.com", "other.sip.twilio.com"} {
		on := true
		if _, err := p.CreateDomain(ctx, provider.DomainParams{DomainName: &n, SIPRegistration: &on}); err != nil {
			t.Fatal(err)
		}
	}
	direct(t, p, "other", "x1", "x2")
	direct(t, p, "office", "alice")
	if _, err := p.CreateIPACL(ctx, "elsewhere"); err != nil {
		t.Fatal(err)
	}
	f := load(t, p, "domains:\n  - name: office\n    accounts: [alice]\n")
	_, pl := plan(t, p, f, true)
	if !pl.Empty() {
		t.Fatalf("plan: %q", lines(pl))
	}
	// A domain without `accounts:` leaves its accounts alone.
	f = load(t, p, "domains:\n  - name: other\n")
	if _, pl = plan(t, p, f, true); !pl.Empty() {
		t.Fatalf("plan: %q", lines(pl))
	}
}

// TestBatchedCreate: after one preparation per domain, each create is one
// write request; a taken username is ErrExists (with the account), and a
// password the provider refuses is not.
func TestBatchedCreate(t *testing.T) {
	p, w := newSandbox(t)
	ctx := context.Background()
	name, on := "office.sip.twilio.com", true
	if _, err := p.CreateDomain(ctx, provider.DomainParams{DomainName: &name, SIPRegistration: &on}); err != nil {
		t.Fatal(err)
	}
	b := Batched(p)
	if _, ok := b.(*batched); !ok {
		t.Fatal("the Twilio client is not batched")
	}
	if _, err := b.CreateSIPAccount(ctx, provider.NewSIPAccount{Username: "first", Domain: "office.sip.twilio.com", Password: "Initial-Password-1x"}); err != nil {
		t.Fatal(err)
	}
	w.take() // the preparation made and attached the domain's list
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			a, err := b.CreateSIPAccount(ctx, provider.NewSIPAccount{Username: "u" + string(rune('a'+i)), Domain: "office.sip.twilio.com", Password: "Initial-Password-1x"})
			if err != nil || a.Ref == "" {
				t.Errorf("create: %+v %v", a, err)
			}
		})
	}
	wg.Wait()
	if got := w.take(); len(got) != 20 {
		t.Fatalf("%d write requests for 20 creates: %v", len(got), got)
	}
	a, err := b.CreateSIPAccount(ctx, provider.NewSIPAccount{Username: "ua", Domain: "office.sip.twilio.com", Password: "Initial-Password-1x"})
	if !errors.Is(err, provider.ErrExists) || a.Ref == "" {
		t.Fatalf("duplicate: %+v %v", a, err)
	}
	if _, err := b.CreateSIPAccount(ctx, provider.NewSIPAccount{Username: "weak", Domain: "office.sip.twilio.com", Password: "short"}); err == nil || errors.Is(err, provider.ErrExists) {
		t.Fatalf("weak password: %v", err)
	}
	st, err := Read(ctx, p, nil, ReadOptions{All: true})
	if err != nil || len(st.Domains[name].Accounts) != 21 {
		t.Fatalf("accounts %v %v", st, err)
	}
}

// coreOnly is a provider with the neutral core and no capability (as
// Kamailio's accounts-only face): its domains exist through their accounts.
type coreOnly struct{ provider.SIPAccounts }

func TestCoreOnlyProvider(t *testing.T) {
	c, w := newSandbox(t)
	ctx := context.Background()
	name, on := "office.sip.twilio.com", true
	if _, err := c.CreateDomain(ctx, provider.DomainParams{DomainName: &name, SIPRegistration: &on}); err != nil {
		t.Fatal(err)
	}
	direct(t, c, "office", "alice")
	p := coreOnly{c}
	f := load(t, p, "domains:\n  - name: office\n    accounts: [alice, bob]\n  - name: lab\n    accounts: [carol]\n")
	if err := Supports(f, p); err != nil {
		t.Fatal(err)
	}
	_, pl := plan(t, p, f, true)
	want := []string{"create account bob@office.sip.twilio.com", "create account carol@lab.sip.twilio.com"}
	if got := lines(pl); !slices.Equal(got, want) {
		t.Fatalf("plan %q", got)
	}
	w.take()
	f = load(t, p, "domains:\n  - name: office\n    ip_acls: [hq]\nip_acls:\n  - name: hq\n")
	var mc *provider.MissingCapabilityError
	if err := Supports(f, p); !errors.As(err, &mc) || mc.What != "IP access control lists" {
		t.Fatalf("IP ACLs on a core-only provider: %v", err)
	}
}
