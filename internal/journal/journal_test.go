package journal

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/sipctl/sipctl/internal/provider"
)

func sample(n int) []Entry {
	var es []Entry
	for i := range n {
		es = append(es, Entry{Op: OpRotate, AccountSID: "AC1", CredentialListSID: "CL1",
			CredentialSID: fmt.Sprintf("CR%d", i), Username: fmt.Sprintf("u%d", i), Domain: "d.sip.twilio.com",
			Password: fmt.Sprintf("Pw-%d-Secret", i), Status: Done /* ignored by Create */})
	}
	return es
}

func TestCreateOpenRoundTrip(t *testing.T) {
	dir := Dir(t.TempDir())
	j, err := Create(dir, Header{Profile: "acme", Provider: "twilio", AccountSID: "AC1", Output: "out.csv"}, sample(5))
	if err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(j.Path())
	dst, _ := os.Stat(dir)
	if st.Mode().Perm() != 0o600 || dst.Mode().Perm() != 0o700 {
		t.Fatalf("modes file %v dir %v", st.Mode().Perm(), dst.Mode().Perm())
	}
	for _, e := range j.Entries() {
		if e.Status != Pending {
			t.Fatalf("entry %d created as %s", e.ID, e.Status)
		}
	}
	if err := j.Mark(1, Done, "", ""); err != nil {
		t.Fatal(err)
	}
	if err := j.Mark(3, Failed, "HTTP 400", ""); err != nil {
		t.Fatal(err)
	}
	if err := j.Mark(9, Done, "", ""); err == nil {
		t.Fatal("marking an unknown entry succeeded")
	}
	j.Close()

	k, err := Open(j.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	h := k.Header()
	if h.Profile != "acme" || h.Output != "out.csv" || h.RunID == "" || h.Created.IsZero() {
		t.Fatalf("header %+v", h)
	}
	es := k.Entries()
	if len(es) != 5 || es[1].Status != Done || es[3].Status != Failed || es[3].Error != "HTTP 400" || es[0].Status != Pending {
		t.Fatalf("entries %+v", es)
	}
	if es[4].Password != "Pw-4-Secret" || es[4].CredentialSID != "CR4" || es[4].Domain != "d.sip.twilio.com" {
		t.Fatalf("entry 4 %+v", es[4])
	}
	if u := k.Unfinished(); len(u) != 4 {
		t.Fatalf("%d unfinished, want 4", len(u))
	}
	// Status lines appended after reopening are kept too.
	k.Mark(0, Done, "", "")
	k.Close()
	m, _ := Open(j.Path())
	if m.Entry(0).Status != Done {
		t.Fatal("status written after reopen lost")
	}
	if err := m.Remove(); err != nil {
		t.Fatal(err)
	}
	if paths, _ := List(dir); len(paths) != 0 {
		t.Fatalf("journal not removed: %v", paths)
	}
}

func TestTornLastLineIgnored(t *testing.T) {
	dir := t.TempDir()
	j, err := Create(dir, Header{}, sample(3))
	if err != nil {
		t.Fatal(err)
	}
	j.Mark(0, Done, "", "")
	j.Close()
	f, _ := os.OpenFile(j.Path(), os.O_WRONLY|os.O_APPEND, 0)
	f.WriteString(`{"kind":"status","id":1,"sta`)
	f.Close()
	k, err := Open(j.Path())
	if err != nil {
		t.Fatal(err)
	}
	if k.Entry(0).Status != Done || k.Entry(1).Status != Pending {
		t.Fatalf("entries %+v", k.Entries())
	}
	k.Close()

	// A corrupt line in the middle is an error, not silently skipped.
	b, _ := os.ReadFile(j.Path())
	lines := strings.Split(string(b), "\n")
	lines[2] = "garbage"
	os.WriteFile(j.Path(), []byte(strings.Join(lines, "\n")), 0o600)
	if _, err := Open(j.Path()); err == nil || !strings.Contains(err.Error(), "corrupt") {
		t.Fatalf("Open of corrupt journal: %v", err)
	}
}

func TestListOldestFirst(t *testing.T) {
	dir := t.TempDir()
	var want []string
	for range 3 {
		j, err := Create(dir, Header{}, sample(1))
		if err != nil {
			t.Fatal(err)
		}
		j.Close()
		want = append(want, j.Path())
	}
	os.WriteFile(filepath.Join(dir, "other.txt"), nil, 0o600)
	got, err := List(dir)
	if err != nil || strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("List = %v, %v; want %v", got, err, want)
	}
	if got, err := List(filepath.Join(dir, "absent")); err != nil || got != nil {
		t.Fatalf("List(absent) = %v, %v", got, err)
	}
}

