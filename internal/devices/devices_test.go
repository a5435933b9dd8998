package devices

import (
	"errors"
	"strings"
	"testing"
)

func TestNormalizeMAC(t *testing.T) {
	for _, s := range []string{"00:15:65:12:34:AB", "0015.6512.34ab", "001565-1234ab", "00-15-65-12-34-ab", "001565 1234AB"} {
		got, err := NormalizeMAC(s)
		if err != nil || got != "0015651234ab" {
			t.Errorf("NormalizeMAC(%q) = %q, %v", s, got, err)
		}
	}
	for _, s := range []string{"00:15:65:12:34", "00:15:65:12:34:ag", "00156512345678"} {
		if _, err := NormalizeMAC(s); err == nil {
			t.Errorf("NormalizeMAC(%q) accepted", s)
		}
	}
	if FormatMAC("0015651234ab") != "00:15:65:12:34:ab" {
		t.Error(FormatMAC("0015651234ab"))
	}
}

func TestReadCSVGroupsRowsIntoLines(t *testing.T) {
	in := "mac,vendor,model,account,line,label,display_name\n" +
		"00:15:65:12:34:AB,yealink,SIP-T54W,bob@office.test,2,Bob,Bob B\n" +
		"0015.6512.34ab,Yealink,t54w,alice@office.test,1,Alice,Alice A\n" +
		"00:04:13:aa:bb:cc,snom,D735,carol@office.test,,,\n"
	devs, err := ReadCSV("d.csv", strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(devs) != 2 {
		t.Fatalf("%d devices: %+v", len(devs), devs)
	}
	d := devs[0]
	if d.MAC != "0015651234ab" || d.Vendor != "yealink" || d.Model != "T54W" || len(d.Lines) != 2 ||
		d.Lines[0].Account != "alice@office.test" || d.Lines[1].Account != "bob@office.test" || d.Lines[0].Label != "Alice" {
		t.Errorf("device: %+v", d)
	}
	if devs[1].Name() != "000413aabbcc" || devs[1].Display() != "00:04:13:aa:bb:cc" {
		t.Errorf("second: %+v", devs[1])
	}
}

func TestReadCSVSoftphoneID(t *testing.T) {
	in := "id,vendor,model,account\nalice-laptop,linphone,desktop,alice@office.test\n"
	devs, err := ReadCSV("d.csv", strings.NewReader(in))
	if err != nil || len(devs) != 1 || devs[0].Name() != "alice-laptop" {
		t.Fatalf("%+v %v", devs, err)
	}
}

// Every problem is reported at once, with its line and column.
func TestReadCSVReportsEveryProblem(t *testing.T) {
	in := "mac,vendor,model,account\n" +
		"00:15:65:12:34,yealink,T54W,a@x.test\n" + // 2: malformed MAC
		"00:15:65:12:34:01,acme,Z1,b@x.test\n" + // 3: unknown vendor
		"00:15:65:12:34:02,yealink,T99,c@x.test\n" + // 4: unknown model
		"00:15:65:12:34:03,yealink,T31P,d@x.test\n" +
		"00:15:65:12:34:03,yealink,T31P,e@x.test\n" +
		"00:15:65:12:34:03,yealink,T31P,f@x.test\n" + // 7: a T31P has 2 lines
		"00:15:65:12:34:04,snom,D715,g@x.test\n" +
		"00-15-65-12-34-04,yealink,T54W,h@x.test\n" // 9: one MAC, two devices
	_, err := ReadCSV("d.csv", strings.NewReader(in))
	var probs *Problems
	if !errors.As(err, &probs) {
		t.Fatalf("err = %v", err)
	}
	want := []string{
		"d.csv:2:1: MAC \"00:15:65:12:34\" has 10 hex digits",
		"d.csv:3:19: unknown vendor \"acme\"",
		"d.csv:4:27: unknown yealink model \"T99\"",
		"d.csv:7:32: yealink T31P has 2 lines; device 00:15:65:12:34:03 lists 3 accounts",
		"d.csv:9:19: device 00:15:65:12:34:04 is snom D715 at line 8 but yealink T54W here",
	}
	msg := err.Error()
	if len(probs.List) != len(want) {
		t.Errorf("%d problems:\n%s", len(probs.List), msg)
	}
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Errorf("missing %q in:\n%s", w, msg)
		}
	}
}

func TestResolveAccounts(t *testing.T) {
	in := "mac,vendor,model,account,provider\n" +
		"00:15:65:12:34:01,yealink,T54W,alice,\n" +
		"00:15:65:12:34:01,yealink,T54W,ghost@office.test,\n" +
		"00:15:65:12:34:02,yealink,T54W,bob@Office.Test,kamailio\n"
	devs, err := ReadCSV("d.csv", strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	idx := NewIndex("the handover")
	idx.Add("alice", "office.test")
	idx.Add("bob", "office.test")
	err = ResolveAccounts("d.csv", devs, "sandbox", idx.Resolve)
	msg := ""
	if err != nil {
		msg = err.Error()
	}
	for _, w := range []string{
		"d.csv:3:32: device 00:15:65:12:34:01 line 2: account ghost@office.test is not in the handover",
		"d.csv:4:48: device 00:15:65:12:34:02 is on provider \"kamailio\"",
	} {
		if !strings.Contains(msg, w) {
			t.Errorf("missing %q in:\n%s", w, msg)
		}
	}
	if devs[0].Lines[0].Account != "alice@office.test" {
		t.Errorf("bare username not resolved: %+v", devs[0].Lines[0])
	}
}
