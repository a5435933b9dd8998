package provision

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sipctl/sipctl/internal/devices"
	"github.com/sipctl/sipctl/internal/rotate"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// handover is what a rotation handed over: the accounts the golden files
// are rendered from, and what each file's keys are checked against.
var handover = []rotate.Record{
	{Username: "alice", Domain: "office.sip.example.test", Password: "Alice-Pw-1&'x"},
	{Username: "bob", Domain: "office.sip.example.test", Password: "BobPassword22"},
}

func accountsOf(rs []rotate.Record, reg Registrar) map[string]Account {
	m := map[string]Account{}
	for _, r := range rs {
		m[devices.AccountKey(r.Username, r.Domain)] = Account{Username: r.Username, Domain: r.Domain, Password: r.Password, Registrar: reg}
	}
	return m
}

var goldenDevices = []devices.Device{
	{MAC: "0015651234ab", Vendor: "yealink", Model: "T54W"},
	{MAC: "0004f2123456", Vendor: "poly", Model: "VVX450"},
	{MAC: "000b82123456", Vendor: "grandstream", Model: "GRP2614"},
	{MAC: "000413123456", Vendor: "snom", Model: "D735"},
	{MAC: "f87b20123456", Vendor: "cisco", Model: "CP-8841-3PCC"},
	{MAC: "c8b5ad123456", Vendor: "cisco", Model: "SPA504G"},
	{MAC: "0c383e123456", Vendor: "fanvil", Model: "X4U"},
	{ID: "alice-laptop", Vendor: "linphone", Model: "desktop"},
	{ID: "bob-desk", Vendor: "baresip", Model: "baresip"},
}

func goldenDevice(d devices.Device) devices.Device {
	d.Label = "Front desk"
	d.Lines = []devices.Line{
		{Account: "alice@office.sip.example.test", DisplayName: "Alice A"},
		{Account: "bob@office.sip.example.test", Label: "Bob"},
	}
	return d
}

// TestGolden renders every vendor's file for two lines, compares it with
// its golden file, parses it back in its format and checks that every
// line's username, domain and password are the handover's.
func TestGolden(t *testing.T) {
	accts := accountsOf(handover, Registrar{Host: "registrar.example.test", Port: 5070, Transport: "tcp"})
	for _, d := range goldenDevices {
		d := goldenDevice(d)
		t.Run(d.Vendor+"-"+d.Model, func(t *testing.T) {
			files, err := Render(d, 3, accts)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range files {
				golden := filepath.Join("testdata", "golden", f.Name)
				if *update {
					os.MkdirAll(filepath.Dir(golden), 0o755)
					if err := os.WriteFile(golden, f.Data, 0o644); err != nil {
						t.Fatal(err)
					}
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatalf("%v (run go test ./internal/provision -run TestGolden -update)", err)
				}
				if !bytes.Equal(want, f.Data) {
					t.Errorf("%s differs from its golden file:\n%s", f.Name, f.Data)
				}
			}
			main := files[len(files)-1]
			kv := parseBack(t, d.Vendor, main.Data)
			for i, r := range handover {
				checkLine(t, d.Vendor, kv, i+1, r)
			}
		})
	}
}

