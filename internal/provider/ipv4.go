package provider

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// WidestPrefix is the shortest prefix length an IP ACL entry takes without
// --allow-wide (a manifest's allow_wide: true): a /7 admits 33 million
// addresses, which is rarely what anyone meant.
const WidestPrefix = 8

// ParseIPv4Entry is the one rule for an IP access control list entry, on the
// command line and in a manifest: an IPv4 address, or a range as
// address/prefix-length (1-32). A range whose address has bits set outside
// its prefix (10.0.0.5/24, 10.0.0.0/4) is refused, naming the range it would
// have meant, never silently rewritten; a range wider than /8 needs
// allowWide. prefix is 0 when none was given (a single address).
func ParseIPv4Entry(s string, allowWide bool) (addr string, prefix int, err error) {
	s = strings.TrimSpace(s)
	host, bits, hasPrefix := strings.Cut(s, "/")
	a, perr := netip.ParseAddr(host)
	switch {
	case perr != nil || a.Zone() != "":
		return "", 0, fmt.Errorf("%q is not an IPv4 address: expected dotted decimal like 203.0.113.7 or 203.0.113.0/24", s)
	case a.Is6():
		return "", 0, fmt.Errorf("%q is an IPv6 address: IP access control lists take IPv4 only", s)
	}
	if !hasPrefix {
		return a.String(), 0, nil
	}
	n, err := strconv.Atoi(bits)
	if err != nil || n < 1 || n > 32 || bits != strconv.Itoa(n) {
		return "", 0, fmt.Errorf("%q: the CIDR prefix length must be a number from 1 to 32", s)
	}
	p := netip.PrefixFrom(a, n)
	if m := p.Masked(); m != p {
		msg := fmt.Sprintf("%q has address bits set outside its /%d prefix: the range it covers is %s; write that", s, n, m)
		if n < WidestPrefix && !allowWide {
			msg += ", with --allow-wide (a manifest: allow_wide: true) since it is wider than /8"
		}
		return "", 0, fmt.Errorf("%s", msg)
	}
	if n < WidestPrefix && !allowWide {
		return "", 0, fmt.Errorf("%q is wider than /%d (%s addresses): pass --allow-wide (a manifest: allow_wide: true) if you mean it", s, WidestPrefix, addressCount(n))
	}
	return a.String(), n, nil
}

func addressCount(prefix int) string {
	n := uint64(1) << (32 - prefix)
	s := strconv.FormatUint(n, 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
