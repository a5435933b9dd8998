package resolve

import (
	"context"

	"github.com/sipctl/sipctl/internal/provider"
)

// OutboundProfile finds an outbound profile by id or by name.
func OutboundProfile(ctx context.Context, p provider.OutboundProfiles, ref string) (provider.OutboundProfile, error) {
	if provider.IsID(p, provider.WhatOutboundProfiles, ref) {
		o, err := p.GetOutboundProfile(ctx, ref)
		if isNotFound(err) {
			return o, notFound("outbound profile", ref, "", "list them with `sipctl outbound-profiles list`")
		}
		return o, err
	}
	var found []provider.OutboundProfile
	for o, err := range p.ListOutboundProfiles(ctx) {
		if err != nil {
			return provider.OutboundProfile{}, err
		}
		if o.Name == ref {
			found = append(found, o)
		}
	}
	switch len(found) {
	case 0:
		return provider.OutboundProfile{}, notFound("outbound profile", ref, "",
			"create it with `sipctl outbound-profiles create "+shellQuote(ref)+" --countries US`")
	case 1:
		return found[0], nil
	}
	ids := make([]string, len(found))
	for i, o := range found {
		ids[i] = o.ID
	}
	return provider.OutboundProfile{}, ambiguous("outbound profile", ref, ids)
}
