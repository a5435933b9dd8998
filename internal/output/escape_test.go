package output

import (
	"bytes"
	"encoding/csv"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/sipctl/sipctl/internal/iostreams"
)

// hostile are names someone else chose: a terminal retitle and clear, a row
// forged with LF, DEL, SOH, a C1 CSI, a bidi override, invalid UTF-8.
var hostile = []struct{ in, want string }{
	{"\x1b]0;pwned\a\x1b[2J", `\x1b]0;pwned\x07\x1b[2J`},
	{"evil\nSD999\tforged.sip.twilio.com", `evil\nSD999\tforged.sip.twilio.com`},
	{"del\x7fete", `del\x7fete`},
	{"\x01soh", `\x01soh`},
	{"c1\u009b31m", `c1\u009b31m`},
	{"rev\u202eexe.txt", `rev\u202eexe.txt`},
	{"bad\xffutf8", `bad\xffutf8`},
	{"cr\rline", `cr\rline`},
}

func TestEscapeMakesControlCharactersVisible(t *testing.T) {
	for _, h := range hostile {
		if got := Escape(h.in); got != h.want {
			t.Errorf("Escape(%q) = %q, want %q", h.in, got, h.want)
		}
	}
	for _, ok := range []string{"", "Office", "Zürich 東京", `back\slash`, "a b"} {
		if got := Escape(ok); got != ok {
			t.Errorf("Escape(%q) = %q, want it unchanged", ok, got)
		}
	}
}

func TestTablesAndTSVEscapeHostileNames(t *testing.T) {
	for _, tty := range []bool{true, false} {
		ios, _, out, _ := iostreams.Test()
		ios.SetStdoutTTY(tty)
		ios.SetTerminalWidth(200)
		var items []dom
		for _, h := range hostile {
			items = append(items, dom{SID: "SD1", Name: h.in, Created: created})
		}
		if _, err := PrintList(ios, &Exporter{}, All(items), cols); err != nil {
			t.Fatal(err)
		}
		got := out.String()
		assertInert(t, got)
		lines := strings.Split(strings.TrimRight(got, "\n"), "\n")
		want := len(hostile)
		if tty {
			want++ // header
		}
		if len(lines) != want {
			t.Errorf("tty=%v: %d lines for %d rows (a row was forged):\n%s", tty, len(lines), len(hostile), got)
		}
		if !tty {
			for _, l := range lines {
				if n := strings.Count(l, "\t"); n != len(cols)-1 {
					t.Errorf("TSV row %q has %d tabs, want %d", l, n, len(cols)-1)
				}
			}
		}
		for _, h := range hostile {
			if !strings.Contains(got, h.want) {
				t.Errorf("tty=%v: output lacks the escaped %q:\n%s", tty, h.want, got)
			}
		}
	}
}

func TestObjectFieldsEscapeHostileNames(t *testing.T) {
	for _, tty := range []bool{true, false} {
		ios, _, out, _ := iostreams.Test()
		ios.SetStdoutTTY(tty)
		fields := []Field{{Label: "Name", Value: Text("\x1b[2Jx\ny")}, {Label: "SID", Value: Text("SD1")}}
		if err := PrintObject(ios, &Exporter{}, nil, fields); err != nil {
			t.Fatal(err)
		}
		assertInert(t, out.String())
		if n := strings.Count(out.String(), "\n"); n != 2 {
			t.Errorf("tty=%v: %d lines for 2 fields: %q", tty, n, out.String())
		}
	}
}

// A CSV writer fed escaped cells keeps one record per line and no control
// character, whatever the name holds.
func TestCSVOfEscapedCellsHasOneRecordPerRow(t *testing.T) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	for _, h := range hostile {
		w.Write([]string{"SD1", Escape(h.in)})
	}
	w.Flush()
	assertInert(t, buf.String())
	recs, err := csv.NewReader(strings.NewReader(buf.String())).ReadAll()
	if err != nil || len(recs) != len(hostile) {
		t.Fatalf("%d records (%v) for %d rows:\n%s", len(recs), err, len(hostile), buf.String())
	}
	for i, r := range recs {
		if r[1] != hostile[i].want {
			t.Errorf("record %d = %q, want %q", i, r[1], hostile[i].want)
		}
	}
}

func TestCheckTextRefusesWhatEscapeWouldChange(t *testing.T) {
	for _, h := range hostile {
		err := CheckText("name", h.in)
		var cc *ControlCharError
		if !errors.As(err, &cc) {
			t.Errorf("CheckText(%q) = %v, want a control-character error", h.in, err)
			continue
		}
		if strings.ContainsFunc(err.Error(), Unsafe) {
			t.Errorf("the error prints the character itself: %q", err)
		}
	}
	if err := CheckText("name", "Zürich Office-2"); err != nil {
		t.Errorf("an ordinary name was refused: %v", err)
	}
}

func assertInert(t *testing.T, s string) {
	t.Helper()
	for _, l := range strings.Split(s, "\n") {
		for _, r := range l {
			if r != '\t' && Unsafe(r) {
				t.Fatalf("output holds %U: %q", r, s)
			}
		}
	}
	if !utf8.ValidString(s) {
		t.Fatalf("output is not valid UTF-8: %q", s)
	}
}

// FuzzEscape: the escaped text never holds an unsafe rune or invalid UTF-8,
// text CheckText accepts is never changed, and text it refuses always is.
func FuzzEscape(f *testing.F) {
	for _, h := range hostile {
		f.Add(h.in)
	}
	f.Add("Office")
	f.Add("東京\u200b")
	f.Fuzz(func(t *testing.T, s string) {
		e := Escape(s)
		if !utf8.ValidString(e) || strings.ContainsFunc(e, Unsafe) {
			t.Fatalf("Escape(%q) = %q still holds an unsafe rune", s, e)
		}
		if (CheckText("x", s) == nil) != (e == s) {
			t.Fatalf("CheckText and Escape disagree on %q (escaped %q)", s, e)
		}
		if Escape(e) != e {
			t.Fatalf("Escape is not idempotent on %q", s)
		}
	})
}
