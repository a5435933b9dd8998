package custody_test

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// A handover that is, or links to, a FIFO is refused before any change,
// without opening it (which would block until a reader came).
func TestHandoverFIFORefused(t *testing.T) {
	w := newWorld(t, serveOpts{})
	w.createAccounts("q", 2)
	before := w.invariant("before")
	fifo := w.path("pipe.json")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	link := w.path("link.json")
	if err := os.Symlink(filepath.Base(fifo), link); err != nil {
		t.Fatal(err)
	}
	for _, out := range []string{fifo, link} {
		for _, args := range [][]string{
			{"password", "rotate", "--domain", w.short, "-y", "--output", out},
			{"accounts", "create", "--domain", w.short, "--output", out, "n1", "n2"},
		} {
			_, errOut, code := w.run("", args...)
			if code == 0 || !strings.Contains(errOut, "not a regular file") {
				t.Errorf("%v: exit %d\n%s", args, code, errOut)
			}
		}
	}
	unchanged(t, w, before, "a refused FIFO handover")
	if js := journals(w); len(js) != 0 {
		t.Errorf("journals left: %v", js)
	}
	if n := len(w.accounts()); n != 2 {
		t.Errorf("%d accounts after refused creates", n)
	}
}
