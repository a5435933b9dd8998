package reconcile

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/sipctl/sipctl/internal/clock"
	"github.com/sipctl/sipctl/internal/manifest"
	"github.com/sipctl/sipctl/internal/provider"
)

// Action is what a change does.
type Action string

const (
	Create Action = "create"
	Update Action = "update"
	Delete Action = "delete"
)

// Kinds of resource a change is about.
const (
	KindDomain  = "domain"
	KindAccount = "account"
	KindIPACL   = "ip_acl"
)

// Change is one line of a plan.
type Change struct {
	Action Action `json:"action"`
	Kind   string `json:"kind"`
	// Name is the account's USER@DOMAIN, the domain's or the IP ACL's name.
	Name string `json:"name"`
	// Add and Remove are an update's parts: addresses of an IP ACL, IP
	// ACLs attached to a domain; a created IP ACL's addresses.
	Add    []string `json:"add,omitempty"`
	Remove []string `json:"remove,omitempty"`
	// ExpiresAt is a created account's expiry (its ttl: from now).
	ExpiresAt *time.Time `json:"expires_at,omitempty"`

	// what apply needs
	username, domain string
	account          provider.SIPAccount
	options          map[string]string
	// names are the file's names of the addresses added (by address).
	names map[string]string
}

// Detail is the change's parts for a table: "+203.0.113.11 -203.0.113.10".
func (c Change) Detail() string {
	var parts []string
	for _, a := range c.Add {
		parts = append(parts, "+"+a)
	}
	for _, r := range c.Remove {
		parts = append(parts, "-"+r)
	}
	if c.ExpiresAt != nil {
		parts = append(parts, "expires "+provider.FormatExpiry(*c.ExpiresAt))
	}
	return strings.Join(parts, " ")
}

// Plan is what applying a file would change.
type Plan struct {
	Changes []Change `json:"changes"`
	// Unmanaged are accounts on the file's domains that the file does not
	// name: kept, unless --prune (then they are Delete changes instead).
	Unmanaged []string `json:"unmanaged,omitempty"`
	Summary   Summary  `json:"summary"`
}

// Summary counts a plan's changes.
type Summary struct {
	Create int `json:"create"`
	Update int `json:"update"`
	Delete int `json:"delete"`
}

// Empty says applying changes nothing.
func (p *Plan) Empty() bool { return len(p.Changes) == 0 }

func (p *Plan) add(c Change) {
	p.Changes = append(p.Changes, c)
	switch c.Action {
	case Create:
		p.Summary.Create++
	case Update:
		p.Summary.Update++
	case Delete:
		p.Summary.Delete++
	}
}

