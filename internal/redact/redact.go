// Package redact removes secrets from text sipctl writes where secrets must
// never be: error lines, audit lines, debug logs. A server may echo what it
// was sent (a 400 quoting the form, Password=… included), so scrubbing by
// field name is not enough: every secret the run has read or made is
// registered with Add as soon as it exists, and String removes each of them,
// in the encodings a server is likely to echo, wherever it appears.
package redact

import (
	"encoding/json"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/sipctl/sipctl/internal/output"
)

// Mask replaces a secret.
const Mask = "[REDACTED]"

// minLen is the shortest secret registered: redacting every "a" in a
// message would destroy it and protect nothing (policies require far
// longer passwords; tokens are 32 characters).
const minLen = 4

var (
	mu      sync.RWMutex
	secrets = map[string]struct{}{}
	// forms is every registered secret in every form it is replaced in,
	// longest first so a secret containing another is masked whole.
	forms []string
	dirty bool
)

// Add registers a secret (a token, an API key secret, a password read from
// stdin or generated) for the rest of the process.
func Add(secret string) {
	if len(secret) < minLen {
		return
	}
	mu.Lock()
	defer mu.Unlock()
	if _, ok := secrets[secret]; ok {
		return
	}
	secrets[secret] = struct{}{}
	dirty = true
}

// Reset forgets every secret; for tests.
func Reset() {
	mu.Lock()
	defer mu.Unlock()
	secrets = map[string]struct{}{}
	forms, dirty = nil, false
}

// Len is how many secrets are registered.
func Len() int {
	mu.RLock()
	defer mu.RUnlock()
	return len(secrets)
}

// encodings of s a server might echo: as sent in a form or query, as
// quoted in JSON.
func encodings(s string) []string {
	out := []string{s, url.QueryEscape(s), url.PathEscape(s)}
	if b, err := json.Marshal(s); err == nil {
		out = append(out, string(b[1:len(b)-1]))
	}
	return out
}

func rebuild() {
	set := map[string]struct{}{}
	for s := range secrets {
		for _, e := range encodings(s) {
			if len(e) >= minLen {
				set[e] = struct{}{}
			}
		}
	}
	forms = forms[:0]
	for e := range set {
		forms = append(forms, e)
	}
	slices.SortFunc(forms, func(a, b string) int { return len(b) - len(a) })
	dirty = false
}

// fieldValue catches a secret the run never saw (another account's token
// echoed back, a password from an earlier run): the value of any form or
// JSON field whose name says it is a secret.
var (
	formField = regexp.MustCompile(`(?i)\b([a-z_]*(?:password|secret|token)[a-z_]*)=([^&\s"',;]+)`)
	jsonField = regexp.MustCompile(`(?i)("[a-z_]*(?:password|secret|token)[a-z_]*"\s*:\s*)"(?:[^"\\]|\\.)*"`)
)

// String returns s with every registered secret, and the value of every
// secret-named form or JSON field, replaced by Mask.
func String(s string) string {
	if s == "" {
		return s
	}
	mu.RLock()
	if dirty {
		mu.RUnlock()
		mu.Lock()
		if dirty {
			rebuild()
		}
		mu.Unlock()
		mu.RLock()
	}
	for _, f := range forms {
		if strings.Contains(s, f) {
			s = strings.ReplaceAll(s, f, Mask)
		}
	}
	mu.RUnlock()
	s = formField.ReplaceAllStringFunc(s, func(m string) string {
		k, v, _ := strings.Cut(m, "=")
		if v == Mask || v == url.QueryEscape(Mask) {
			return m
		}
		return k + "=" + Mask
	})
	s = jsonField.ReplaceAllString(s, `${1}"`+Mask+`"`)
	return s
}

// Line is String for a line a terminal or a log reader will see: secrets
// removed, then control characters escaped so the line stays one line and
// cannot drive the terminal.
func Line(s string) string { return output.Escape(String(s)) }
