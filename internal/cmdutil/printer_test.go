package cmdutil

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/sipctl/sipctl/internal/provider"
)

// classed is a provider error the printer knows only by its class.
type classed struct {
	code provider.Code
	hint string
}

func (e classed) Error() string            { return "provider says " + e.code.String() }
func (e classed) ErrorCode() provider.Code { return e.code }
func (e classed) ErrorHint() string        { return e.hint }

func TestPrintErrorSeesOnlyNeutralClasses(t *testing.T) {
	for _, tc := range []struct {
		err  error
		code int
		hint string
	}{
		{classed{provider.Auth, "log in again"}, ExitAuth, "log in again"},
		{classed{provider.Auth, ""}, ExitAuth, "auth status"},
		{classed{provider.Unavailable, "check the tunnel"}, ExitNoAnswer, "check the tunnel"},
		{classed{provider.NotFound, "see the list"}, ExitFail, "see the list"},
		{classed{provider.RateLimited, "slow down"}, ExitFail, "slow down"},
		{classed{provider.Invalid, ""}, ExitFail, ""},
		{fmt.Errorf("creating: %w", provider.ErrExists), ExitFail, ""},
		{&provider.UnavailableError{Host: "api.example.test:443", Err: errors.New("connection reset by peer"), Written: true}, ExitNoAnswer, "API URL"},
	} {
		var buf bytes.Buffer
		code := PrintError(&buf, nil, fmt.Errorf("doing: %w", tc.err))
		out := buf.String()
		if code != tc.code || tc.hint != "" && !strings.Contains(out, "hint: ") || !strings.Contains(out, tc.hint) {
			t.Errorf("%v: exit %d, printed %q; want exit %d and a hint with %q", tc.err, code, out, tc.code, tc.hint)
		}
	}
}
