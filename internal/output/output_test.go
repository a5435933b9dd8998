package output

import (
	"encoding/json"
	"errors"
	"iter"
	"strings"
	"testing"
	"time"

	"github.com/sipctl/sipctl/internal/iostreams"
)

type dom struct {
	SID         string    `json:"sid"`
	Name        string    `json:"domain_name"`
	Registering bool      `json:"sip_registration"`
	Created     time.Time `json:"date_created"`
}

var created = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func doms(n int, failAfter int) iter.Seq2[dom, error] {
	return func(yield func(dom, error) bool) {
		for i := range n {
			if i == failAfter {
				yield(dom{}, errors.New("page 2 failed"))
				return
			}
			if !yield(dom{SID: "SD" + string(rune('a'+i)), Name: "d" + string(rune('a'+i)) + ".sip.twilio.com", Registering: i%2 == 0, Created: created}, nil) {
				return
			}
		}
	}
}

var cols = []Column[dom]{
	{Header: "SID", Value: func(d dom) Cell { return Text(d.SID) }},
	{Header: "DOMAIN", Value: func(d dom) Cell { return Text(d.Name) }},
	{Header: "REGISTRATION", Value: func(d dom) Cell { return Bool(d.Registering) }},
	{Header: "CREATED", Value: func(d dom) Cell { return Time(d.Created) }},
}

func TestPipeIsTSVWithoutHeaderAndRFC3339(t *testing.T) {
	ios, _, out, _ := iostreams.Test()
	n, err := PrintList(ios, &Exporter{}, doms(2, -1), cols)
	if err != nil || n != 2 {
		t.Fatal(n, err)
	}
	want := "SDa\tda.sip.twilio.com\ttrue\t2026-01-02T03:04:05Z\nSDb\tdb.sip.twilio.com\tfalse\t2026-01-02T03:04:05Z\n"
	if out.String() != want {
		t.Fatalf("got %q", out.String())
	}
}

func TestTTYIsTableWithHeaderAndRelativeTime(t *testing.T) {
	ios, _, out, _ := iostreams.Test()
	ios.SetStdoutTTY(true)
	if _, err := PrintList(ios, &Exporter{}, doms(2, -1), cols); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(out.String(), "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("want header + 2 rows, got:\n%s", out)
	}
	for _, want := range []string{"SID", "DOMAIN", "REGISTRATION", "CREATED"} {
		if !strings.Contains(lines[0], want) {
			t.Errorf("header lacks %s: %q", want, lines[0])
		}
	}
	if !strings.Contains(lines[1], "yes") || !strings.Contains(lines[1], "ago") || strings.Contains(out.String(), "\t") {
		t.Errorf("rows not human-formatted:\n%s", out)
	}
	if strings.Contains(out.String(), "\x1b[") {
		t.Errorf("colour without colour enabled")
	}
}

func TestTTYTableFitsWidth(t *testing.T) {
	ios, _, out, errOut := iostreams.Test()
	ios.SetStdoutTTY(true)
	ios.SetTerminalWidth(60)
	domain := strings.Repeat("x", 30) + ".sip.twilio.com"
	long := func(yield func(dom, error) bool) {
		yield(dom{SID: "SD" + strings.Repeat("0", 32), Name: domain, Created: created}, nil)
	}
	if _, err := PrintList(ios, &Exporter{}, long, cols); err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(strings.TrimRight(out.String(), "\n"), "\n") {
		if len([]rune(l)) > 60 {
			t.Errorf("line wider than terminal (%d): %q", len([]rune(l)), l)
		}
	}
	// The domain, which the next command takes, is whole; the SID gave way.
	if !strings.Contains(out.String(), domain) || !strings.Contains(out.String(), "…") || !strings.Contains(errOut.String(), "2 column(s) left out") {
		t.Errorf("domain cut or SID whole:\n%s%s", out, errOut)
	}
}

// Other columns give way, then go, before an identifier is cut; a column
// empty in every row is left out; --wide says how wide it needs.
func TestTTYTableKeepsIdentifiersWhole(t *testing.T) {
	type acct struct{ User, Domain, Note, Empty string }
	cols := []Column[acct]{
		{Header: "USERNAME", Value: func(a acct) Cell { return Text(a.User) }},
		{Header: "DOMAIN", Value: func(a acct) Cell { return Text(a.Domain) }},
		{Header: "EMPTY", Value: func(a acct) Cell { return Text(a.Empty) }},
		{Header: "NOTE", Value: func(a acct) Cell { return Text(a.Note) }},
	}
	rows := []acct{{User: "reception-desk-0001", Domain: "headquarters-building-a.sip.twilio.com", Note: strings.Repeat("n", 40)}}
	print := func(width int, wide bool) (string, string) {
		ios, _, out, errOut := iostreams.Test()
		ios.SetStdoutTTY(true)
		ios.SetTerminalWidth(width)
		if _, err := PrintList(ios, &Exporter{Wide: wide}, All(rows), cols); err != nil {
			t.Fatal(err)
		}
		return out.String(), errOut.String()
	}
	out, notes := print(80, false)
	if strings.Contains(out, "EMPTY") || !strings.Contains(out, rows[0].User) || !strings.Contains(out, rows[0].Domain) || !strings.Contains(out, "NOTE") || notes != "" {
		t.Errorf("80 columns:\n%s%s", out, notes)
	}
	out, notes = print(62, false)
	if strings.Contains(out, "NOTE") || !strings.Contains(out, rows[0].Domain) || !strings.Contains(notes, "1 column(s) left out to fit 62 columns") {
		t.Errorf("62 columns: the note column should have gone:\n%s%s", out, notes)
	}
	out, notes = print(80, true)
	if !strings.Contains(out, rows[0].Note) || !strings.Contains(notes, "the table is 101 columns wide and the terminal 80") {
		t.Errorf("--wide:\n%s%s", out, notes)
	}
	if _, notes = print(120, true); notes != "" {
		t.Errorf("--wide that fits: %q", notes)
	}
}

