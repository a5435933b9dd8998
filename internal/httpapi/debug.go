package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"github.com/sipctl/sipctl/internal/output"
	"github.com/sipctl/sipctl/internal/redact"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"
)

// DebugLog writes requests and responses for --debug with every secret
// redacted: the Authorization header, any form, query or JSON field whose
// name says it holds a secret, and the client's own secrets wherever they
// appear. A nil *DebugLog logs nothing.
type DebugLog struct {
	mu      sync.Mutex
	w       io.Writer
	secrets []string
}

// Redacted replaces every secret in the log.
const Redacted = "[REDACTED]"

// api_key: Telnyx hands a managed account's own key to its manager.
var secretWords = []string{"password", "secret", "token", "auth", "api_key"}

// NewDebugLog logs to w, replacing each of secrets wherever it appears.
func NewDebugLog(w io.Writer, secrets ...string) *DebugLog {
	if w == nil {
		return nil
	}
	return &DebugLog{w: w, secrets: secrets}
}

// IsSecretField reports whether a request or response field name holds a secret.
func IsSecretField(name string) bool {
	lower := strings.ToLower(name)
	for _, w := range secretWords {
		if strings.Contains(lower, w) {
			return true
		}
	}
	return false
}

// Request logs req; body is its body already redacted ("" for none).
func (d *DebugLog) Request(req *http.Request, body string) {
	if d == nil {
		return
	}
	var b strings.Builder
	u := *req.URL
	u.RawQuery = RedactForm(u.Query()).Encode()
	fmt.Fprintf(&b, "> %s %s\n", req.Method, u.String())
	writeHeaders(&b, ">", req.Header)
	if body != "" {
		fmt.Fprintf(&b, "> \n> %s\n", body)
	}
	d.write(b.String())
}

// Response logs a response and its (JSON) body, redacted.
func (d *DebugLog) Response(resp *http.Response, body []byte, elapsed time.Duration) {
	if d == nil {
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "< %s %s (%s)\n", resp.Proto, resp.Status, elapsed.Round(time.Millisecond))
	writeHeaders(&b, "<", resp.Header)
	if len(body) > 0 {
		fmt.Fprintf(&b, "< \n< %s\n", RedactJSON(body))
	}
	d.write(b.String())
}

func (d *DebugLog) write(s string) {
	for _, sec := range d.secrets {
		if sec != "" {
			s = strings.ReplaceAll(s, sec, Redacted)
		}
	}
	s = redact.String(s) // every password the run knows, too
	// A header or body a hostile server sent must not drive the terminal.
	lines := strings.Split(s, "\n")
	for i := range lines {
		lines[i] = output.Escape(lines[i])
	}
	s = strings.Join(lines, "\n")
	d.mu.Lock()
	defer d.mu.Unlock()
	io.WriteString(d.w, s)
}

func writeHeaders(b *strings.Builder, prefix string, h http.Header) {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := strings.Join(h[k], ", ")
		if strings.EqualFold(k, "Authorization") || IsSecretField(k) {
			v = Redacted
		}
		fmt.Fprintf(b, "%s %s: %s\n", prefix, k, v)
	}
}

// RedactForm replaces the values of secret-named form fields.
func RedactForm(f url.Values) url.Values {
	out := url.Values{}
	for k, vs := range f {
		if IsSecretField(k) {
			out[k] = []string{Redacted}
			continue
		}
		out[k] = vs
	}
	return out
}

// RedactJSON replaces the values of secret-named keys anywhere in a JSON
// document; a body that is not JSON is elided rather than risk a leak.
func RedactJSON(body []byte) string {
	var v any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return fmt.Sprintf("[%d bytes, not JSON]", len(body))
	}
	out, _ := json.Marshal(redactValue(v))
	return string(out)
}

func redactValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			if IsSecretField(k) {
				if _, isStr := val.(string); isStr {
					x[k] = Redacted
					continue
				}
			}
			x[k] = redactValue(val)
		}
	case []any:
		for i := range x {
			x[i] = redactValue(x[i])
		}
	}
	return v
}
