package redact_test

import (
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sipctl/sipctl/internal/audit"
	"github.com/sipctl/sipctl/internal/redact"
)

func TestStringRemovesRegisteredSecretsInEveryEncoding(t *testing.T) {
	redact.Reset()
	t.Cleanup(redact.Reset)
	const pw = `Pa ss+w/0rd"&=x`
	const token = "tok-0123456789abcdef"
	redact.Add(pw)
	redact.Add(token)
	redact.Add("abc") // too short to redact safely: ignored
	q, _ := json.Marshal(pw)
	for _, in := range []string{
		"Password=" + url.QueryEscape(pw) + "&Username=alice",
		"raw " + pw + " and " + token,
		`{"message":"got ` + string(q[1:len(q)-1]) + `"}`,
		"path " + url.PathEscape(pw),
	} {
		out := redact.String(in)
		if strings.Contains(out, pw) || strings.Contains(out, url.QueryEscape(pw)) || strings.Contains(out, token) || strings.Contains(out, url.PathEscape(pw)) {
			t.Errorf("String(%q) = %q still holds a secret", in, out)
		}
		if !strings.Contains(out, redact.Mask) {
			t.Errorf("String(%q) = %q: no mask", in, out)
		}
	}
	if got := redact.String("abc def"); got != "abc def" {
		t.Errorf("a short registered value was redacted: %q", got)
	}
}

func TestStringRemovesSecretFieldsItNeverSaw(t *testing.T) {
	redact.Reset()
	for in, gone := range map[string]string{
		"400: Password=Unknown-Secret1&Username=bob":             "Unknown-Secret1",
		`{"auth_token":"ffffeeee","sid":"AC1"}`:                  "ffffeeee",
		"echo AuthToken=zzzyyyxxx":                               "zzzyyyxxx",
		`{"password": "with \"quote\" inside", "username":"al"}`: `quote`,
	} {
		if out := redact.String(in); strings.Contains(out, gone) {
			t.Errorf("String(%q) = %q", in, out)
		}
	}
	if got := redact.String("PageToken=%5BREDACTED%5D"); got != "PageToken=%5BREDACTED%5D" {
		t.Errorf("a mask was masked again: %q", got)
	}
}

func TestLineEscapesControlCharacters(t *testing.T) {
	if got := redact.Line("a\x1b[2Jb\nc"); got != `a\x1b[2Jb\nc` {
		t.Errorf("Line = %q", got)
	}
}

// The audit log holds no secret the run knows and no control character,
// whatever the error a server sent.
func TestAuditRecordPassesTheRedactor(t *testing.T) {
	redact.Reset()
	t.Cleanup(redact.Reset)
	const pw = "Rotated-Passw0rd-991"
	redact.Add(pw)
	path := filepath.Join(t.TempDir(), "audit.log")
	l, err := audit.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if err := l.Record(audit.Entry{Username: "alice", Action: audit.ActionRotate, Outcome: audit.OutcomeFailed,
		Error: "HTTP 400: Password=" + url.QueryEscape(pw) + " rejected \x1b]0;x\a"}); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	if strings.Contains(string(data), pw) || strings.Contains(string(data), url.QueryEscape(pw)) {
		t.Fatalf("audit line carries the password: %s", data)
	}
	var e audit.Entry
	if err := json.Unmarshal(data, &e); err != nil || strings.ContainsAny(e.Error, "\x1b\a") || !strings.Contains(e.Error, redact.Mask) {
		t.Fatalf("audit entry %+v (%v)", e, err)
	}
}
