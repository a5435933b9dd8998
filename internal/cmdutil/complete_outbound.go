package cmdutil

import (
	"context"
	"strings"

	"github.com/sipctl/sipctl/internal/provider"
)

// CompleteOutboundProfiles completes outbound profile names.
func CompleteOutboundProfiles(f *Factory) CompleteFunc {
	return completeOutbound(f, func(o provider.OutboundProfile) (string, string) {
		return o.Name, o.ID + " " + strings.Join(o.Countries, ",")
	})
}

// CompleteOutboundProfileIDs completes outbound profile ids (the value
// --outbound-voice-profile takes), described by their names.
func CompleteOutboundProfileIDs(f *Factory) CompleteFunc {
	return completeOutbound(f, func(o provider.OutboundProfile) (string, string) { return o.ID, o.Name })
}

func completeOutbound(f *Factory, item func(provider.OutboundProfile) (string, string)) CompleteFunc {
	return fromProvider(f, func(ctx context.Context, p provider.SIPAccounts, add func(string, string)) {
		ops, ok := any(p).(provider.OutboundProfiles)
		if !ok {
			return
		}
		for o, err := range ops.ListOutboundProfiles(ctx) {
			if err != nil {
				return
			}
			add(item(o))
		}
	})
}
