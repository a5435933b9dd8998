package ipacls_test

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/sipctl/sipctl/internal/cmd/ipacls"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/sipctlcmd"
	"github.com/sipctl/sipctl/internal/twilio/twiliotest"
)

var (
	aclSID = twiliotest.SID("AL", 1)
	ipSID  = twiliotest.SID("IP", 1)
	addrs  = "SIP/IpAccessControlLists/" + twiliotest.SID("AL", 1) + "/IpAddresses.json"
)

type result struct {
	stdout, stderr string
	code           int
}

func run(t *testing.T, s *twiliotest.Server, tty bool, args ...string) result {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	ios.SetStdoutTTY(tty)
	ios.SetTerminalWidth(200)
	cmd := ipacls.NewCmdIpacls(s.Factory(ios))
	cmd.SetArgs(args)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	sub, err := cmd.ExecuteC()
	r := result{stdout: out.String(), stderr: errOut.String()}
	if err != nil {
		var buf bytes.Buffer
		r.code = sipctlcmd.PrintError(&buf, sub, err)
		r.stderr += buf.String()
	}
	return r
}

func acls(s *twiliotest.Server, names ...string) {
	var items []string
	for i, n := range names {
		items = append(items, twiliotest.IPACL(twiliotest.SID("AL", i+1), n))
	}
	s.Expect("GET", "SIP/IpAccessControlLists.json", nil, 0, twiliotest.Page("ip_access_control_lists", "", items...))
}

func TestListPagesPipeTTY(t *testing.T) {
	stub := func() *twiliotest.Server {
		s := twiliotest.New(t)
		p := "SIP/IpAccessControlLists.json"
		s.Expect("GET", p, nil, 0, twiliotest.Page("ip_access_control_lists", twiliotest.NextPage(p, 1), twiliotest.IPACL(aclSID, "office-ips")))
		s.Expect("GET", p+"?Page=1", nil, 0, twiliotest.Page("ip_access_control_lists", twiliotest.NextPage(p, 2), twiliotest.IPACL(twiliotest.SID("AL", 2), "carrier")))
		s.Expect("GET", p+"?Page=2", nil, 0, twiliotest.Page("ip_access_control_lists", "", twiliotest.IPACL(twiliotest.SID("AL", 3), "backup")))
		return s
	}
	r := run(t, stub(), false, "list")
	if lines := strings.Split(strings.TrimSpace(r.stdout), "\n"); len(lines) != 3 || lines[2] != "backup\t"+twiliotest.SID("AL", 3)+"\t2015-07-20T17:27:10Z" {
		t.Errorf("pipe: %+v", r)
	}
	r = run(t, stub(), true, "list")
	if !strings.HasPrefix(strings.TrimSpace(r.stdout), "NAME") || !strings.Contains(r.stdout, "carrier") {
		t.Errorf("tty: %+v", r)
	}
}

func TestCreateRefusesDuplicate(t *testing.T) {
	s := twiliotest.New(t)
	acls(s, "office-ips")
	if r := run(t, s, false, "create", "office-ips"); r.code != 1 || !strings.Contains(r.stderr, "already exists") {
		t.Errorf("%+v", r)
	}
	s = twiliotest.New(t)
	acls(s)
	s.Expect("POST", "SIP/IpAccessControlLists.json", url.Values{"FriendlyName": {"office-ips"}}, 201, twiliotest.IPACL(aclSID, "office-ips"))
	if r := run(t, s, false, "create", "office-ips", "--jq", ".sid"); r.code != 0 || r.stdout != aclSID+"\n" {
		t.Errorf("%+v", r)
	}
}

