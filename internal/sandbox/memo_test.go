package sandbox

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/twilio"
)

// pathLog is a transport that notes each request as "METHOD /last/two".
type pathLog struct {
	next http.RoundTripper
	mu   sync.Mutex
	seen []string
}

func (r *pathLog) RoundTrip(req *http.Request) (*http.Response, error) {
	parts := strings.Split(strings.TrimSuffix(req.URL.Path, ".json"), "/")
	r.mu.Lock()
	r.seen = append(r.seen, req.Method+" "+strings.Join(parts[max(0, len(parts)-2):], "/"))
	r.mu.Unlock()
	return r.next.RoundTrip(req)
}

func (r *pathLog) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	seen := r.seen
	r.seen = nil
	return seen
}

// A create after a listing of the same domain does not read the domain's
// credential-list mappings again (two round trips before a bulk create's
// first account), and the client's own attach or detach makes it read them
// afresh.
func TestTwilioClientRemembersAttachedLists(t *testing.T) {
	s := openTest(t)
	sid, tok := s.Account()
	rec := &pathLog{next: s.RoundTripper()}
	c, err := twilio.New(twilio.Options{BaseURL: "http://127.0.0.1", AccountSID: sid, Secret: tok,
		HTTPClient: &http.Client{Transport: rec}, MaxRetries: -1, ProviderName: "sandbox"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	d, err := c.CreateDomain(ctx, provider.DomainParams{DomainName: ptr("memo.sip.twilio.com"), SIPRegistration: ptr(true)})
	if err != nil {
		t.Fatal(err)
	}
	list := func() {
		t.Helper()
		for _, err := range c.ListSIPAccounts(ctx, provider.AccountQuery{Domain: "memo"}) {
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	create := func(user string) {
		t.Helper()
		if _, err := c.CreateSIPAccount(ctx, provider.NewSIPAccount{Username: user, Domain: "memo", Password: "Sandbox-Memo-Pass-1"}); err != nil {
			t.Fatal(err)
		}
	}
	// mappingReads counts the mapping reads before a create's credential
	// is written: the memo saves those. The reads after it are the check
	// that the username is unique on the domain, which must be fresh.
	mappingReads := func(seen []string) int {
		n := 0
		for _, r := range seen {
			if strings.HasPrefix(r, "POST CL") && strings.HasSuffix(r, "/Credentials") {
				break
			}
			if r == "GET Registrations/CredentialListMappings" || r == "GET Calls/CredentialListMappings" {
				n++
			}
		}
		return n
	}

	rec.take()
	list()
	if n := mappingReads(rec.take()); n != 2 {
		t.Fatalf("the listing read the mappings %d times, want 2", n)
	}
	create("alice")
	seen := rec.take()
	if n := mappingReads(seen); n != 0 {
		t.Fatalf("the create after the listing read the mappings again: %v", seen)
	}
	if !slices.Contains(seen, "POST Registrations/CredentialListMappings") || !slices.Contains(seen, "POST Calls/CredentialListMappings") {
		t.Fatalf("the first create did not attach the new list: %v", seen)
	}
	// What the client attached is what it remembers: the next create goes
	// straight to the list.
	create("bob")
	if seen := rec.take(); mappingReads(seen) != 0 || slices.Contains(seen, "POST Registrations/CredentialListMappings") {
		t.Fatalf("the second create = %v, want no mapping read or attach", seen)
	}
	lists, err := c.AttachedLists(ctx, d.SID)
	if err != nil || len(lists) != 1 {
		t.Fatalf("AttachedLists = %v, %v", lists, err)
	}
	if err := c.DetachCredentialList(ctx, d.SID, provider.ForRegistrations, lists[0].SID); err != nil {
		t.Fatal(err)
	}
	rec.take()
	// Detached for registrations by this client: the next create reads
	// again, finds no registration list and attaches one.
	create("carol")
	seen = rec.take()
	if mappingReads(seen) != 2 || !slices.Contains(seen, "POST Registrations/CredentialListMappings") {
		t.Fatalf("the create after a detach = %v, want the mappings read again and the list attached", seen)
	}
	n := 0
	for a, err := range c.ListSIPAccounts(ctx, provider.AccountQuery{Domain: "memo"}) {
		if err != nil {
			t.Fatal(err)
		}
		if a.Username == "alice" || a.Username == "bob" || a.Username == "carol" {
			n++
		}
	}
	if n != 3 {
		t.Fatalf("%d of the 3 accounts are on the domain", n)
	}
}
