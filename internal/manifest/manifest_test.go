package manifest

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/twilio"
)

// twilioRules are Twilio's real naming rules, as the client applies them.
type twilioRules struct{ name string }

func (r twilioRules) Name() string                           { return r.name }
func (twilioRules) CanonicalDomain(n string) (string, error) { return twilio.DomainName(n) }
func (twilioRules) ValidateUsername(u string) error          { return twilio.ValidateUsername(u) }

const good = `provider: twilio
policy: device-safe
domains:
  - name: office
    accounts:
      - alice
      - username: bob
    ip_acls: [hq]
    twilio:
      credential_list: office-users
  - name: lab.sip.twilio.com
    accounts: []
ip_acls:
  - name: hq
    addresses:
      - 203.0.113.10
      - 198.51.100.0/24
`

func TestLoadGood(t *testing.T) {
	f, err := Load("good.yaml", []byte(good), twilioRules{"sandbox"})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Domains) != 2 || f.Domains[0].Name != "office.sip.twilio.com" || f.Domains[1].Name != "lab.sip.twilio.com" {
		t.Fatalf("domains %+v", f.Domains)
	}
	d := f.Domains[0]
	if len(d.Accounts) != 2 || d.Accounts[0].Username != "alice" || d.Accounts[1].Username != "bob" || d.Accounts[1].Pos.Line != 7 {
		t.Fatalf("accounts %+v", d.Accounts)
	}
	if d.Accounts[0].Options(d)["credential_list"] != "office-users" {
		t.Fatalf("options %v", d.Accounts[0].Options(d))
	}
	if got := f.IPACLs[0].Addresses; len(got) != 2 || got[0].String() != "203.0.113.10" || got[1].String() != "198.51.100.0/24" {
		t.Fatalf("addresses %+v", got)
	}
}

// TestRoundTrip: what Encode writes, Load reads back the same, as YAML and JSON.
func TestRoundTrip(t *testing.T) {
	f, err := Load("good.yaml", []byte(good), twilioRules{"twilio"})
	if err != nil {
		t.Fatal(err)
	}
	for _, enc := range []func(*File) ([]byte, error){Encode, EncodeJSON} {
		b, err := enc(f)
		if err != nil {
			t.Fatal(err)
		}
		g, err := Load("again", b, twilioRules{"twilio"})
		if err != nil {
			t.Fatalf("%v\n%s", err, b)
		}
		b2, _ := enc(g)
		if string(b) != string(b2) {
			t.Fatalf("not stable:\n%s\n---\n%s", b, b2)
		}
	}
}