// parseBack reads a file in its vendor's format into key → value.
func parseBack(t *testing.T, vendor string, data []byte) map[string]string {
	t.Helper()
	kv := map[string]string{}
	switch vendor {
	case "yealink":
		sc := bufio.NewScanner(bytes.NewReader(data))
		first := true
		for sc.Scan() {
			line := sc.Text()
			if first {
				if line != "#!version:1.0.0.1" {
					t.Errorf("first line %q", line)
				}
				first = false
			}
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			k, v, ok := strings.Cut(line, " = ")
			if !ok {
				t.Fatalf("not key = value: %q", line)
			}
			kv[k] = v
		}
	case "fanvil":
		for _, line := range strings.Split(string(data), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.HasPrefix(line, "SIP") {
				kv[strings.TrimSpace(k)] = v
			}
		}
	case "baresip":
		for i, line := range strings.Split(strings.TrimSpace(string(data)), "\n")[1:] {
			n := i + 1
			aor := line[strings.Index(line, "<sip:")+5 : strings.Index(line, ">")]
			kv[fmt.Sprint(n, ".aor")] = aor
			for _, p := range strings.Split(line[strings.Index(line, ">")+1:], ";") {
				if k, v, ok := strings.Cut(p, "="); ok {
					kv[fmt.Sprint(n, ".", k)] = v
				}
			}
		}
	case "linphone":
		var c struct {
			Sections []struct {
				Name    string `xml:"name,attr"`
				Entries []struct {
					Name  string `xml:"name,attr"`
					Value string `xml:",chardata"`
				} `xml:"entry"`
			} `xml:"section"`
		}
		if err := xml.Unmarshal(data, &c); err != nil {
			t.Fatalf("not well-formed XML: %v", err)
		}
		for _, s := range c.Sections {
			for _, e := range s.Entries {
				kv[s.Name+"."+e.Name] = e.Value
			}
		}
	default:
		dec := xml.NewDecoder(bytes.NewReader(data))
		var path []string
		var attrs []xml.Attr
		for {
			tok, err := dec.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("not well-formed XML: %v\n%s", err, data)
			}
			switch el := tok.(type) {
			case xml.StartElement:
				path = append(path, el.Name.Local)
				attrs = el.Attr
				for _, a := range el.Attr {
					kv[a.Name.Local] = a.Value
					if el.Name.Local == "section" || el.Name.Local == "entry" {
						kv[strings.Join(path, "/")+"@"+a.Name.Local] = a.Value
					}
				}
			case xml.CharData:
				if len(path) > 0 {
					key := path[len(path)-1]
					for _, a := range attrs {
						if a.Name.Local == "idx" || a.Name.Local == "name" {
							key += "#" + a.Value
						}
					}
					if s := string(el); strings.TrimSpace(s) != "" {
						kv[key] = s
					}
				}
			case xml.EndElement:
				path = path[:len(path)-1]
				attrs = nil
			}
		}
	}
	return kv
}

// checkLine finds line n's username, domain and password under the keys
// of the vendor's format.
func checkLine(t *testing.T, vendor string, kv map[string]string, n int, r rotate.Record) {
	t.Helper()
	var want map[string]string
	switch vendor {
	case "yealink":
		p := fmt.Sprintf("account.%d.", n)
		want = map[string]string{p + "user_name": r.Username, p + "auth_name": r.Username, p + "sip_server.1.address": r.Domain, p + "password": r.Password}
	case "poly":
		p := fmt.Sprintf("reg.%d.", n)
		want = map[string]string{p + "address": r.Username + "@" + r.Domain, p + "auth.userId": r.Username, p + "auth.password": r.Password}
	case "grandstream":
		p := grandstreamP(n)
		want = map[string]string{fmt.Sprint("P", p.UserID): r.Username, fmt.Sprint("P", p.Server): r.Domain, fmt.Sprint("P", p.Password): r.Password}
	case "snom":
		want = map[string]string{fmt.Sprint("user_name#", n): r.Username, fmt.Sprint("user_host#", n): r.Domain, fmt.Sprint("user_pass#", n): r.Password}
	case "cisco":
		want = map[string]string{fmt.Sprintf("User_ID_%d_", n): r.Username, fmt.Sprintf("Proxy_%d_", n): r.Domain, fmt.Sprintf("Password_%d_", n): r.Password}
	case "fanvil":
		want = map[string]string{fmt.Sprintf("SIP%d Register User", n): r.Username, fmt.Sprintf("SIP%d Register Addr", n): r.Domain, fmt.Sprintf("SIP%d Register Pswd", n): r.Password}
	case "linphone":
		p := fmt.Sprintf("auth_info_%d.", n-1)
		want = map[string]string{p + "username": r.Username, p + "domain": r.Domain, p + "passwd": r.Password,
			fmt.Sprintf("proxy_%d.reg_identity", n-1): "<sip:" + r.Username + "@" + r.Domain + ">"}
		if n == 1 {
			want["proxy_0.reg_identity"] = `"Alice A" <sip:alice@` + r.Domain + ">"
		}
	case "baresip":
		want = map[string]string{fmt.Sprint(n, ".aor"): r.Username + "@" + r.Domain, fmt.Sprint(n, ".auth_user"): r.Username, fmt.Sprint(n, ".auth_pass"): r.Password}
	}
	for k, v := range want {
		if kv[k] != v {
			t.Errorf("%s: %s = %q, want the handover's %q", vendor, k, kv[k], v)
		}
	}
}
