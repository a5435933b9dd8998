package custody

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/sipctl/sipctl/internal/output"
)

// placeholder stands for a new password when custody tries a --jq
// expression before any change.
const placeholder = "Custody-Probe-7f3a9c2e51d8"

// CheckExport refuses, before any change, --json field selection or a --jq
// expression that would print the new records without their passwords,
// unless file (a handover) keeps them anyway. sample builds a record the
// way the command will print it, with the password given.
func CheckExport(exp *output.Exporter, file bool, sample func(password string) any) error {
	if exp == nil || !exp.Enabled() || file {
		return nil
	}
	if len(exp.Fields) > 0 && !slices.Contains(exp.Fields, "password") {
		return fmt.Errorf("--json=%s leaves out the new password, which is shown only once: add password to the fields, or write the passwords with --output FILE", strings.Join(exp.Fields, ","))
	}
	if exp.JQ != "" {
		var buf bytes.Buffer
		if err := exp.Write(&buf, sample(placeholder)); err != nil || !strings.Contains(buf.String(), placeholder) {
			return fmt.Errorf("--jq %q does not print the new password, which is shown only once: keep .password in its output, or write the passwords with --output FILE", exp.JQ)
		}
	}
	return nil
}

// ExportWithPasswords writes v with exp to w only when the output holds
// every password in passwords (or file says a handover holds them): a
// filter that drops one is an error, and nothing is printed.
func ExportWithPasswords(w io.Writer, exp *output.Exporter, v any, passwords []string, file bool) error {
	var buf bytes.Buffer
	if err := exp.Write(&buf, v); err != nil {
		return err
	}
	if !file {
		out := buf.String()
		for _, pw := range passwords {
			if !strings.Contains(out, pw) && !strings.Contains(out, jsonEscaped(pw)) {
				return fmt.Errorf("the --json/--jq output leaves out a new password")
			}
		}
	}
	_, err := w.Write(buf.Bytes())
	return err
}

func jsonEscaped(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '<':
			b.WriteString(`\u003c`)
		case '>':
			b.WriteString(`\u003e`)
		case '&':
			b.WriteString(`\u0026`)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
