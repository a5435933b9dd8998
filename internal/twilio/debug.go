package twilio

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/sipctl/sipctl/internal/output"
	"github.com/sipctl/sipctl/internal/redact"
)

// debugLog writes requests and responses for --debug with every secret
// redacted: the Authorization header, any form or JSON field whose name says
// it holds a secret, and the client's own secret wherever it appears.
type debugLog struct {
	mu      sync.Mutex
	w       io.Writer
	secrets []string
}

const redacted = "[REDACTED]"

var secretWords = []string{"password", "secret", "token", "auth"}

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

func (d *debugLog) request(req *http.Request, hasBody bool, form url.Values) {
	if d == nil {
		return
	}
	var b strings.Builder
	u := *req.URL
	u.RawQuery = redactForm(u.Query()).Encode()
	fmt.Fprintf(&b, "> %s %s\n", req.Method, u.String())
	writeHeaders(&b, ">", req.Header)
	if hasBody {
		fmt.Fprintf(&b, "> \n> %s\n", redactForm(form).Encode())
	}
	d.write(b.String())
}

func (d *debugLog) response(resp *http.Response, body []byte, elapsed time.Duration) {
	if d == nil {
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "< %s %s (%s)\n", resp.Proto, resp.Status, elapsed.Round(time.Millisecond))
	writeHeaders(&b, "<", resp.Header)
	if len(body) > 0 {
		fmt.Fprintf(&b, "< \n< %s\n", redactJSON(body))
	}
	d.write(b.String())
}

func (d *debugLog) write(s string) {
	for _, sec := range d.secrets {
		if sec != "" {
			s = strings.ReplaceAll(s, sec, redacted)
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
			v = redacted
		}
		fmt.Fprintf(b, "%s %s: %s\n", prefix, k, v)
	}
}

func redactForm(f url.Values) url.Values {
	out := url.Values{}
	for k, vs := range f {
		if IsSecretField(k) {
			out[k] = []string{redacted}
			continue
		}
		out[k] = vs
	}
	return out
}

// redactJSON replaces the values of secret-named keys anywhere in a JSON
// document; a body that is not JSON is elided rather than risk a leak.
func redactJSON(body []byte) string {
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
					x[k] = redacted
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
