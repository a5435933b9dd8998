package manifest

import (
	"fmt"
	"io"
	"os"
)

// Rules are the provider's naming rules; provider.SIPAccounts has them.
type Rules interface {
	Name() string
	CanonicalDomain(name string) (string, error)
	ValidateUsername(username string) error
}

// AddressRules are a provider's rules for IP ACL addresses, where it has
// narrower ones than an address or CIDR range (Telnyx takes single
// addresses).
type AddressRules interface {
	ValidateIPAddress(ip string, prefix int) error
}

// Compatible says a file written for provider `file` may be applied with
// provider `active`: the same one, or the sandbox, which speaks Twilio's API.
func Compatible(file, active string) bool {
	// The sandbox speaks Twilio's API: its files and Twilio's are one kind.
	twilioLike := func(s string) bool { return s == "twilio" || s == "sandbox" }
	return file == "" || file == active || twilioLike(file) && twilioLike(active)
}

// Check holds the file to the active provider's rules, all at once: the
// provider named, every domain name and username, duplicates after the
// names are completed, IP ACLs referenced but not defined. Domain names
// are replaced by their canonical form ("office" → office.sip.twilio.com).
func (f *File) Check(r Rules) error {
	probs := &Problems{Source: f.Source}
	f.check(r, probs)
	return probs.sorted()
}

func (f *File) check(r Rules, probs *Problems) {
	if f.hasProvider && !Compatible(f.Provider, r.Name()) {
		probs.addAt(f.providerPos, "the file is for provider %q but the active profile's provider is %q; use a %s profile (--profile) or change `provider:`", f.Provider, r.Name(), f.Provider)
	}
	domains := map[string]Pos{}
	for i := range f.Domains {
		d := &f.Domains[i]
		if d.Name != "" {
			full, err := r.CanonicalDomain(d.Name)
			if err != nil {
				probs.addAt(d.Pos, "%v", err)
			} else {
				if first, dup := domains[full]; dup {
					probs.addAt(d.Pos, "domain %s is already described at line %d", full, first.Line)
				} else {
					domains[full] = d.Pos
				}
				d.Name = full
			}
		}
		users := map[string]Pos{}
		for _, a := range d.Accounts {
			if t := a.Telnyx; t != nil && r.Name() == "telnyx" && (t.ChannelLimit > 0 || t.CallerID != "" || t.OutboundVoiceProfileID != "") {
				// Refused rather than dropped: the file would say something
				// the provider was never told.
				probs.addAt(t.Pos, "sipctl's Telnyx provider sets only connection_name so far; remove channel_limit, caller_id and outbound_voice_profile_id")
			}
			if err := r.ValidateUsername(a.Username); err != nil {
				probs.addAt(a.Pos, "%v", err)
				continue
			}
			if first, dup := users[a.Username]; dup {
				probs.addAt(a.Pos, "duplicate username %q on %s (first at line %d)", a.Username, d.Name, first.Line)
				continue
			}
			users[a.Username] = a.Pos
		}
	}
	acls := map[string]Pos{}
	for _, acl := range f.IPACLs {
		if acl.Name == "" {
			continue
		}
		if first, dup := acls[acl.Name]; dup {
			probs.addAt(acl.Pos, "IP ACL %q is already described at line %d", acl.Name, first.Line)
		} else {
			acls[acl.Name] = acl.Pos
		}
		addrs := map[string]Pos{}
		for _, a := range acl.Addresses {
			if ar, ok := r.(AddressRules); ok {
				if err := ar.ValidateIPAddress(a.IP, a.Prefix); err != nil {
					probs.addAt(a.Pos, "%v", err)
					continue
				}
			}
			if first, dup := addrs[a.String()]; dup {
				probs.addAt(a.Pos, "address %s is listed twice in %q (first at line %d)", a, acl.Name, first.Line)
			}
			addrs[a.String()] = a.Pos
		}
	}
	f.checkDevices(r, probs)
	for _, d := range f.Domains {
		seen := map[string]bool{}
		for i, name := range d.IPACLs {
			if _, ok := acls[name]; !ok {
				probs.addAt(d.aclPos[i], "IP ACL %q is attached to %s but not described under ip_acls:; add it there with its addresses", name, d.Name)
			}
			if seen[name] {
				probs.addAt(d.aclPos[i], "IP ACL %q is attached to %s twice", name, d.Name)
			}
			seen[name] = true
		}
	}
}

// Load parses and checks a file in one step, reporting the problems of
// both at once (*Problems).
func Load(source string, data []byte, r Rules) (*File, error) {
	f, probs := parse(source, data)
	if f != nil {
		f.check(r, probs)
	}
	if err := probs.sorted(); err != nil {
		return nil, err
	}
	return f, nil
}

// Read reads the file at path, or stdin when path is "-", and returns the
// name to report problems against.
func Read(path string, stdin io.Reader) (source string, data []byte, err error) {
	if path == "-" {
		data, err = io.ReadAll(stdin)
		if err != nil {
			return "", nil, fmt.Errorf("reading the manifest from stdin: %w", err)
		}
		return "<stdin>", data, nil
	}
	data, err = os.ReadFile(path)
	if err != nil {
		return "", nil, fmt.Errorf("reading the manifest: %w", err)
	}
	return path, data, nil
}
