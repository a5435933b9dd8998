package manifest

import (
	"errors"
	"strings"
	"testing"
)

const withDevices = `provider: twilio
domains:
  - name: office
    accounts: [alice, bob, carol]
devices:
  - mac: 00:15:65:12:34:AB
    vendor: yealink
    model: SIP-T54W
    lines: [alice, bob@office]
    label: Front desk
  - id: carol-laptop
    vendor: linphone
    lines: [carol@office.sip.twilio.com]
`

func TestDevicesInManifest(t *testing.T) {
	f, err := Load("m.yaml", []byte(withDevices), twilioRules{"sandbox"})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Devices) != 2 {
		t.Fatalf("%+v", f.Devices)
	}
	d := f.Devices[0]
	if d.MAC != "0015651234ab" || d.Model != "T54W" || d.Lines[0].Account != "alice@office.sip.twilio.com" ||
		d.Lines[1].Account != "bob@office.sip.twilio.com" || d.Label != "Front desk" {
		t.Errorf("%+v", d)
	}
	if f.Devices[1].ID != "carol-laptop" || f.Devices[1].Lines[0].Account != "carol@office.sip.twilio.com" {
		t.Errorf("%+v", f.Devices[1])
	}
}

func TestDevicesProblemsAllAtOnce(t *testing.T) {
	const bad = `domains:
  - name: office
    accounts: [alice]
devices:
  - mac: 00:15:65:12:34
    vendor: yealink
    model: T54W
    lines: [alice]
  - mac: 0015.6512.34cd
    vendor: acme
    lines: [alice]
  - mac: 001565-1234ab
    vendor: yealink
    model: T31P
    lines: [alice, zed, alice@office]
  - mac: 00:15:65:12:34:AB
    vendor: yealink
    model: T31P
    lines: [alice]
    password: x
`
	_, err := Load("m.yaml", []byte(bad), twilioRules{"sandbox"})
	var probs *Problems
	if !errors.As(err, &probs) {
		t.Fatalf("err = %v", err)
	}
	msg := err.Error()
	for _, w := range []string{
		`m.yaml:5:10: MAC "00:15:65:12:34" has 10 hex digits`,
		`m.yaml:10:13: unknown vendor "acme"`,
		`m.yaml:15:20: device 00:15:65:12:34:ab line 2: account zed is not in the file's domains:`,
		`m.yaml:15:25: yealink T31P has 2 lines`,
		`m.yaml:15:25: account alice@office.sip.twilio.com is on device 00:15:65:12:34:ab twice`,
		`m.yaml:16:10: device 00:15:65:12:34:ab is listed twice (first at line 12)`,
		`m.yaml:20:5: "password": passwords and secrets never live in files`,
	} {
		if !strings.Contains(msg, w) {
			t.Errorf("missing %q in:\n%s", w, msg)
		}
	}
}
