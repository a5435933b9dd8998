// Package devices is the phone inventory: which device (a desk phone by its
// MAC, a softphone by an id) carries which SIP accounts on which of its
// lines. It is read from a manifest's `devices:` list or from a CSV file
// (`--devices FILE`), checked all at once with FILE:LINE:COLUMN, and used by
// `provision render`, `provision serve` and `devices resync`.
package devices

import (
	"fmt"
	"sort"
	"strings"
)

// Pos is a place in the file a device was read from.
type Pos struct{ Line, Column int }

// Device is one phone or softphone and the accounts on its lines.
type Device struct {
	// MAC is the hardware address as 12 lower-case hex digits; "" for a
	// softphone, which has ID instead.
	MAC string
	ID  string

	Vendor string // a key of Vendors ("yealink", "cisco", …)
	Model  string // as the vendor's table spells it
	// Lines are the accounts on the device's lines, line 1 first.
	Lines       []Line
	Label       string
	DisplayName string
	// Provider, when given (CSV column `provider`), must be the active
	// profile's provider.
	Provider string

	Pos                         Pos
	MACPos, VendorPos, ModelPos Pos
	ProviderPos                 Pos
}

// Line is one account on one line of a device. Account is USER@DOMAIN, or
// USER when only one domain holds that username.
type Line struct {
	Account     string
	Label       string
	DisplayName string
	Pos         Pos
}

// Name is how a device is named in files, credentials and logs: its MAC
// (12 hex digits) or its id.
func (d Device) Name() string {
	if d.MAC != "" {
		return d.MAC
	}
	return d.ID
}

// Display is the name people read: 00:15:65:12:34:ab, or the id.
func (d Device) Display() string {
	if d.MAC != "" {
		return FormatMAC(d.MAC)
	}
	return d.ID
}

// NormalizeMAC accepts the usual spellings of a MAC address
// (00:15:65:12:34:AB, 00-15-65-12-34-ab, 0015.6512.34ab, 001565-1234ab,
// 00156512 34ab) and returns its 12 lower-case hex digits.
func NormalizeMAC(s string) (string, error) {
	var b strings.Builder
	for _, r := range strings.TrimSpace(s) {
		switch {
		case r >= '0' && r <= '9', r >= 'a' && r <= 'f':
			b.WriteRune(r)
		case r >= 'A' && r <= 'F':
			b.WriteRune(r + ('a' - 'A'))
		case r == ':' || r == '-' || r == '.' || r == ' ':
		default:
			return "", fmt.Errorf("MAC %q: %q is not a hex digit or separator (like 00:15:65:12:34:ab, 0015.6512.34ab or 001565-1234ab)", s, r)
		}
	}
	if b.Len() != 12 {
		return "", fmt.Errorf("MAC %q has %d hex digits, not 12 (like 00:15:65:12:34:ab)", s, b.Len())
	}
	return b.String(), nil
}

// FormatMAC writes 12 hex digits as 00:15:65:12:34:ab.
func FormatMAC(hex string) string {
	if len(hex) != 12 {
		return hex
	}
	parts := make([]string, 6)
	for i := range parts {
		parts[i] = hex[2*i : 2*i+2]
	}
	return strings.Join(parts, ":")
}

