package sip

import (
	"errors"
	"sort"
	"strings"
	"sync"
	"time"
)

// Binding is one registered contact of an address of record, as the
// registrar lists it in a 200 response and as `accounts check` reports it.
type Binding struct {
	Contact string `json:"contact"`
	// Expires is the number of seconds the binding has left.
	Expires int `json:"expires"`
	// Updated is when a REGISTER last refreshed the binding (the sandbox's
	// Telnyx face reports it as last_registration).
	Updated time.Time `json:"-"`
	// UserAgent and Source are the User-Agent header and the address
	// (IP:port) of the REGISTER that made the binding.
	UserAgent string `json:"-"`
	Source    string `json:"-"`
	Transport string `json:"-"`
}

var (
	errOutOfOrder      = errors.New("REGISTER older than the binding it would change")
	errTooManyBindings = errors.New("too many bindings for this address of record")
)

type binding struct {
	contact   string
	userAgent string
	source    string
	transport string
	expires   time.Time
	callID    string
	cseq      uint32
	updated   time.Time
}

// bindingTable is the registrar's in-memory location service.
type bindingTable struct {
	mu   sync.Mutex
	aors map[string]map[string]binding // aor -> contact URI -> binding
}

func aorKey(domain, user string) string { return user + "@" + strings.ToLower(domain) }

func newBindingTable() *bindingTable {
	return &bindingTable{aors: map[string]map[string]binding{}}
}

// pruneLocked drops expired bindings of one AoR; the caller holds mu.
func (t *bindingTable) pruneLocked(aor string, now time.Time) {
	m := t.aors[aor]
	for k, b := range m {
		if !now.Before(b.expires) {
			delete(m, k)
		}
	}
	if len(m) == 0 {
		delete(t.aors, aor)
	}
}

func (t *bindingTable) pruneAll(now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for aor := range t.aors {
		t.pruneLocked(aor, now)
	}
}

func (t *bindingTable) listLocked(aor string, now time.Time) []Binding {
	m := t.aors[aor]
	out := make([]Binding, 0, len(m))
	for _, b := range m {
		secs := int((b.expires.Sub(now) + time.Second - 1) / time.Second)
		out = append(out, Binding{Contact: b.contact, Expires: secs, Updated: b.updated, UserAgent: b.userAgent, Source: b.source, Transport: b.transport})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Contact < out[j].Contact })
	return out
}

func (t *bindingTable) list(aor string, now time.Time) []Binding {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.pruneLocked(aor, now)
	return t.listLocked(aor, now)
}

// bindingUpdate is one Contact of a REGISTER: expires 0 removes it.
type bindingUpdate struct {
	contact   string
	expires   time.Duration
	userAgent string
	source    string
	transport string
}

// apply performs one REGISTER's changes atomically and returns the bindings
// that result. removeAll is `Contact: *` with Expires: 0. A request older
// than the stored one for the same Call-ID (RFC 3261 10.3 step 7) or one that
// would exceed maxPerAoR changes nothing.
func (t *bindingTable) apply(aor, callID string, cseq uint32, removeAll bool, updates []bindingUpdate, maxPerAoR int, now time.Time) ([]Binding, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.pruneLocked(aor, now)
	m := t.aors[aor]
	if removeAll {
		delete(t.aors, aor)
		return []Binding{}, nil
	}
	for _, u := range updates {
		if b, found := m[u.contact]; found && b.callID == callID && cseq <= b.cseq {
			return nil, errOutOfOrder
		}
	}
	added := 0
	for _, u := range updates {
		if _, found := m[u.contact]; !found && u.expires > 0 {
			added++
		}
	}
	if len(m)+added > maxPerAoR {
		return nil, errTooManyBindings
	}
	for _, u := range updates {
		if u.expires <= 0 {
			delete(m, u.contact)
			continue
		}
		if m == nil {
			m = map[string]binding{}
			t.aors[aor] = m
		}
		m[u.contact] = binding{contact: u.contact, expires: now.Add(u.expires), callID: callID, cseq: cseq, updated: now,
			userAgent: u.userAgent, source: u.source, transport: u.transport}
	}
	if len(m) == 0 {
		delete(t.aors, aor)
	}
	return t.listLocked(aor, now), nil
}