// Diff compares the file with the state. Only what the file names is
// managed: its IP ACLs (exactly the addresses listed, when `addresses:` is
// given), its domains (exactly the IP ACLs listed, when `ip_acls:` is
// given) and the accounts on them; accounts the file does not name are
// deleted only with prune. Domains and IP ACLs the file does not name are
// never touched. Changes come in the order apply makes them.
func Diff(f *manifest.File, st *State, prune bool) (*Plan, error) {
	if err := requireCapabilities(f, st.Provider, st.HasIPACLs, st.HasMappings); err != nil {
		return nil, err
	}
	pl := &Plan{Changes: []Change{}}
	for _, acl := range f.IPACLs {
		want := addressSet(acl.Addresses)
		names := map[string]string{}
		for _, a := range acl.Addresses {
			if a.Name != "" {
				names[a.String()] = a.Name
			}
		}
		cur, exists := st.IPACLs[acl.Name]
		if !exists {
			pl.add(Change{Action: Create, Kind: KindIPACL, Name: acl.Name, Add: want, names: names})
			continue
		}
		if !acl.AddressesGiven {
			continue
		}
		add, remove := setDiff(want, sortedKeys(cur.Addresses))
		if len(add)+len(remove) > 0 {
			pl.add(Change{Action: Update, Kind: KindIPACL, Name: acl.Name, Add: add, Remove: remove, names: names})
		}
	}
	for _, d := range f.Domains {
		cur, exists := st.Domains[d.Name]
		switch {
		case !exists && st.HasDomains:
			pl.add(Change{Action: Create, Kind: KindDomain, Name: d.Name, Add: slices.Clone(d.IPACLs)})
		case exists && d.IPACLsGiven:
			add, remove := setDiff(d.IPACLs, sortedKeys(cur.ACLs))
			if len(add)+len(remove) > 0 {
				pl.add(Change{Action: Update, Kind: KindDomain, Name: d.Name, Add: add, Remove: remove})
			}
		}
	}
	var now time.Time // read once, for every ttl
	for _, d := range f.Domains {
		cur := st.Domains[d.Name]
		named := map[string]bool{}
		for _, a := range d.Accounts {
			named[a.Username] = true
			if cur != nil {
				if _, ok := cur.Accounts[a.Username]; ok {
					continue
				}
			}
			c := Change{Action: Create, Kind: KindAccount, Name: a.Username + "@" + d.Name,
				username: a.Username, domain: d.Name, options: a.Options(d)}
			if a.TTL > 0 {
				if now.IsZero() {
					var err error
					if now, err = clock.Now(); err != nil {
						return nil, err
					}
				}
				exp := provider.ExpiryAt(now, a.TTL)
				c.ExpiresAt = &exp
				// Journaled with the create: a resumed apply keeps it.
				c.options = provider.WithExpiry(c.options, exp)
			}
			pl.add(c)
		}
		if cur == nil || !d.AccountsGiven {
			continue
		}
		for _, u := range sortedKeys(cur.Accounts) {
			if named[u] {
				continue
			}
			if prune {
				pl.add(Change{Action: Delete, Kind: KindAccount, Name: u + "@" + d.Name, username: u, domain: d.Name, account: cur.Accounts[u]})
			} else {
				pl.Unmanaged = append(pl.Unmanaged, u+"@"+d.Name)
			}
		}
	}
	return pl, nil
}

func addressSet(as []manifest.Address) []string {
	out := make([]string, 0, len(as))
	for _, a := range as {
		out = append(out, a.String())
	}
	return out
}

// setDiff returns what want has and have lacks, and the reverse, sorted.
func setDiff(want, have []string) (add, remove []string) {
	h := map[string]bool{}
	for _, x := range have {
		h[x] = true
	}
	w := map[string]bool{}
	for _, x := range want {
		w[x] = true
		if !h[x] {
			add = append(add, x)
		}
	}
	for _, x := range have {
		if !w[x] {
			remove = append(remove, x)
		}
	}
	slices.Sort(add)
	slices.Sort(remove)
	return add, remove
}

// String is the summary line people read: "Plan: 200 to create, 0 to
// change, 0 to delete."
func (s Summary) String() string {
	return fmt.Sprintf("%d to create, %d to change, %d to delete", s.Create, s.Update, s.Delete)
}

// Supports refuses, before any request, a file that needs capabilities the
// provider lacks (IP ACLs, attaching them to domains): exit 2.
func Supports(f *manifest.File, p provider.SIPAccounts) error {
	_, acls := provider.Lookup[provider.IPACLs](p)
	_, maps := provider.Lookup[provider.Mappings](p)
	if _, ok := provider.Lookup[provider.Expiry](p); !ok && fileHasTTL(f) {
		return &provider.MissingCapabilityError{Provider: p.Name(), What: provider.WhatExpiry, Why: "remove ttl from the file"}
	}
	return requireCapabilities(f, p.Name(), acls, maps)
}

func fileHasTTL(f *manifest.File) bool {
	for _, d := range f.Domains {
		for _, a := range d.Accounts {
			if a.TTL > 0 {
				return true
			}
		}
	}
	return false
}

func requireCapabilities(f *manifest.File, name string, acls, maps bool) error {
	if len(f.IPACLs) > 0 && !acls {
		return &provider.MissingCapabilityError{Provider: name, What: provider.WhatIPACLs, Why: "remove ip_acls from the file"}
	}
	if fileAttachesACLs(f) && !maps {
		return &provider.MissingCapabilityError{Provider: name, What: provider.WhatMappings, Why: "remove the domains' ip_acls from the file"}
	}
	return nil
}
