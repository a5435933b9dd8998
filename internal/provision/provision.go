// Package provision writes each device's provisioning file in its vendor's
// format, from the inventory (internal/devices) and the accounts' passwords
// (a handover), one Go text/template per vendor. Files are secrets: written
// atomically, 0600 in a 0700 directory, and a file whose content would not
// change is not rewritten.
//
// Key names come from the vendors' public provisioning documents:
//   - Yealink: "Yealink SIP IP Phones Auto Provisioning Guide" and the
//     administrator guides' parameter tables (account.X.enable, .label,
//     .display_name, .auth_name, .user_name, .password,
//     .sip_server.Y.address/.port/.transport_type 0 UDP 1 TCP 2 TLS,
//     .outbound_proxy_enable, .outbound_proxy.Y.address/.port); file
//     <mac>.cfg, MAC in lower case.
//   - Poly (Polycom UC Software Administrator Guide): the master
//     configuration file <mac>.cfg (APPLICATION CONFIG_FILES) naming a
//     per-phone file with reg.x.address, reg.x.auth.userId,
//     reg.x.auth.password, reg.x.label, reg.x.displayName,
//     reg.x.server.y.address/.port/.transport (UDPOnly, TCPOnly, TLS).
//   - Grandstream ("Configuration Template" of the GXP/GRP series, XML
//     cfg<mac>.xml with gs_provision): P-values per account (account 1:
//     P271 active, P270 name, P47 server, P48 outbound proxy, P35 user ID,
//     P36 authenticate ID, P34 password, P3 display name, P130 transport
//     0 UDP 1 TCP 2 TLS; accounts 2–4 at P4xx, P5xx, P6xx; 5–6 at P17xx,
//     P18xx).
//   - Snom ("Snom XML settings" provisioning format): phone-settings with
//     user_active, user_realname, user_name, user_pname, user_pass,
//     user_host, user_outbound, user_idle_text, indexed by idx.
//   - Cisco (Cisco IP Phone 6800/7800/8800 Multiplatform Phones
//     Provisioning Guide; SPA: Cisco Small Business SPA provisioning
//     guide): flat-profile elements Line_Enable_n_, Display_Name_n_,
//     User_ID_n_, Password_n_, Use_Auth_ID_n_, Auth_ID_n_, Proxy_n_,
//     Use_Outbound_Proxy_n_, Outbound_Proxy_n_, SIP_Transport_n_ and
//     Resync_From_SIP; MPP file <mac>.xml, SPA spa<mac>.xml.
//   - Fanvil ("Fanvil Auto Provisioning" guide, configuration file
//     version 2): <SIP CONFIG MODULE> lines SIPn Phone Number, Display
//     Name, Sip Name, Register Addr, Register Port, Register User,
//     Register Pswd, Proxy Addr, Proxy Port, Transport Protocol, Enable Reg.
//   - Linphone (linphone wiki "Remote Provisioning", lpconfig.xsd): XML
//     config of sections proxy_N (reg_identity, reg_proxy, reg_route,
//     reg_expires, reg_sendregister, realm) and auth_info_N (username,
//     userid, passwd, realm, domain).
//   - baresip (its `accounts` file, docs/examples/accounts): one line per
//     account, <sip:user@domain>;auth_user=…;auth_pass=…;outbound="sip:…".
//
// Wazo provd's plugins were read for file names only.
package provision

import (
	"bytes"
	"crypto/md5"
	"embed"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"strings"
	"text/template"

	"github.com/sipctl/sipctl/internal/devices"
)

//go:embed templates/*.tmpl
var templateFS embed.FS

var templates = func() *template.Template {
	t := template.New("").Funcs(template.FuncMap{
		"xml":              xmlEscape,
		"kv":               kv,
		"upper":            strings.ToUpper,
		"yealinkTransport": func(t string) int { return map[string]int{"udp": 0, "tcp": 1, "tls": 2}[t] },
		"polyTransport":    func(t string) string { return map[string]string{"udp": "UDPOnly", "tcp": "TCPOnly", "tls": "TLS"}[t] },
		"gsTransport":      func(t string) int { return map[string]int{"udp": 0, "tcp": 1, "tls": 2}[t] },
		"fanvilTransport":  func(t string) int { return map[string]int{"udp": 0, "tcp": 1, "tls": 3}[t] },
		"gsP":              grandstreamP,
		"linphoneIdentity": linphoneIdentity,
		"baresipLine":      baresipLine,
		// linphone keeps a password as its digest hash (ha1) once it has
		// saved its configuration, and a stored ha1 wins over a new
		// passwd: the file overwrites both.
		"ha1": func(user, realm, password string) string {
			sum := md5.Sum([]byte(user + ":" + realm + ":" + password))
			return hex.EncodeToString(sum[:])
		},
	})
	return template.Must(t.ParseFS(templateFS, "templates/*.tmpl"))
}()

// Registrar is where a line registers: HOST:PORT and a transport (udp,
// tcp, tls).
type Registrar struct {
	Host      string
	Port      int
	Transport string
}

// Account is what a line needs: the account, its password, its registrar.
type Account struct {
	Username, Domain, Password string
	Registrar                  Registrar
}

// LineData is one line as templates see it.
type LineData struct {
	N, I               int // 1-based, 0-based
	Username, Domain   string
	Password           string
	Label, DisplayName string
	Host, Transport    string
	Port               int
	// Outbound says the registrar is not the domain itself: phones send
	// to it as their outbound proxy, with the domain as realm and AoR.
	Outbound bool
}

