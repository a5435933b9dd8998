package kamailio

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/sipctl/sipctl/internal/provider"
)

// Registration status comes from usrloc over JSON-RPC: ul.lookup for a few
// accounts, one ul.dump for many.

// lookupMax is the most accounts asked for one by one.
const lookupMax = 16

type ulContact struct {
	Contact struct {
		Address      string `json:"Address"`
		Expires      any    `json:"Expires"` // seconds left, or "permanent"/"deleted"
		UserAgent    string `json:"User-Agent"`
		Received     string `json:"Received"`
		Socket       string `json:"Socket"`
		LastModified int64  `json:"Last-Modified"`
	} `json:"Contact"`
}

type ulRecord struct {
	AoR      string      `json:"AoR"`
	Contacts []ulContact `json:"Contacts"`
}

type ulDump struct {
	Domains []struct {
		Domain struct {
			Domain string `json:"Domain"`
			AoRs   []struct {
				Info ulRecord `json:"Info"`
			} `json:"AoRs"`
		} `json:"Domain"`
	} `json:"Domains"`
}

// RegistrationStatus reports each account's binding in usrloc's location
// table, keyed by Ref. With several contacts, the freshest is shown.
func (c *Client) RegistrationStatus(ctx context.Context, accounts []provider.SIPAccount) (map[string]provider.Registration, error) {
	out := make(map[string]provider.Registration, len(accounts))
	if c.rpc == nil {
		// No RPC endpoint configured: the status is unknown, not an error.
		for _, a := range accounts {
			out[a.Ref] = provider.Registration{State: provider.RegistrationUnknown}
		}
		return out, nil
	}
	now := time.Now()
	if len(accounts) <= lookupMax {
		for _, a := range accounts {
			var rec ulRecord
			err := c.rpc.call(ctx, "ul.lookup", &rec, "location", a.Address())
			var re *RPCError
			switch {
			case errors.As(err, &re) && (re.Code == 404 || strings.Contains(strings.ToLower(re.Message), "not found")):
				out[a.Ref] = provider.Registration{State: provider.NotRegistered}
			case err != nil:
				return nil, err
			default:
				out[a.Ref] = registration(rec, now)
			}
		}
		return out, nil
	}
	byAoR, err := c.locationSnapshot(ctx)
	if err != nil {
		return nil, err
	}
	for _, a := range accounts {
		rec, ok := byAoR[strings.ToLower(a.Address())]
		if !ok {
			// usrloc without use_domain keys records by username alone.
			rec, ok = byAoR[strings.ToLower(a.Username)]
		}
		if !ok {
			out[a.Ref] = provider.Registration{State: provider.NotRegistered}
			continue
		}
		out[a.Ref] = registration(rec, now)
	}
	return out, nil
}

// dumpTTL is how long one ul.dump serves a listing's batches: a listing of
// many accounts asks for status a batch at a time, and one snapshot of the
// location table answers them all.
const dumpTTL = 5 * time.Second

// locationSnapshot is usrloc's location table by lower-cased AoR, from one
// ul.dump reused for dumpTTL.
func (c *Client) locationSnapshot(ctx context.Context) (map[string]ulRecord, error) {
	c.dumpMu.Lock()
	defer c.dumpMu.Unlock()
	if c.dump != nil && time.Since(c.dumpAt) < dumpTTL {
		return c.dump, nil
	}
	var dump ulDump
	if err := c.rpc.call(ctx, "ul.dump", &dump); err != nil {
		return nil, err
	}
	byAoR := map[string]ulRecord{}
	for _, d := range dump.Domains {
		if d.Domain.Domain != "location" {
			continue
		}
		for _, r := range d.Domain.AoRs {
			byAoR[strings.ToLower(r.Info.AoR)] = r.Info
		}
	}
	c.dump, c.dumpAt = byAoR, time.Now()
	return byAoR, nil
}

func registration(rec ulRecord, now time.Time) provider.Registration {
	var best *ulContact
	for i := range rec.Contacts {
		ct := &rec.Contacts[i]
		if expiresIn(ct) == 0 {
			continue
		}
		if best == nil || ct.Contact.LastModified > best.Contact.LastModified {
			best = ct
		}
	}
	if best == nil {
		return provider.Registration{State: provider.NotRegistered}
	}
	r := provider.Registration{State: provider.Registered, Contact: best.Contact.Address, UserAgent: best.Contact.UserAgent}
	if s := best.Contact.Socket; s != "" {
		proto, _, _ := strings.Cut(s, ":")
		r.Transport = strings.ToUpper(proto)
	}
	if rcv := best.Contact.Received; rcv != "" && rcv != "[not set]" {
		r.Source = strings.TrimPrefix(rcv, "sip:")
	}
	if secs := expiresIn(best); secs > 0 {
		r.Expires = now.Add(time.Duration(secs) * time.Second).UTC().Truncate(time.Second)
	}
	if best.Contact.LastModified > 0 {
		r.LastSeen = time.Unix(best.Contact.LastModified, 0).UTC()
	}
	return r
}

// expiresIn is the seconds a contact has left: -1 for permanent, 0 for
// expired or deleted.
func expiresIn(ct *ulContact) int64 {
	switch v := ct.Contact.Expires.(type) {
	case float64:
		if v <= 0 {
			return 0
		}
		return int64(v)
	case string:
		if v == "permanent" {
			return -1
		}
	}
	return 0
}
