package telnyx

import (
	"context"
	"fmt"

	"github.com/sipctl/sipctl/internal/provider"
)

var _ provider.Settings = (*Client)(nil)

// ValidateSettings implements provider.Settings with Telnyx's rules.
func (c *Client) ValidateSettings(s provider.AccountSettings) error {
	if s.Alias != nil {
		return &provider.MissingCapabilityError{Provider: c.name, What: "alias", Why: "a credential connection's label is its connection_name"}
	}
	if err := s.Unsupported("Telnyx"); err != nil {
		return err
	}
	for _, l := range []struct {
		what string
		v    *int
	}{{"inbound channel limit", s.InboundChannelLimit}, {"outbound channel limit", s.OutboundChannelLimit}} {
		if l.v != nil && *l.v < 0 {
			return fmt.Errorf("%s %d: a channel limit is 0 or more simultaneous calls", l.what, *l.v)
		}
	}
	if s.CallerID != nil && *s.CallerID != "" && !provider.IsE164(*s.CallerID) {
		return fmt.Errorf("caller ID %q is not an E.164 number (a '+', the country code and the number, at most 15 digits, e.g. +14155550123), nor none", *s.CallerID)
	}
	if s.OutboundProfile != nil && *s.OutboundProfile != "" && !ValidID(*s.OutboundProfile) {
		return fmt.Errorf("outbound voice profile %q is not a Telnyx id (digits): find it under Outbound Voice Profiles in the Telnyx portal", *s.OutboundProfile)
	}
	return nil
}

// UpdateSIPAccount implements provider.Settings: one PATCH of the
// connection's inbound and outbound settings.
func (c *Client) UpdateSIPAccount(ctx context.Context, a provider.SIPAccount, s provider.AccountSettings) (provider.SIPAccount, error) {
	if err := c.ValidateSettings(s); err != nil {
		return provider.SIPAccount{}, err
	}
	id, err := c.refOf(ctx, a)
	if err != nil {
		return provider.SIPAccount{}, err
	}
	var p ConnectionParams
	if s.InboundChannelLimit != nil {
		p.Inbound = &InboundParams{ChannelLimit: s.InboundChannelLimit}
	}
	if s.OutboundChannelLimit != nil || s.CallerID != nil || s.OutboundProfile != nil {
		p.Outbound = &OutboundParams{ChannelLimit: s.OutboundChannelLimit, ANIOverride: s.CallerID, OutboundVoiceProfileID: s.OutboundProfile}
	}
	cc, err := c.UpdateConnection(ctx, id, p)
	if err != nil {
		return provider.SIPAccount{}, err
	}
	return toAccount(cc), nil
}