// TestBadInput: every kind of problem is reported with file:line:column,
// all at once.
func TestBadInput(t *testing.T) {
	cases := []struct {
		name, src string
		want      []string
	}{
		{"malformed YAML", "domains:\n  - name: office\n   accounts: [a\n", []string{"f.yaml:3:4: malformed YAML"}},
		{"malformed YAML, no line from the parser", "domains:\n  - name: office\n    accounts: a: b\n", []string{"f.yaml:3:5: malformed YAML: mapping values are not allowed"}},
		{"tab indentation", "domains:\n\t- name: office\n", []string{"f.yaml:2:2: malformed YAML: found character that cannot start any token"}},
		{"unknown keys", "domains:\n  - name: office\n    acounts: [alice]\nip_acl: []\n", []string{
			`f.yaml:3:5: unknown key "acounts" in a domain`, `f.yaml:4:1: unknown key "ip_acl" in the file`}},
		{"duplicate usernames", "domains:\n  - name: office\n    accounts:\n      - alice\n      - username: alice\n", []string{
			`f.yaml:5:19: duplicate username "alice" on office.sip.twilio.com (first at line 4)`}},
		{"provider rules", "domains:\n  - name: office.example.com\n    accounts:\n      - \"al ice\"\n      - " + strings.Repeat("x", 33) + "\n", []string{
			`f.yaml:2:11: domain "office.example.com" does not end in sip.twilio.com`,
			`f.yaml:4:9: username "al ice" contains`,
			`f.yaml:5:9: username "` + strings.Repeat("x", 33) + `" is 33 characters`}},
		{"ACL referenced, not defined", "domains:\n  - name: office\n    ip_acls: [hq, lab]\nip_acls:\n  - name: hq\n", []string{
			`f.yaml:3:19: IP ACL "lab" is attached to office.sip.twilio.com but not described`}},
		{"password", "domains:\n  - name: office\n    accounts:\n      - username: alice\n        password: hunter2\n", []string{
			`f.yaml:5:9: "password": passwords and secrets never live in files`}},
		{"password under an unknown key", "extra:\n  auth_token: x\n", []string{
			`f.yaml:1:1: unknown key "extra"`, `f.yaml:2:3: "auth_token": passwords and secrets never live in files`}},
		{"other provider", "provider: kamailio\ndomains: []\n", []string{
			`f.yaml:1:11: the file is for provider "kamailio" but the active profile's provider is "twilio"`}},
		{"bad address and kinds", "ip_acls:\n  - name: hq\n    addresses: [300.1.1.1, 10.0.0.0/40]\n  - addresses: x\n", []string{
			`f.yaml:3:17: address "300.1.1.1" is not an IPv4 address`, `f.yaml:3:28: address "10.0.0.0/40": the CIDR prefix length`,
			`f.yaml:4:5: an IP ACL needs a name`, `f.yaml:4:16: addresses must be a list`}},
		{"duplicates of domains and ACLs", "domains:\n  - name: office\n  - name: office.sip.twilio.com\nip_acls:\n  - name: hq\n  - name: hq\n", []string{
			`f.yaml:3:11: domain office.sip.twilio.com is already described at line 2`, `f.yaml:6:11: IP ACL "hq" is already described at line 5`}},
		{"bad policy", "policy: nonsense\n", []string{`f.yaml:1:9: policy: `}},
		{"empty", "", []string{"f.yaml: the file is empty"}},
		{"second document", "domains:\n  - name: office\n---\ndomains:\n  - name: lab\n", []string{
			"f.yaml:3:1: a second YAML document starts here: a manifest is one document, so nothing was read"}},
		{"host bits, wide ranges", "ip_acls:\n  - name: hq\n    addresses: [10.0.0.0/4, 10.0.0.5/24, 0.0.0.0/4]\n", []string{
			`f.yaml:3:17: address "10.0.0.0/4" has address bits set outside its /4 prefix: the range it covers is 0.0.0.0/4; write that, with --allow-wide (a manifest: allow_wide: true)`,
			`f.yaml:3:29: address "10.0.0.5/24" has address bits set outside its /24 prefix: the range it covers is 10.0.0.0/24`,
			`f.yaml:3:42: address "0.0.0.0/4" is wider than /8`}},
		{"allow_wide not a bool", "ip_acls:\n  - name: hq\n    allow_wide: yes please\n", []string{`f.yaml:3:17: allow_wide must be true or false`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Load("f.yaml", []byte(c.src), twilioRules{"twilio"})
			var probs *Problems
			if !errors.As(err, &probs) {
				t.Fatalf("err = %v, want *Problems", err)
			}
			lines := strings.Split(err.Error(), "\n")
			if len(lines) != len(c.want) {
				t.Fatalf("%d problems, want %d:\n%s", len(lines), len(c.want), err)
			}
			for i, w := range c.want {
				if !strings.HasPrefix(lines[i], w) {
					t.Errorf("problem %d:\n got %s\nwant %s…", i, lines[i], w)
				}
			}
		})
	}
}

