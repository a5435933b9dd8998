package rotate

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/sipctl/sipctl/internal/journal"
	"github.com/sipctl/sipctl/internal/password"
)

// Entries of several groups (a run across subaccounts) share one limiter:
// the applier never has more than Concurrency in flight across all of
// them, and the progress says when each group is finished.
func TestGroupsShareOneLimiter(t *testing.T) {
	var es []journal.Entry
	for _, acct := range []string{"ACa", "ACb", "ACc", "ACd"} {
		for i := range 30 {
			es = append(es, journal.Entry{Op: journal.OpRotate, AccountSID: acct, Ref: fmt.Sprintf("%s/%d", acct, i),
				Username: fmt.Sprintf("u%d", i), Domain: strings.ToLower(acct) + ".example", Password: "New-Password-1x"})
		}
	}
	j, err := journal.Create(t.TempDir(), journal.Header{}, es)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	var inFlight, peak atomic.Int64
	var mu sync.Mutex
	perGroup := map[string]int{}
	apply := func(ctx context.Context, e journal.Entry) (string, error) {
		n := inFlight.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		mu.Lock()
		perGroup[e.AccountSID]++
		mu.Unlock()
		inFlight.Add(-1)
		return "", nil
	}
	var progress bytes.Buffer
	sum := Run(context.Background(), apply, j, nil, Options{Concurrency: 5, Progress: &progress,
		Group: func(e journal.Entry) string { return "customer " + e.AccountSID }})
	if !sum.OK() || len(sum.Rotated) != 120 {
		t.Fatalf("summary: %d rotated, %d failed, %d not attempted", len(sum.Rotated), len(sum.Failed), len(sum.NotAttempted))
	}
	if p := peak.Load(); p > 5 {
		t.Fatalf("%d changes in flight at once across the groups; the budget is 5", p)
	}
	for _, acct := range []string{"ACa", "ACb", "ACc", "ACd"} {
		if perGroup[acct] != 30 {
			t.Fatalf("%s: %d applied", acct, perGroup[acct])
		}
		if !strings.Contains(progress.String(), "  customer "+acct+": 30 rotated, 0 failed\n") {
			t.Fatalf("no line for %s in the progress:\n%q", acct, progress.String())
		}
	}
	if !strings.Contains(progress.String(), "120/120 done, 0 failed; 4 of 4 customers finished") {
		t.Fatalf("progress:\n%q", progress.String())
	}
}

// One user on one domain shares one password within an account, never
// across customers with the same username on a shared domain.
func TestPlanSharesPasswordsOnlyWithinAnAccount(t *testing.T) {
	pol, _ := password.Builtin("twilio")
	ts := []Target{
		{AccountSID: "ACa", Ref: "CLa1/CR1", Username: "desk", Domain: "sip.example.com"},
		{AccountSID: "ACa", Ref: "CLa2/CR2", Username: "desk", Domain: "sip.example.com"},
		{AccountSID: "ACb", Ref: "CLb1/CR3", Username: "desk", Domain: "sip.example.com"},
	}
	es, err := Plan(ts, pol, "twilio", "test")
	if err != nil {
		t.Fatal(err)
	}
	if es[0].Password != es[1].Password {
		t.Error("one account's user on two lists got two passwords")
	}
	if es[0].Password == es[2].Password {
		t.Error("two customers got the same password")
	}
}
