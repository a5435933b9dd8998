package create_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/sipctl/sipctl/internal/cmd/accounts/create"
	"github.com/sipctl/sipctl/internal/sipctlcmd"
	"github.com/spf13/cobra"
)

// Errors reach the user through sipctlcmd.PrintError: one line, then a hint.
func TestCreateErrorsPrintAsOneLineWithAHint(t *testing.T) {
	cases := []struct {
		name string
		err  func(*testing.T) error
		line string
		hint string
		code int
	}{
		{"Twilio 21240", create.RejectedError, "error: Twilio error 21240: Credential list validation failed",
			"hint: Twilio rejected the credential list", 1},
		{"unknown domain", create.UnknownDomainError, `error: no SIP domain "offce.sip.twilio.com" in this account: not found`,
			"hint: create it with `sipctl domains create offce`", 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var stderr bytes.Buffer
			code := sipctlcmd.PrintError(&stderr, &cobra.Command{Use: "create"}, tc.err(t))
			lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
			if code != tc.code || len(lines) != 2 || lines[0] != tc.line || !strings.HasPrefix(lines[1], tc.hint) {
				t.Errorf("exit %d, stderr:\n%s", code, stderr.String())
			}
		})
	}
}
