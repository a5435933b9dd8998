package apply

import (
	"context"
	"fmt"

	"github.com/sipctl/sipctl/internal/cmd/bulk"
	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/password"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/reconcile"
)

// custodyCreator creates the plan's accounts through internal/cmd/bulk
// (custody: journal first, bounded adaptive concurrency, handover, resume).
func custodyCreator(opts *ApplyOptions, p provider.SIPAccounts, prof *config.Profile, pol password.Policy, pool *bulk.Pool, output string) func([]reconcile.NewAccount) (func(context.Context) error, func(), error) {
	return func(as []reconcile.NewAccount) (func(context.Context) error, func(), error) {
		stateDir, err := opts.StateDir()
		if err != nil {
			return nil, nil, fmt.Errorf("creating the state directory: %w", err)
		}
		accounts := make([]bulk.Account, len(as))
		for i, a := range as {
			accounts[i] = bulk.Account{Username: a.Username, Domain: a.Domain, Options: a.Options}
		}
		return bulk.Begin(bulk.Options{IO: opts.IO, Command: "apply", StateDir: stateDir, Profile: prof.Name, ExplicitProfile: opts.ExplicitProfile,
			Policy: pol, Passwords: pool, AuditLog: opts.AuditLog, Output: output, Concurrency: opts.Concurrency}, p, accounts)
	}
}
