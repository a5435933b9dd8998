package testenv

import (
	"strings"
	"testing"
)

// OK runs sipctl (Run) and fails t unless it exits 0; it returns stdout.
func (e *Env) OK(t testing.TB, stdin string, args ...string) string {
	t.Helper()
	out, errs, code := e.Run(t, stdin, args...)
	if code != 0 {
		t.Fatalf("sipctl %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errs)
	}
	return out
}

// Fails runs sipctl (Run) and fails t unless it exits with want and an
// error of one line (a hint line may follow) containing wantErr.
func (e *Env) Fails(t testing.TB, want int, wantErr, stdin string, args ...string) {
	t.Helper()
	out, errs, code := e.Run(t, stdin, args...)
	if code != want || !strings.Contains(errs, wantErr) || strings.Count(strings.SplitN(errs, "\nhint:", 2)[0], "\n") > 1 {
		t.Fatalf("sipctl %s: exit %d, want %d with %q\n%s%s", strings.Join(args, " "), code, want, wantErr, out, errs)
	}
}
