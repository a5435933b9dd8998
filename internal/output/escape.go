package output

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Names and messages sipctl prints were often chosen by someone else (a
// colleague, a customer, a provider's error text). A control character in
// one could move the cursor, retitle the terminal, clear the screen or, in a
// pipe, forge a TSV row. Escape makes such text inert; CheckText refuses it
// where sipctl takes a name as input.

// Unsafe reports a rune that must not reach a terminal or a row as it is:
// C0 controls (including TAB, LF, CR, ESC), DEL, C1 controls, the Unicode
// line and paragraph separators, and the bidirectional overrides and
// isolates that reorder what a terminal shows ("Trojan Source").
func Unsafe(r rune) bool {
	switch {
	case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f:
		return true
	case r == 0x2028, r == 0x2029: // line and paragraph separators
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f, r == 0x061c:
		return true
	}
	return false
}

// Escape returns s with every Unsafe rune, and every byte that is not valid
// UTF-8, written as a visible Go-style escape: \n, \r, \t, \xNN for other
// bytes below 0x80, \u00NN / \uNNNN above. Text without them is returned
// unchanged (backslashes included, so ordinary names print as they are).
func Escape(s string) string {
	if !needsEscape(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size <= 1 {
			fmt.Fprintf(&b, `\x%02x`, s[i])
			i++
			continue
		}
		i += size
		if !Unsafe(r) {
			b.WriteRune(r)
			continue
		}
		switch r {
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if r < 0x80 {
				fmt.Fprintf(&b, `\x%02x`, r)
			} else {
				fmt.Fprintf(&b, `\u%04x`, r)
			}
		}
	}
	return b.String()
}

func needsEscape(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x7f {
			// Possibly unsafe: non-ASCII needs the full check.
			for _, r := range s[i:] {
				if Unsafe(r) {
					return true
				}
			}
			return !utf8.ValidString(s[i:])
		}
	}
	return false
}

// ControlCharError names the first control character in a name given as
// input, by position and code point, never printing it.
type ControlCharError struct {
	What string // "name", "friendly name", "username"
	Pos  int    // 1-based character position
	Rune rune
}

func (e *ControlCharError) Error() string {
	return fmt.Sprintf("the %s has a control or invisible formatting character (U+%04X) at position %d; names may not contain control characters",
		e.What, e.Rune, e.Pos)
}

// CheckText refuses input text (a name, a friendly name, a username) holding
// an Unsafe rune or invalid UTF-8, so a name that could move a cursor or
// forge a row is never created. what names the value in the error.
func CheckText(what, s string) error {
	pos := 0
	for i, r := range s {
		pos++
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size <= 1 {
				return &ControlCharError{What: what, Pos: pos, Rune: r}
			}
		}
		if Unsafe(r) {
			return &ControlCharError{What: what, Pos: pos, Rune: r}
		}
	}
	return nil
}