func TestJSONStreamsAllFieldsOrSelected(t *testing.T) {
	ios, _, out, _ := iostreams.Test()
	exp := &Exporter{}
	if err := exp.Prepare("", true); err != nil {
		t.Fatal(err)
	}
	PrintList(ios, exp, doms(3, -1), cols)
	var all []map[string]any
	if err := json.Unmarshal(out.Bytes(), &all); err != nil || len(all) != 3 || all[0]["date_created"] != "2026-01-02T03:04:05Z" || all[0]["sip_registration"] != true {
		t.Fatalf("%v: %s", err, out)
	}

	ios, _, out, _ = iostreams.Test()
	exp = &Exporter{}
	exp.Prepare("sid,domain_name", true)
	PrintList(ios, exp, doms(2, -1), cols)
	var sel []map[string]any
	json.Unmarshal(out.Bytes(), &sel)
	if len(sel) != 2 || len(sel[0]) != 2 || sel[1]["domain_name"] != "db.sip.twilio.com" {
		t.Fatalf("selected: %s", out)
	}

	ios, _, out, _ = iostreams.Test()
	exp = &Exporter{}
	exp.Prepare("", true)
	PrintList(ios, exp, doms(0, -1), cols)
	if strings.TrimSpace(out.String()) != "[]" {
		t.Fatalf("empty list = %q", out)
	}
}

func TestUnknownFieldNamesTheChoices(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	exp := &Exporter{}
	exp.Prepare("sid,nope", true)
	_, err := PrintList(ios, exp, doms(1, -1), cols)
	if err == nil || !strings.Contains(err.Error(), `unknown JSON field "nope"`) || !strings.Contains(err.Error(), "domain_name") {
		t.Fatalf("err = %v", err)
	}
}

func TestJQ(t *testing.T) {
	ios, _, out, _ := iostreams.Test()
	exp := &Exporter{JQ: `.[] | select(.sip_registration) | .domain_name`}
	if err := exp.Prepare("", false); err != nil || !exp.Enabled() {
		t.Fatal(err)
	}
	if _, err := PrintList(ios, exp, doms(3, -1), cols); err != nil {
		t.Fatal(err)
	}
	if out.String() != "da.sip.twilio.com\ndc.sip.twilio.com\n" {
		t.Fatalf("got %q", out)
	}
	bad := &Exporter{JQ: ".[ | nope"}
	if err := bad.Prepare("", false); err == nil || !strings.HasPrefix(err.Error(), "invalid --jq expression") {
		t.Fatalf("bad jq: %v", err)
	}
}

func TestErrorMidListKeepsWhatCameBefore(t *testing.T) {
	ios, _, out, _ := iostreams.Test()
	n, err := PrintList(ios, &Exporter{}, doms(5, 2), cols)
	if err == nil || n != 2 || strings.Count(out.String(), "\n") != 2 {
		t.Fatalf("n=%d err=%v out=%q", n, err, out)
	}
}

func TestPrintObject(t *testing.T) {
	d := dom{SID: "SD1", Name: "a.sip.twilio.com", Created: created}
	fields := []Field{{"SID", Text(d.SID)}, {"Domain", Text(d.Name)}, {"Created", Time(d.Created)}}
	ios, _, out, _ := iostreams.Test()
	PrintObject(ios, &Exporter{}, d, fields)
	if out.String() != "SID\tSD1\nDomain\ta.sip.twilio.com\nCreated\t2026-01-02T03:04:05Z\n" {
		t.Fatalf("pipe: %q", out)
	}
	ios, _, out, _ = iostreams.Test()
	ios.SetStdoutTTY(true)
	PrintObject(ios, &Exporter{}, d, fields)
	if !strings.HasPrefix(out.String(), "SID:     SD1\nDomain:  a.sip.twilio.com\n") {
		t.Fatalf("tty: %q", out)
	}
}

func TestPrintDetail(t *testing.T) {
	type holder struct {
		Name     string `json:"name"`
		Children []dom  `json:"children"`
	}
	h := holder{Name: "office-users", Children: []dom{{SID: "SDa", Name: "a", Created: created}}}
	fields := []Field{{"Name", Text(h.Name)}}

	ios, _, out, _ := iostreams.Test()
	if err := PrintDetail(ios, &Exporter{}, h, fields, h.Children, cols); err != nil {
		t.Fatal(err)
	}
	if out.String() != "Name\toffice-users\n\nSDa\ta\tfalse\t2026-01-02T03:04:05Z\n" {
		t.Fatalf("pipe: %q", out)
	}

	ios, _, out, _ = iostreams.Test()
	exp := &Exporter{}
	exp.Prepare("", true)
	PrintDetail(ios, exp, h, fields, h.Children, cols)
	var back holder
	if err := json.Unmarshal(out.Bytes(), &back); err != nil || len(back.Children) != 1 {
		t.Fatalf("json: %v %s", err, out)
	}

	ios, _, out, _ = iostreams.Test()
	PrintDetail(ios, &Exporter{}, h, fields, []dom{}, cols)
	if out.String() != "Name\toffice-users\n" {
		t.Fatalf("no children: %q", out)
	}
}
