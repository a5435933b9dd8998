package factory

import (
	"context"
	"time"

	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/sandbox"
	"github.com/sipctl/sipctl/internal/twilio"
)

// sandboxAccounts is the sandbox's Twilio client plus the registration
// status of its registrar (`sandbox serve` keeps the bindings in the state
// directory). Embedding keeps every capability of the client visible.
type sandboxAccounts struct {
	*twilio.Client
	stateDir string
}

var _ provider.Registrations = sandboxAccounts{}

// RegistrationStatus answers from the running serve's bindings: the most
// recently refreshed contact of each account.
func (s sandboxAccounts) RegistrationStatus(ctx context.Context, accounts []provider.SIPAccount) (map[string]provider.Registration, error) {
	now := time.Now()
	bs, err := sandbox.ReadBindings(s.stateDir, now)
	if err != nil {
		return nil, err
	}
	out := make(map[string]provider.Registration, len(accounts))
	for _, a := range accounts {
		list := bs[sandbox.AoR(a.Username, a.Domain)]
		if len(list) == 0 {
			out[a.Ref] = provider.Registration{State: provider.NotRegistered}
			continue
		}
		b := list[0]
		for _, x := range list[1:] {
			if x.Updated.After(b.Updated) {
				b = x
			}
		}
		out[a.Ref] = provider.Registration{State: provider.Registered, Contact: b.Contact, UserAgent: b.UserAgent,
			Transport: b.Transport, Source: b.Source, Expires: b.Expires, LastSeen: b.Updated}
	}
	return out, nil
}