func TestAllowWideRoundTrips(t *testing.T) {
	f, err := Load("f.yaml", []byte("ip_acls:\n  - name: hq\n    allow_wide: true\n    addresses: [0.0.0.0/4, 10.0.0.0/8]\n"), twilioRules{"twilio"})
	if err != nil || len(f.IPACLs[0].Addresses) != 2 || f.IPACLs[0].Addresses[0].Prefix != 4 {
		t.Fatalf("%v %+v", err, f)
	}
	out, err := Encode(f)
	if err != nil || !strings.Contains(string(out), "allow_wide: true") {
		t.Fatalf("%v\n%s", err, out)
	}
	if _, err := Load("g.yaml", out, twilioRules{"twilio"}); err != nil {
		t.Fatalf("export read back: %v\n%s", err, out)
	}
}

func TestSchemaIsJSON(t *testing.T) {
	b, err := Schema()
	if err != nil || !strings.Contains(string(b), `"additionalProperties": false`) {
		t.Fatalf("%v\n%s", err, b)
	}
}

type telnyxRules struct{}

func (telnyxRules) Name() string                             { return "telnyx" }
func (telnyxRules) CanonicalDomain(n string) (string, error) { return n, nil }
func (telnyxRules) ValidateUsername(string) error            { return nil }

// TestTelnyxSettings: a connection name reaches the provider's options; the
// settings sipctl's Telnyx provider cannot set yet are refused there (and
// ignored by other providers) rather than silently dropped.
func TestTelnyxSettings(t *testing.T) {
	src := "domains:\n  - name: sip.telnyx.com\n    accounts:\n      - username: desk1\n        telnyx: {connection_name: Desk}\n"
	f, err := Load("t.yaml", []byte(src), telnyxRules{})
	if err != nil || f.Domains[0].Accounts[0].Options(f.Domains[0])["connection_name"] != "Desk" {
		t.Fatalf("%v %+v", err, f)
	}
	src = "domains:\n  - name: sip.telnyx.com\n    accounts:\n      - username: desk1\n        telnyx: {channel_limit: 2}\n"
	if _, err := Load("t.yaml", []byte(src), telnyxRules{}); err == nil || !strings.HasPrefix(err.Error(), "t.yaml:5:17: sipctl's Telnyx provider sets only connection_name") {
		t.Fatalf("channel_limit on Telnyx: %v", err)
	}
	if _, err := Load("t.yaml", []byte(strings.Replace(src, "sip.telnyx.com", "office", 1)), twilioRules{"twilio"}); err != nil {
		t.Fatalf("ignored on Twilio: %v", err)
	}
}

// The sandbox speaks Twilio's API: a sandbox export plans on a Twilio
// profile and a twilio file on the sandbox.
func TestSandboxAndTwilioFilesAreOneKind(t *testing.T) {
	for _, c := range [][2]string{{"sandbox", "twilio"}, {"twilio", "sandbox"}, {"", "kamailio"}, {"telnyx", "telnyx"}} {
		if !Compatible(c[0], c[1]) {
			t.Errorf("a %q file refused by a %q profile", c[0], c[1])
		}
	}
	if Compatible("sandbox", "telnyx") || Compatible("kamailio", "twilio") {
		t.Error("other providers' files accepted")
	}
	if _, err := Load("f.yaml", []byte("provider: sandbox\ndomains: []\n"), twilioRules{"twilio"}); err != nil {
		t.Errorf("sandbox export on twilio: %v", err)
	}
}

func TestFormatTTLReadsBack(t *testing.T) {
	for d, want := range map[time.Duration]string{
		7 * 24 * time.Hour: "7d", 2 * time.Hour: "2h", 90 * time.Minute: "1h30m", 45 * time.Minute: "45m", 26*time.Hour + time.Minute: "26h1m",
	} {
		got := FormatTTL(d)
		back, err := provider.ParseTTL(got)
		if got != want || err != nil || back != d {
			t.Errorf("FormatTTL(%v) = %q (reads back %v, %v), want %q", d, got, back, err, want)
		}
	}
}
