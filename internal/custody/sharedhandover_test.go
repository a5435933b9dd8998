package custody_test

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
)

// Eight runs over disjoint domains write one big handover at once, several
// rounds: the handover's lock serialises their read–merge–write, so no run
// overwrites another's rows (issue 20: 20 passwords lost in 10 of 12
// trials without it).
func TestHandoverSharedByEightRuns(t *testing.T) {
	w := newWorld(t, serveOpts{})
	const runs, per, rounds, old = 8, 4, 4, 40000
	var domains []string
	for i := range runs {
		short := fmt.Sprintf("shard%d", i)
		w.useDomain(short)
		h := w.path(short + "-created.csv")
		w.handovers[h] = true
		args := []string{"accounts", "create", "--domain", short, "--output", h}
		for k := range per {
			args = append(args, fmt.Sprintf("s%d-%d", i, k))
		}
		w.mustRun("", args...)
		domains = append(domains, short)
	}
	shared := w.path("shared.csv")
	var b strings.Builder
	b.WriteString("sid,username,domain,password\n")
	for i := range old {
		fmt.Fprintf(&b, "CR%032x,old%05d,elsewhere.sip.twilio.com,Old-Password-%05d\n", i, i, i)
	}
	if err := os.WriteFile(shared, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	w.handovers[shared] = true
	for round := range rounds {
		var wg sync.WaitGroup
		errs := make([]string, runs)
		for i, d := range domains {
			wg.Go(func() {
				_, errOut, code := w.run("", "password", "rotate", "--domain", d, "-y", "--output", shared)
				if code != 0 {
					errs[i] = fmt.Sprintf("round %d, %s: exit %d\n%s", round, d, code, errOut)
				}
			})
		}
		wg.Wait()
		for _, e := range errs {
			if e != "" {
				t.Fatal(e)
			}
		}
		rows := readHandover(t, shared)
		if len(rows) != old+runs*per {
			t.Fatalf("round %d: the handover has %d rows, want %d", round, len(rows), old+runs*per)
		}
		seen := map[string]bool{}
		for i, r := range rows {
			if i < old && (r.Username != fmt.Sprintf("old%05d", i) || r.Password != fmt.Sprintf("Old-Password-%05d", i)) {
				t.Fatalf("round %d: row %d changed: %s@%s", round, i, r.Username, r.Domain)
			}
			seen[r.Username+"@"+r.Domain] = true
		}
		for i, d := range domains {
			for k := range per {
				if a := fmt.Sprintf("s%d-%d@%s.sip.twilio.com", i, k, d); !seen[a] {
					t.Fatalf("round %d: %s is missing from the handover", round, a)
				}
			}
		}
	}
	// The newest row of each account is the one that registers.
	for _, d := range domains {
		w.short, w.domain = d, d+".sip.twilio.com"
		got := w.invariant("after the shared runs")
		for _, r := range readHandover(t, shared) {
			if r.Domain == w.domain && got[r.Username] != r.Password {
				t.Errorf("%s@%s registers with another password than its row in the shared handover", r.Username, r.Domain)
			}
		}
	}
}
