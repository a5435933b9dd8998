package custody_test

import (
	"fmt"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/sipctl/sipctl/internal/testenv/faultproxy"
)

// faultRate is the probability that a password write's answer is spoiled
// after the sandbox applied it. The engine re-sends an unknown write five
// times (backing off), so a run is slowed rather than left unfinished;
// the seeds that leave some unconfirmed exercise the resume path.
const faultRate = 0.3

// faultRuns is issue 20's proof: a proxy between sipctl and `sandbox
// serve` forwards every password write (create or set) and then, with a
// seeded probability, closes or resets the connection, or answers 404,
// 500, a malformed or a huge body. For 20 seeds (or SIPCTL_FAULT_SEED
// alone), run does one command on a fresh domain; afterwards, and after
// every resume the command printed, every account on the domain registers
// with a password on record, and none is left to a journal at the end.
func faultRuns(t *testing.T, run func(w *world, fp *faultproxy.Proxy, seed uint64) (errOut string, code int)) {
	faultRunsIn(newWorld(t, serveOpts{}), t, run, func(w *world, when string) { w.invariant(when) })
}

// faultRunsIn is faultRuns in a world made by the caller, with its own
// invariant.
func faultRunsIn(w *world, t *testing.T, run func(w *world, fp *faultproxy.Proxy, seed uint64) (errOut string, code int), invariant func(w *world, when string)) {
	fp := faultproxy.Start(t, w.api, faultproxy.Options{Match: func(r *http.Request) bool {
		return strings.Contains(r.URL.Path, "/Credentials")
	}})
	w.env.Set("SIPCTL_API_URL", fp.URL)
	parent := w.t
	for i := range 20 {
		seed, only := faultproxy.Seed(t, i)
		ok := t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			w.t = t
			defer func() { w.t = parent }()
			fp.Reset(seed, 0)
			w.useDomain(fmt.Sprintf("f%d", seed))
			errOut, code := run(w, fp, seed)
			faults := fp.Faults()
			t.Logf("faults: %s; exit %d (replay with %s=%d)", faults, code, faultproxy.Env, seed)
			if code != 0 && code != 3 {
				t.Fatalf("exit %d, want 0 or 3 (faults %s):\n%s", code, faults, errOut)
			}
			invariant(w, "after the run")
			for k := 0; len(journals(w)) > 0; k++ {
				if k == 5 {
					t.Fatalf("journals left after %d resumes: %v", k, journals(w))
				}
				m := resumeCmd.FindStringSubmatch(errOut)
				if code != 3 || m == nil {
					t.Fatalf("a journal is kept, but the run (exit %d) printed no resume command:\n%s", code, errOut)
				}
				if k == 4 {
					fp.Reset(seed+1, 0)
				}
				_, errOut, code = w.run("", strings.Fields(m[1])[1:]...)
				if code != 0 && code != 3 {
					t.Fatalf("%s: exit %d:\n%s", m[1], code, errOut)
				}
				invariant(w, "after a resume")
			}
			if code != 0 {
				t.Fatalf("exit %d with no journal left (faults %s):\n%s", code, fp.Faults(), errOut)
			}
		})
		if !ok || only {
			break
		}
	}
}

var resumeCmd = regexp.MustCompile("`(sipctl [^`]*--resume [^`]*)`")

func TestFaultsRotate(t *testing.T) {
	faultRuns(t, func(w *world, fp *faultproxy.Proxy, seed uint64) (string, int) {
		w.createAccounts("r", 5)
		h := w.path(fmt.Sprintf("rotate-%d.json", seed))
		w.handovers[h] = true
		fp.Reset(seed, faultRate)
		_, errOut, code := w.run("", "password", "rotate", "--domain", w.short, "-y", "--output", h)
		return errOut, code
	})
}

func TestFaultsBulkCreate(t *testing.T) {
	faultRuns(t, func(w *world, fp *faultproxy.Proxy, seed uint64) (string, int) {
		h := w.path(fmt.Sprintf("create-%d.csv", seed))
		w.handovers[h] = true
		fp.Reset(seed, faultRate)
		args := []string{"accounts", "create", "--domain", w.short, "--output", h}
		for i := range 5 {
			args = append(args, fmt.Sprintf("c%03d", i))
		}
		_, errOut, code := w.run("", args...)
		return errOut, code
	})
}

func TestFaultsApply(t *testing.T) {
	faultRuns(t, func(w *world, fp *faultproxy.Proxy, seed uint64) (string, int) {
		h := w.path(fmt.Sprintf("apply-%d.csv", seed))
		w.handovers[h] = true
		m := w.path(fmt.Sprintf("apply-%d.yaml", seed))
		var b strings.Builder
		fmt.Fprintf(&b, "provider: twilio\ndomains:\n  - name: %s\n    accounts:\n", w.short)
		for i := range 5 {
			fmt.Fprintf(&b, "      - a%03d\n", i)
		}
		if err := os.WriteFile(m, []byte(b.String()), 0o600); err != nil {
			w.t.Fatal(err)
		}
		fp.Reset(seed, faultRate)
		_, errOut, code := w.run("", "apply", "-f", m, "--output", h)
		return errOut, code
	})
}

// Single `accounts create` (its password printed with --json) through the
// fault proxy: a lost answer never makes an account whose password was
// not printed or journaled.
func TestFaultsSingleCreate(t *testing.T) {
	faultRuns(t, func(w *world, fp *faultproxy.Proxy, seed uint64) (string, int) {
		fp.Reset(seed, faultRate)
		var errs []string
		code := 0
		for i := range 3 {
			_, errOut, c := w.run("", "accounts", "create", fmt.Sprintf("one%d", i), "--domain", w.short, "--json")
			if c != 0 {
				errs = append(errs, errOut)
				code = max(code, c)
			}
		}
		return strings.Join(errs, "\n"), code
	})
}