// validID is a softphone id: letters, digits, '.', '-', '_' (it names a
// file and a credential), at most 64.
func validID(s string) bool {
	if s == "" || len(s) > 64 || s[0] == '.' {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// Problem is one thing wrong with an inventory, at a place in its file.
type Problem struct {
	Pos Pos
	Msg string
}

// Problems is every problem found in an inventory; none of it is used.
type Problems struct {
	Source string
	List   []Problem
}

func (p *Problems) Error() string {
	lines := make([]string, len(p.List))
	for i, pr := range p.List {
		lines[i] = p.Format(pr)
	}
	return strings.Join(lines, "\n")
}

// Format is "FILE:LINE:COLUMN: message".
func (p *Problems) Format(pr Problem) string {
	if pr.Pos.Line == 0 {
		return fmt.Sprintf("%s: %s", p.Source, pr.Msg)
	}
	return fmt.Sprintf("%s:%d:%d: %s", p.Source, pr.Pos.Line, pr.Pos.Column, pr.Msg)
}

func (p *Problems) add(pos Pos, format string, args ...any) {
	p.List = append(p.List, Problem{Pos: pos, Msg: fmt.Sprintf(format, args...)})
}

// Err is p sorted by place, or nil when there is no problem.
func (p *Problems) Err() error {
	if len(p.List) == 0 {
		return nil
	}
	sort.SliceStable(p.List, func(i, j int) bool {
		a, b := p.List[i].Pos, p.List[j].Pos
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Column < b.Column
	})
	return p
}

// Check holds devices to the vendor table, all at once: a known vendor and
// model, no more lines than the model has, at least one line, no MAC or id
// twice, a MAC for a desk phone and an id for a softphone. Vendor and model
// are replaced by their canonical spelling.
func Check(devs []Device) []Problem {
	probs := &Problems{}
	seen := map[string]Pos{}
	for i := range devs {
		d := &devs[i]
		v, vok := LookupVendor(d.Vendor)
		switch {
		case d.Vendor == "":
			probs.add(d.Pos, "device %s has no vendor; one of: %s", d.Display(), strings.Join(VendorNames(), ", "))
		case !vok:
			probs.add(d.VendorPos, "unknown vendor %q; one of: %s", d.Vendor, strings.Join(VendorNames(), ", "))
		default:
			d.Vendor = v.Name
		}
		if vok {
			if v.Softphone && d.MAC != "" && d.ID == "" {
				probs.add(d.MACPos, "%s is a softphone: give it an id (letters, digits, . - _), not a MAC", v.Name)
			}
			if !v.Softphone && d.MAC == "" {
				probs.add(d.Pos, "a %s phone needs a mac", v.Name)
			}
			m, mok := v.LookupModel(d.Model)
			switch {
			case d.Model == "" && !v.Softphone:
				probs.add(d.Pos, "device %s has no model; %s models: %s", d.Display(), v.Name, strings.Join(v.ModelNames(), ", "))
			case !mok && !v.Softphone:
				probs.add(d.ModelPos, "unknown %s model %q; known: %s", v.Name, d.Model, strings.Join(v.ModelNames(), ", "))
			case mok:
				d.Model = m.Name
				if len(d.Lines) > m.Lines {
					probs.add(d.Lines[m.Lines].Pos, "%s %s has %d lines; device %s lists %d accounts", v.Name, m.Name, m.Lines, d.Display(), len(d.Lines))
				}
			}
		}
		if d.ID != "" && !validID(d.ID) {
			probs.add(d.MACPos, "id %q: use letters, digits, '.', '-' or '_' (at most 64, not starting with '.')", d.ID)
		}
		if len(d.Lines) == 0 {
			probs.add(d.Pos, "device %s has no lines: give it at least one account", d.Display())
		}
		if n := d.Name(); n != "" {
			if first, dup := seen[n]; dup {
				probs.add(d.MACPos, "device %s is listed twice (first at line %d)", d.Display(), first.Line)
			} else {
				seen[n] = d.MACPos
			}
		}
		accts := map[string]Pos{}
		for _, l := range d.Lines {
			k := strings.ToLower(l.Account)
			if first, dup := accts[k]; dup {
				probs.add(l.Pos, "account %s is on device %s twice (first at line %d)", l.Account, d.Display(), first.Line)
			}
			accts[k] = l.Pos
		}
	}
	return probs.List
}

// AccountKey is how an account is matched: user@domain, the domain in
// lower case.
func AccountKey(username, domain string) string {
	return username + "@" + strings.ToLower(domain)
}

// Resolver finds the account a line names. It returns the account's key
// (AccountKey) or an error saying why the line cannot be used.
type Resolver func(account string) (string, error)

// ResolveAccounts replaces each line's Account by its key, reporting every
// line the resolver refuses, and devices whose Provider is not active.
func ResolveAccounts(source string, devs []Device, active string, resolve Resolver) error {
	probs := &Problems{Source: source}
	ResolveInto(probs, devs, active, resolve)
	return probs.Err()
}

// ResolveInto is ResolveAccounts adding to problems already found.
func ResolveInto(probs *Problems, devs []Device, active string, resolve Resolver) {
	for i := range devs {
		d := &devs[i]
		if d.Provider != "" && active != "" && !strings.EqualFold(d.Provider, active) {
			probs.add(d.ProviderPos, "device %s is on provider %q but the active profile's provider is %q; use a %s profile (--profile) or a separate file", d.Display(), d.Provider, active, d.Provider)
			continue
		}
		for j := range d.Lines {
			l := &d.Lines[j]
			k, err := resolve(l.Account)
			if err != nil {
				probs.add(l.Pos, "device %s line %d: %v", d.Display(), j+1, err)
				continue
			}
			l.Account = k
		}
	}
}

// Index finds accounts by key or bare username, for a Resolver.
type Index struct {
	keys  map[string]bool
	users map[string][]string
	where string // "the handover", "the manifest"
}

// NewIndex indexes accounts (username, domain pairs) found in where.
func NewIndex(where string) *Index {
	return &Index{keys: map[string]bool{}, users: map[string][]string{}, where: where}
}

// Add records an account.
func (x *Index) Add(username, domain string) {
	k := AccountKey(username, domain)
	if x.keys[k] {
		return
	}
	x.keys[k] = true
	x.users[username] = append(x.users[username], k)
}

// Has says the key is known.
func (x *Index) Has(key string) bool { return x.keys[key] }

// Resolve is a Resolver over the index.
func (x *Index) Resolve(account string) (string, error) {
	if user, domain, ok := strings.Cut(account, "@"); ok {
		k := AccountKey(user, domain)
		if !x.keys[k] {
			return "", fmt.Errorf("account %s is not in %s", account, x.where)
		}
		return k, nil
	}
	switch ks := x.users[account]; len(ks) {
	case 0:
		return "", fmt.Errorf("account %s is not in %s", account, x.where)
	case 1:
		return ks[0], nil
	default:
		return "", fmt.Errorf("account %s is on several domains in %s (%s); write USER@DOMAIN", account, x.where, strings.Join(ks, ", "))
	}
}
