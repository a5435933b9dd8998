package reconcile

import (
	"context"
	"sort"
	"strings"
	"sync"

	"github.com/sipctl/sipctl/internal/provider"
)

// Batched returns p with CreateSIPAccount going through p's BatchCreator
// when it has one: prepared once per domain (and options), so creating
// thousands of accounts costs one write request each instead of the
// lookups every CreateSIPAccount repeats. Everything else is p's, and
// capability checks on the result (provider.Lookup, provider.Require)
// answer as p: it unwraps to p.
func Batched(p provider.SIPAccounts) provider.SIPAccounts {
	bc, ok := p.(provider.BatchCreator)
	if !ok {
		return p
	}
	return &batched{SIPAccounts: p, bc: bc, prepared: map[string]func() (provider.CreateFunc, error){}}
}

type batched struct {
	provider.SIPAccounts
	bc       provider.BatchCreator
	mu       sync.Mutex
	prepared map[string]func() (provider.CreateFunc, error)
}

// Unwrap is the provider Batched wraps (provider.Wrapper).
func (b *batched) Unwrap() provider.SIPAccounts { return b.SIPAccounts }

func optionsKey(domain string, o map[string]string) string {
	keys := make([]string, 0, len(o))
	for k := range o {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(domain)
	for _, k := range keys {
		b.WriteString("\x00" + k + "=" + o[k])
	}
	return b.String()
}

func (b *batched) CreateSIPAccount(ctx context.Context, a provider.NewSIPAccount) (provider.SIPAccount, error) {
	key := optionsKey(a.Domain, a.Options)
	b.mu.Lock()
	prep, ok := b.prepared[key]
	if !ok {
		// Concurrent creates on one domain wait for one preparation; a
		// failed one is not kept, so a retry prepares again.
		var once sync.Once
		var fn provider.CreateFunc
		var err error
		prep = func() (provider.CreateFunc, error) {
			once.Do(func() { fn, err = b.bc.PrepareCreate(ctx, a.Domain, a.Options) })
			return fn, err
		}
		b.prepared[key] = prep
	}
	b.mu.Unlock()
	fn, err := prep()
	if err != nil {
		b.mu.Lock()
		delete(b.prepared, key)
		b.mu.Unlock()
		return provider.SIPAccount{}, err
	}
	return fn(ctx, a.Username, a.Password)
}