func TestShowWithAddresses(t *testing.T) {
	s := twiliotest.New(t)
	acls(s, "office-ips")
	s.Expect("GET", addrs, nil, 0, twiliotest.Page("ip_addresses", "",
		twiliotest.IPAddress(ipSID, aclSID, "pbx", "203.0.113.7", 32), twiliotest.IPAddress(twiliotest.SID("IP", 2), aclSID, "lan", "198.51.100.0", 24)))
	r := run(t, s, false, "show", "office-ips", "--json")
	var got struct {
		SID string `json:"sid"`
		IPs []struct {
			IP     string `json:"ip_address"`
			Prefix int    `json:"cidr_prefix_length"`
		} `json:"ip_addresses"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || got.SID != aclSID || len(got.IPs) != 2 || got.IPs[1].Prefix != 24 {
		t.Errorf("%v %+v", err, r)
	}
}

func TestShowTTY(t *testing.T) {
	s := twiliotest.New(t)
	s.Expect("GET", "SIP/IpAccessControlLists/"+aclSID+".json", nil, 0, twiliotest.IPACL(aclSID, "office-ips"))
	s.Expect("GET", addrs, nil, 0, twiliotest.Page("ip_addresses", "", twiliotest.IPAddress(twiliotest.SID("IP", 2), aclSID, "lan", "198.51.100.0", 24)))
	r := run(t, s, true, "show", aclSID)
	for _, want := range []string{"Name:", "office-ips", "Addresses:", "ADDRESS", "198.51.100.0/24", "lan"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("lacks %q:\n%s", want, r.stdout)
		}
	}
}

func TestDelete(t *testing.T) {
	s := twiliotest.New(t)
	acls(s, "office-ips")
	if r := run(t, s, false, "delete", "office-ips"); r.code != 2 || !strings.Contains(r.stderr, "--yes") {
		t.Errorf("%+v", r)
	}
	s = twiliotest.New(t)
	acls(s, "office-ips")
	s.Expect("DELETE", "SIP/IpAccessControlLists/"+aclSID+".json", nil, 204, "")
	if r := run(t, s, false, "delete", "office-ips", "-y"); r.code != 0 || !strings.Contains(r.stderr, "Deleted IP access control list") {
		t.Errorf("%+v", r)
	}
}

func TestAddressesAdd(t *testing.T) {
	s := twiliotest.New(t)
	acls(s, "office-ips")
	s.Expect("GET", addrs, nil, 0, twiliotest.Page("ip_addresses", ""))
	s.Expect("POST", addrs, url.Values{"FriendlyName": {"lan"}, "IpAddress": {"198.51.100.0"}, "CidrPrefixLength": {"24"}}, 201,
		twiliotest.IPAddress(ipSID, aclSID, "lan", "198.51.100.0", 24))
	r := run(t, s, false, "addresses", "add", "office-ips", "198.51.100.0/24", "--name", "lan")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "Address\t198.51.100.0/24\n") {
		t.Errorf("%+v", r)
	}
	s = twiliotest.New(t)
	acls(s, "office-ips")
	s.Expect("GET", addrs, nil, 0, twiliotest.Page("ip_addresses", "", twiliotest.IPAddress(twiliotest.SID("IP", 2), aclSID, "lan", "198.51.100.0", 24)))
	s.Expect("POST", addrs, url.Values{"FriendlyName": {"203.0.113.7"}, "IpAddress": {"203.0.113.7"}}, 201,
		twiliotest.IPAddress(ipSID, aclSID, "203.0.113.7", "203.0.113.7", 32))
	if r := run(t, s, false, "addresses", "add", "office-ips", "203.0.113.7"); r.code != 0 {
		t.Errorf("%+v", r)
	}
}

func TestAddressesAddRefusesADuplicate(t *testing.T) {
	for _, addr := range []string{"203.0.113.7", "203.0.113.7/32", "198.51.100.0/24"} {
		s := twiliotest.New(t)
		acls(s, "office-ips")
		s.Expect("GET", addrs, nil, 0, twiliotest.Page("ip_addresses", "",
			twiliotest.IPAddress(twiliotest.SID("IP", 2), aclSID, "lan", "198.51.100.0", 24), twiliotest.IPAddress(ipSID, aclSID, "pbx", "203.0.113.7", 32)))
		r := run(t, s, false, "addresses", "add", "office-ips", addr)
		if r.code != 1 || !strings.Contains(r.stderr, `is already in IP access control list "office-ips"`) {
			t.Errorf("%s: %+v", addr, r)
		}
	}
}

func TestAddressesRemoveRefusesAnAmbiguousAddress(t *testing.T) {
	s := twiliotest.New(t)
	acls(s, "office-ips")
	s.Expect("GET", addrs, nil, 0, twiliotest.Page("ip_addresses", "",
		twiliotest.IPAddress(twiliotest.SID("IP", 2), aclSID, "a", "10.0.0.5", 24), twiliotest.IPAddress(ipSID, aclSID, "b", "10.0.0.0", 24)))
	r := run(t, s, false, "addresses", "remove", "office-ips", "10.0.0.0/24", "--yes")
	if r.code != 1 || !strings.Contains(r.stderr, "2 entries") || !strings.Contains(r.stderr, "give the SID") {
		t.Errorf("%+v", r)
	}
}

// One rule with the manifest's: host bits outside the prefix are refused
// with the range they would have meant, never rewritten; wider than /8
// needs --allow-wide.
func TestAddressesAddRefusesHostBitsAndWideRanges(t *testing.T) {
	for addr, want := range map[string]string{
		"198.51.100.77/24": `"198.51.100.77/24" has address bits set outside its /24 prefix: the range it covers is 198.51.100.0/24`,
		"10.0.0.0/4":       `the range it covers is 0.0.0.0/4; write that, with --allow-wide`,
		"0.0.0.0/4":        `"0.0.0.0/4" is wider than /8 (268,435,456 addresses): pass --allow-wide`,
	} {
		s := twiliotest.New(t)
		r := run(t, s, false, "addresses", "add", "office-ips", addr)
		if r.code != 2 || !strings.Contains(r.stderr, want) {
			t.Errorf("%s: %+v, want exit 2 and %q", addr, r, want)
		}
	}
	s := twiliotest.New(t)
	acls(s, "office-ips")
	s.Expect("GET", addrs, nil, 0, twiliotest.Page("ip_addresses", ""))
	s.Expect("POST", addrs, url.Values{"FriendlyName": {"0.0.0.0/4"}, "IpAddress": {"0.0.0.0"}, "CidrPrefixLength": {"4"}}, 201,
		twiliotest.IPAddress(ipSID, aclSID, "0.0.0.0/4", "0.0.0.0", 4))
	if r := run(t, s, false, "addresses", "add", "office-ips", "0.0.0.0/4", "--allow-wide"); r.code != 0 {
		t.Errorf("--allow-wide: %+v", r)
	}
}

func TestAddressesAddRejectsBeforeAnyRequest(t *testing.T) {
	for addr, rule := range map[string]string{
		"2001:db8::1":    "IPv4 only",
		"203.0.113":      "not an IPv4 address",
		"203.0.113.0/40": "1 to 32",
	} {
		s := twiliotest.New(t)
		r := run(t, s, false, "addresses", "add", "office-ips", addr)
		if r.code != 2 || !strings.Contains(r.stderr, rule) || s.Requests() != 0 {
			t.Errorf("%s: %+v (requests %d)", addr, r, s.Requests())
		}
	}
}

func TestAddressesAddUnknownACL(t *testing.T) {
	s := twiliotest.New(t)
	acls(s, "carrier")
	r := run(t, s, false, "addresses", "add", "office-ips", "203.0.113.7")
	if r.code != 1 || !strings.Contains(r.stderr, "sipctl ipacls create office-ips") {
		t.Errorf("%+v", r)
	}
}

func TestAddressesRemoveByAddress(t *testing.T) {
	s := twiliotest.New(t)
	acls(s, "office-ips")
	s.Expect("GET", addrs, nil, 0, twiliotest.Page("ip_addresses", "",
		twiliotest.IPAddress(twiliotest.SID("IP", 2), aclSID, "lan", "198.51.100.0", 24), twiliotest.IPAddress(ipSID, aclSID, "pbx", "203.0.113.7", 32)))
	s.Expect("DELETE", "SIP/IpAccessControlLists/"+aclSID+"/IpAddresses/"+ipSID+".json", nil, 204, "")
	if r := run(t, s, false, "addresses", "remove", "office-ips", "203.0.113.7", "--yes"); r.code != 0 || !strings.Contains(r.stderr, "Removed 203.0.113.7/32") {
		t.Errorf("%+v", r)
	}
}

func TestAddressesListJSON(t *testing.T) {
	s := twiliotest.New(t)
	acls(s, "office-ips")
	s.Expect("GET", addrs, nil, 0, twiliotest.Page("ip_addresses", "", twiliotest.IPAddress(ipSID, aclSID, "pbx", "203.0.113.7", 32)))
	if r := run(t, s, false, "addresses", "list", "office-ips", "--jq", ".[].ip_address"); r.stdout != "203.0.113.7\n" {
		t.Errorf("%+v", r)
	}
}