// DeviceData is a device as templates see it.
type DeviceData struct {
	Name, Display, Model string
	Generation           int
	Lines                []LineData
}

// File is one rendered file.
type File struct {
	Name string
	Data []byte
}

// FileNames are the files a device's phone requests, under the names its
// firmware asks for.
func FileNames(d devices.Device) []string {
	switch d.Vendor {
	case "yealink", "fanvil":
		return []string{d.MAC + ".cfg"}
	case "poly":
		return []string{d.MAC + ".cfg", d.MAC + "-sipctl.cfg"}
	case "grandstream":
		return []string{"cfg" + d.MAC + ".xml"}
	case "snom":
		return []string{d.MAC + ".xml"}
	case "cisco":
		if devices.CiscoSPA(d.Model) {
			return []string{"spa" + d.MAC + ".xml"}
		}
		return []string{d.MAC + ".xml"}
	case "linphone":
		return []string{d.ID + ".xml"}
	case "baresip":
		return []string{d.ID + ".accounts"}
	}
	return nil
}

func templatesFor(vendor string) []string {
	switch vendor {
	case "poly":
		return []string{"poly-master.tmpl", "poly.tmpl"}
	}
	return []string{vendor + ".tmpl"}
}

// Render writes a device's files at a generation. accounts holds each
// line's account by key (devices.AccountKey).
func Render(d devices.Device, generation int, accounts map[string]Account) ([]File, error) {
	data := DeviceData{Name: d.Name(), Display: d.Display(), Model: d.Model, Generation: generation}
	for i, l := range d.Lines {
		a, ok := accounts[l.Account]
		if !ok {
			return nil, fmt.Errorf("device %s line %d: no password for %s", d.Display(), i+1, l.Account)
		}
		ld := LineData{N: i + 1, I: i, Username: a.Username, Domain: a.Domain, Password: a.Password,
			Label: l.Label, DisplayName: l.DisplayName, Host: a.Registrar.Host, Port: a.Registrar.Port,
			Transport: strings.ToLower(a.Registrar.Transport)}
		if ld.Label == "" {
			ld.Label = d.Label
		}
		if ld.Label == "" {
			ld.Label = a.Username
		}
		if ld.DisplayName == "" {
			ld.DisplayName = d.DisplayName
		}
		if ld.Transport == "" {
			ld.Transport = "udp"
		}
		if ld.Port == 0 {
			ld.Port = map[string]int{"tls": 5061}[ld.Transport]
			if ld.Port == 0 {
				ld.Port = 5060
			}
		}
		if ld.Host == "" {
			ld.Host = a.Domain
		}
		ld.Outbound = !strings.EqualFold(ld.Host, a.Domain) || ld.Port != 5060 && ld.Port != 5061
		data.Lines = append(data.Lines, ld)
	}
	names := FileNames(d)
	tmpls := templatesFor(d.Vendor)
	if len(names) == 0 || len(names) != len(tmpls) {
		return nil, fmt.Errorf("device %s: no template for vendor %q", d.Display(), d.Vendor)
	}
	out := make([]File, len(names))
	for i, name := range names {
		var buf bytes.Buffer
		buf.Grow(1024)
		if err := templates.ExecuteTemplate(&buf, tmpls[i], data); err != nil {
			return nil, fmt.Errorf("device %s: %w", d.Display(), err)
		}
		out[i] = File{Name: name, Data: buf.Bytes()}
	}
	return out, nil
}

func xmlEscape(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return strings.ReplaceAll(b.String(), `"`, "&#34;")
}

// kv keeps a value on its line in key = value formats: control characters
// (a newline would start another key) become spaces.
func kv(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}

// gsPValues are one Grandstream account's P-value numbers.
type gsPValues struct{ Active, Name, Server, Proxy, UserID, AuthID, Password, DisplayName, Transport int }

func grandstreamP(n int) gsPValues {
	if n == 1 {
		return gsPValues{271, 270, 47, 48, 35, 36, 34, 3, 130}
	}
	// Accounts 2–4 are at 400, 500, 600; 5 and 6 at 1700 and 1800, with
	// the same offsets.
	base := map[int]int{2: 400, 3: 500, 4: 600, 5: 1700, 6: 1800}[n]
	return gsPValues{base + 1, base + 17, base + 2, base + 3, base + 4, base + 5, base + 6, base + 7, base + 48}
}

func linphoneIdentity(l LineData) string {
	id := "<sip:" + l.Username + "@" + l.Domain + ">"
	if l.DisplayName != "" {
		id = `"` + strings.ReplaceAll(kv(l.DisplayName), `"`, "") + `" ` + id
	}
	return id
}

func baresipLine(l LineData) (string, error) {
	// baresip's account line has no quoting for parameter values.
	if strings.ContainsAny(l.Password, ";\"<> \t,") {
		return "", fmt.Errorf("%s@%s: baresip's accounts line cannot hold a password with ; \" < > , or spaces; rotate it with a policy without them (device-safe)", l.Username, l.Domain)
	}
	var b strings.Builder
	if l.DisplayName != "" {
		fmt.Fprintf(&b, "%q ", strings.ReplaceAll(kv(l.DisplayName), `"`, ""))
	}
	fmt.Fprintf(&b, "<sip:%s@%s>;auth_user=%s;auth_pass=%s", l.Username, l.Domain, l.Username, kv(l.Password))
	fmt.Fprintf(&b, ";outbound=\"sip:%s:%d;transport=%s\";regint=3600", l.Host, l.Port, l.Transport)
	return b.String(), nil
}
