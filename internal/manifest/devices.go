package manifest

import (
	"strings"

	"github.com/sipctl/sipctl/internal/devices"
	"go.yaml.in/yaml/v3"
)

// device reads one entry of `devices:`: mac (or id for a softphone),
// vendor, model, lines (accounts, line 1 first), and optionally label and
// display_name.
func (p *parser) device(n *yaml.Node, f *File) {
	fs := p.fields(n, "a device", "mac", "id", "vendor", "model", "lines", "label", "display_name")
	if fs == nil {
		return
	}
	d := devices.Device{Pos: Pos2(n), MACPos: Pos2(n), VendorPos: Pos2(n), ModelPos: Pos2(n)}
	mac, hasMAC := fs["mac"]
	id, hasID := fs["id"]
	switch {
	case hasMAC && hasID:
		p.probs.add(id, "give a device a mac or an id, not both")
		return
	case hasMAC:
		s, ok := p.str(mac, "mac")
		if !ok {
			return
		}
		norm, err := devices.NormalizeMAC(s)
		if err != nil {
			p.probs.add(mac, "%v", err)
			return
		}
		d.MAC, d.MACPos = norm, Pos2(mac)
	case hasID:
		s, ok := p.str(id, "id")
		if !ok {
			return
		}
		d.ID, d.MACPos = s, Pos2(id)
	default:
		p.probs.add(n, "a device needs a mac (or an id for a softphone)")
		return
	}
	if v, ok := fs["vendor"]; ok {
		d.Vendor, _ = p.str(v, "vendor")
		d.VendorPos = Pos2(v)
	}
	if v, ok := fs["model"]; ok {
		d.Model, _ = p.str(v, "model")
		d.ModelPos = Pos2(v)
	}
	if v, ok := fs["label"]; ok {
		d.Label, _ = p.str(v, "label")
	}
	if v, ok := fs["display_name"]; ok {
		d.DisplayName, _ = p.str(v, "display_name")
	}
	if v, ok := fs["lines"]; ok {
		for _, a := range p.seq(v, "lines") {
			if s, ok := p.str(a, "a line's account"); ok {
				d.Lines = append(d.Lines, devices.Line{Account: s, Pos: Pos2(a)})
			}
		}
	}
	f.Devices = append(f.Devices, d)
}

// Pos2 is a node's place as the devices package counts it.
func Pos2(n *yaml.Node) devices.Pos { return devices.Pos{Line: n.Line, Column: n.Column} }

// checkDevices holds the inventory to the vendor table and each line's
// account to the accounts the file describes (after the provider completed
// their domains).
func (f *File) checkDevices(r Rules, probs *Problems) {
	for _, pr := range devices.Check(f.Devices) {
		probs.addAt(Pos{pr.Pos.Line, pr.Pos.Column}, "%s", pr.Msg)
	}
	idx := devices.NewIndex("the file's domains: (add it under its domain's accounts:)")
	for _, d := range f.Domains {
		for _, a := range d.Accounts {
			idx.Add(a.Username, d.Name)
		}
	}
	for i := range f.Devices {
		d := &f.Devices[i]
		seen := map[string]bool{}
		for j := range d.Lines {
			l := &d.Lines[j]
			acct := l.Account
			if user, dom, ok := strings.Cut(acct, "@"); ok {
				full, err := r.CanonicalDomain(dom)
				if err != nil {
					probs.addAt(Pos{l.Pos.Line, l.Pos.Column}, "device %s line %d: %v", d.Display(), j+1, err)
					continue
				}
				acct = user + "@" + full
			}
			k, err := idx.Resolve(acct)
			if err != nil {
				probs.addAt(Pos{l.Pos.Line, l.Pos.Column}, "device %s line %d: %v", d.Display(), j+1, err)
				continue
			}
			if seen[k] && k != strings.ToLower(l.Account) {
				probs.addAt(Pos{l.Pos.Line, l.Pos.Column}, "account %s is on device %s twice", k, d.Display())
			}
			seen[k] = true
			l.Account = k
		}
	}
}

func devicesVendorNames() []string { return devices.VendorNames() }
