package provider

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"net"
	"strconv"
	"time"
)

// What self-hosted SIP servers (Kamailio, Asterisk) share: the digest they
// store, the registrar a profile names, host-name checks and the expiry
// value they keep in a column.

// HA1 is md5(user:realm:password), the stored digest a registrar compares
// without knowing the password (Kamailio's ha1, Asterisk's md5_cred).
func HA1(user, realm, password string) string {
	sum := md5.Sum([]byte(user + ":" + realm + ":" + password))
	return hex.EncodeToString(sum[:])
}

// ParseRegistrar reads HOST:PORT as the registrar phones use over UDP and TCP.
func ParseRegistrar(hostport string) (Registrar, error) {
	host, port, err := net.SplitHostPort(hostport)
	n, perr := strconv.Atoi(port)
	if err != nil || host == "" || perr != nil || n < 1 || n > 65535 {
		return Registrar{}, fmt.Errorf("invalid registrar %q: expected HOST:PORT such as sip.example.com:5060", hostport)
	}
	return Registrar{Host: host, Transports: []Transport{{Protocol: "UDP", Port: n}, {Protocol: "TCP", Port: n}}}, nil
}

// CheckHostChars refuses a (lower-cased) domain with a character no host
// name or address literal has.
func CheckHostChars(d string) error {
	for _, r := range d {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '.' || r == ':' || r == '[' || r == ']') {
			return fmt.Errorf("domain %q has %q, which is not allowed in a host name", d, r)
		}
	}
	return nil
}

// Short cuts a value for an error message.
func Short(s string) string {
	if len(s) > 24 {
		return s[:21] + "..."
	}
	return s
}

// ParseExpiry reads an expiry stored as FormatExpiry wrote it; anything
// else (empty, not a time) is no expiry, so cleanup leaves the account alone.
func ParseExpiry(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}

// OptionEndpointTemplate names, in NewSIPAccount.Options, an existing
// endpoint whose settings a new Asterisk account copies (`accounts create
// --template`).
const OptionEndpointTemplate = "endpoint_template"