func TestConcurrentMarks(t *testing.T) {
	j, err := Create(t.TempDir(), Header{}, sample(500))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for w := range 10 {
		wg.Go(func() {
			for i := w; i < 500; i += 10 {
				j.Mark(i, Done, "", "")
			}
		})
	}
	wg.Wait()
	j.Close()
	k, err := Open(j.Path())
	if err != nil {
		t.Fatal(err)
	}
	if u := k.Unfinished(); len(u) != 0 {
		t.Fatalf("%d unfinished after marking all", len(u))
	}
}

// fakeLists is an in-memory credential store: the provider's side of Apply.
type fakeLists struct {
	provider.CredentialLists
	mu    sync.Mutex
	creds map[string]provider.Credential // sid -> credential
	pw    map[string]string              // sid -> password
	calls []string
}

func newFake() *fakeLists {
	return &fakeLists{creds: map[string]provider.Credential{}, pw: map[string]string{}}
}

func (f *fakeLists) ListCredentials(ctx context.Context, list string) iter.Seq2[provider.Credential, error] {
	return func(yield func(provider.Credential, error) bool) {
		f.mu.Lock()
		f.calls = append(f.calls, "list")
		var cs []provider.Credential
		for _, c := range f.creds {
			if c.CredentialListSID == list {
				cs = append(cs, c)
			}
		}
		f.mu.Unlock()
		for _, c := range cs {
			if !yield(c, nil) {
				return
			}
		}
	}
}

func (f *fakeLists) CreateCredential(ctx context.Context, list, user, pw string) (provider.Credential, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "create "+user)
	c := provider.Credential{SID: fmt.Sprintf("CR%d", len(f.creds)+100), CredentialListSID: list, Username: user}
	f.creds[c.SID], f.pw[c.SID] = c, pw
	return c, nil
}

func (f *fakeLists) UpdateCredentialPassword(ctx context.Context, list, sid, pw string) (provider.Credential, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "update "+sid)
	c, ok := f.creds[sid]
	if !ok || c.CredentialListSID != list {
		return provider.Credential{}, fmt.Errorf("credential %s: %w", sid, provider.ErrNotFound)
	}
	f.pw[sid] = pw
	return c, nil
}

func TestApply(t *testing.T) {
	ctx := context.Background()
	f := newFake()
	f.creds["CR1"] = provider.Credential{SID: "CR1", CredentialListSID: "CL1", Username: "alice"}

	// rotate: update in place
	if _, err := Apply(ctx, f, Entry{Op: OpRotate, CredentialListSID: "CL1", CredentialSID: "CR1", Username: "alice", Password: "A"}); err != nil || f.pw["CR1"] != "A" {
		t.Fatalf("rotate: %v, pw %q", err, f.pw["CR1"])
	}
	// create that already reached the provider: found by username, updated
	if c, err := Apply(ctx, f, Entry{Op: OpCreate, CredentialListSID: "CL1", Username: "alice", Password: "B"}); err != nil || c.SID != "CR1" || f.pw["CR1"] != "B" {
		t.Fatalf("create-existing: %+v %v", c, err)
	}
	// create that never reached it: created
	c, err := Apply(ctx, f, Entry{Op: OpCreate, CredentialListSID: "CL1", Username: "bob", Password: "C"})
	if err != nil || c.Username != "bob" || f.pw[c.SID] != "C" {
		t.Fatalf("create-new: %+v %v", c, err)
	}
	if len(f.creds) != 2 {
		t.Fatalf("%d credentials, want 2 (no duplicate)", len(f.creds))
	}
	// applying the same create twice does not duplicate
	if _, err := Apply(ctx, f, Entry{Op: OpCreate, CredentialListSID: "CL1", Username: "bob", Password: "C"}); err != nil || len(f.creds) != 2 {
		t.Fatalf("second create: %v, %d creds", err, len(f.creds))
	}
	// rotate of a deleted credential is an error naming not found
	_, err = Apply(ctx, f, Entry{Op: OpRotate, CredentialListSID: "CL1", CredentialSID: "CRgone", Username: "x", Password: "D"})
	if !errors.Is(err, provider.ErrNotFound) {
		t.Fatalf("rotate of missing credential: %v", err)
	}
}
