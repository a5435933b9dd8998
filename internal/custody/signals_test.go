package custody_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
)

// SIGINT during a 429 storm: no request starts after the signal, the
// API client's own retries included (they used to go on waiting out
// Retry-After and sending again). The run exits 3 with its resume
// command, which then finishes it.
func TestSignalInA429Storm(t *testing.T) {
	w := newWorld(t, serveOpts{})
	w.createAccounts("t", 4)
	up, _ := url.Parse(w.api)
	proxy := httputil.NewSingleHostReverseProxy(up)
	var (
		throttle  atomic.Bool
		writes    atomic.Int64
		mu        sync.Mutex
		cmd       *exec.Cmd
		atSignal  int64 = -1
		signalled atomic.Bool
	)
	throttle.Store(true)
	front := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && strings.Contains(r.URL.Path, "/Credentials/CR") && throttle.Load() {
			n := writes.Add(1)
			if n == 2 && signalled.CompareAndSwap(false, true) {
				mu.Lock()
				atSignal = n
				cmd.Process.Signal(syscall.SIGINT)
				mu.Unlock()
			}
			rw.Header().Set("Retry-After", "2")
			rw.Header().Set("Content-Type", "application/json")
			rw.WriteHeader(http.StatusTooManyRequests)
			fmt.Fprint(rw, `{"code": 20429, "message": "Too Many Requests", "status": 429}`)
			return
		}
		proxy.ServeHTTP(rw, r)
	}))
	defer front.Close()
	w.env.Set("SIPCTL_API_URL", front.URL)
	h := w.path("storm.json")
	w.handovers[h] = true
	mu.Lock()
	c, _, wait := w.start("password", "rotate", "--domain", w.short, "-y", "--output", h, "--concurrency", "1")
	cmd = c
	mu.Unlock()
	_, errOut, code := wait()
	if !signalled.Load() {
		t.Fatalf("the storm never reached 2 writes:\n%s", errOut)
	}
	if n := writes.Load(); n != atSignal {
		t.Fatalf("%d password writes reached the server after SIGINT", n-atSignal)
	}
	m := resumeCmd.FindStringSubmatch(errOut)
	if code != 3 || m == nil {
		t.Fatalf("exit %d, want 3 with a resume command:\n%s", code, errOut)
	}
	w.invariant("after the signal")
	throttle.Store(false)
	if _, errOut, code := w.run("", strings.Fields(m[1])[1:]...); code != 0 {
		t.Fatalf("%s: exit %d\n%s", m[1], code, errOut)
	}
	if js := journals(w); len(js) != 0 {
		t.Fatalf("journals left: %v", js)
	}
	w.invariant("after resume")
}
