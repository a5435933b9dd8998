package sipctlcmd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/redact"
	"github.com/sipctl/sipctl/internal/telnyx"
	"github.com/sipctl/sipctl/internal/twilio"
	"github.com/spf13/cobra"
)

type noAnswerErr struct{}

func (noAnswerErr) Error() string  { return "the registrar said nothing" }
func (noAnswerErr) NoAnswer() bool { return true }

func TestPrintErrorRedactsSecrets(t *testing.T) {
	redact.Reset()
	t.Cleanup(redact.Reset)
	redact.Add("Registered-Secret-123")
	var buf bytes.Buffer
	PrintError(&buf, nil, cmdutil.WithHint(errors.New("HTTP 400: Password=Registered-Secret-123&x=Unknown%21Pw"), "retry with Registered-Secret-123"))
	if strings.Contains(buf.String(), "Registered-Secret-123") || !strings.Contains(buf.String(), "[REDACTED]") {
		t.Fatalf("printed %q", buf.String())
	}
}

func TestPrintErrorMapsKindsToExitCodes(t *testing.T) {
	cmd := &cobra.Command{Use: "domains"}
	cases := []struct {
		name     string
		err      error
		code     int
		line     string
		hintPart string
	}{
		{"usage", cmdutil.FlagErrorf("domain %q must end with sip.twilio.com", "x.example"), 2, `error: domain "x.example" must end with sip.twilio.com`, "--help"},
		{"cobra usage", errors.New("accepts 1 arg(s), received 0"), 2, "error: accepts 1 arg(s), received 0", "--help"},
		{"cancel", cmdutil.ErrCancel, 2, "cancelled", ""},
		{"partial", &cmdutil.PartialError{Failed: 2, Total: 10, RetryCommand: "sipctl password rotate --retry-failed RUN"}, 3, "error: 2 of 10 failed", "--retry-failed"},
		{"no credentials", &cmdutil.AuthError{Err: errors.New("no API credentials")}, 4, "error: no API credentials", "auth login"},
		{"refused", fmt.Errorf("listing domains: %w", &twilio.APIError{Status: 401, Code: 20003, Message: "Authenticate"}), 4, "error: listing domains: Twilio error 20003: Authenticate", "auth status"},
		{"api error with hint", &twilio.APIError{Status: 400, Code: 21232, Message: "Domain already exists"}, 1, "error: Twilio error 21232: Domain already exists", ""},
		{"unreachable", &twilio.UnreachableError{Host: "api.example.test:443", Err: errors.New("dial tcp: lookup api.example.test: no such host")}, 6, "error: cannot reach api.example.test:443: dial tcp: lookup api.example.test: no such host", "API URL"},
		{"telnyx key refused", fmt.Errorf("listing accounts: %w", &telnyx.APIError{Status: 401, Errors: []telnyx.ErrorObject{{Code: "10009", Title: "Authentication failed"}}}), 4, "error: listing accounts: Telnyx error 10009: Authentication failed", "auth login --provider telnyx"},
		{"telnyx error hint", &telnyx.APIError{Status: 404, Errors: []telnyx.ErrorObject{{Code: "10005", Title: "Resource not found"}}}, 1, "error: Telnyx error 10005: Resource not found", "--profile"},
		{"telnyx unreachable", &telnyx.UnreachableError{Host: "api.telnyx.com:443", Err: errors.New("i/o timeout")}, 6, "error: cannot reach api.telnyx.com:443: i/o timeout", "API URL"},
		{"explicit code", &cmdutil.ExitError{Code: 5, Err: errors.New("credentials rejected (403)")}, 5, "error: credentials rejected (403)", ""},
		{"hint", cmdutil.WithHint(errors.New("no such domain"), "create it with `sipctl domains create office`"), 1, "error: no such domain", "domains create"},
		{"multi-line folded", errors.New("first\nsecond"), 1, "error: first; second", ""},
		{"missing capability", fmt.Errorf("--list: %w", &provider.MissingCapabilityError{Provider: "kamailio", What: "credential lists", Why: "accounts belong to a domain"}),
			2, "error: --list: kamailio has no credential lists: accounts belong to a domain", "provider"},
		{"no answer, any provider", fmt.Errorf("listing: %w", noAnswerErr{}), 6, "error: listing: the registrar said nothing", "profile show"},
		{"hung request", fmt.Errorf("GET api: %w", context.DeadlineExceeded), 6, "error: GET api: context deadline exceeded", "did not answer in time"},
		{"timed out attempt", &twilio.UnreachableError{Host: "127.0.0.1:9", Timeout: 30 * time.Second}, 6, "error: no answer from 127.0.0.1:9 within 30s", "API URL"},
		{"escaped", errors.New("no list \x1b]0;pwned\a named \x01x"), 1, `error: no list \x1b]0;pwned\x07 named \x01x`, ""},
		{"silent", cmdutil.ErrSilent, 1, "", ""},
		{"interrupted", context.Canceled, 2, "cancelled", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			code := PrintError(&buf, cmd, c.err)
			if code != c.code {
				t.Errorf("exit %d, want %d", code, c.code)
			}
			lines := strings.Split(strings.TrimRight(buf.String(), "\n"), "\n")
			if c.line == "" {
				if buf.Len() != 0 {
					t.Errorf("printed %q for a silent error", buf.String())
				}
				return
			}
			if lines[0] != c.line {
				t.Errorf("line %q, want %q", lines[0], c.line)
			}
			if c.hintPart != "" && (len(lines) != 2 || !strings.HasPrefix(lines[1], "hint: ") || !strings.Contains(lines[1], c.hintPart)) {
				t.Errorf("hint lines %q, want one containing %q", lines[1:], c.hintPart)
			}
			if len(lines) > 2 {
				t.Errorf("more than a message and a hint: %q", lines)
			}
		})
	}
}
