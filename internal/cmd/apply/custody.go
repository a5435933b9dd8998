package apply

import (
	"context"

	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/password"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/reconcile"
)

// custodyCreator creates the plan's accounts through internal/custody.
// Until it is merged, apply refuses new accounts before any change.
func custodyCreator(ctx context.Context, opts *ApplyOptions, p provider.SIPAccounts, prof *config.Profile, pol password.Policy, output string) func([]reconcile.NewAccount) (func(context.Context) error, func(), error) {
	return nil
}
