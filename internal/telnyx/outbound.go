package telnyx

import (
	"context"
	"errors"
	"iter"

	"github.com/sipctl/sipctl/internal/provider"
)

var _ provider.OutboundProfiles = (*Client)(nil)

func toOutboundProfile(p OutboundVoiceProfile) provider.OutboundProfile {
	dest := p.WhitelistedDestinations
	if dest == nil {
		dest = []string{}
	}
	return provider.OutboundProfile{
		ID: p.ID, Name: p.Name, Enabled: p.Enabled, Countries: dest,
		DailySpendLimit: p.DailySpendLimit, DailySpendLimitEnabled: p.DailySpendLimitEnabled,
		Accounts: p.ConnectionsCount, Created: parseTime(p.CreatedAt), Updated: parseTime(p.UpdatedAt),
	}
}

func profileParams(p provider.OutboundProfileParams) ProfileParams {
	return ProfileParams{Name: p.Name, Enabled: p.Enabled, WhitelistedDestinations: p.Countries,
		DailySpendLimit: p.DailySpendLimit, DailySpendLimitEnabled: p.DailySpendLimitEnabled}
}

// ValidateOutboundProfile implements provider.OutboundProfiles.
func (c *Client) ValidateOutboundProfile(p provider.OutboundProfileParams) error {
	pp := profileParams(p)
	if p.Countries != nil && len(p.Countries) == 0 {
		return errNoCountries
	}
	return pp.Validate()
}

var errNoCountries = errors.New("an outbound voice profile needs at least one whitelisted destination (an ISO country code such as US)")

// ListOutboundProfiles implements provider.OutboundProfiles.
func (c *Client) ListOutboundProfiles(ctx context.Context) iter.Seq2[provider.OutboundProfile, error] {
	return func(yield func(provider.OutboundProfile, error) bool) {
		for p, err := range c.ListProfiles(ctx) {
			if err != nil {
				yield(provider.OutboundProfile{}, err)
				return
			}
			if !yield(toOutboundProfile(p), nil) {
				return
			}
		}
	}
}

// GetOutboundProfile implements provider.OutboundProfiles.
func (c *Client) GetOutboundProfile(ctx context.Context, id string) (provider.OutboundProfile, error) {
	p, err := c.GetProfile(ctx, id)
	return toOutboundProfile(p), err
}

// CreateOutboundProfile implements provider.OutboundProfiles.
func (c *Client) CreateOutboundProfile(ctx context.Context, p provider.OutboundProfileParams) (provider.OutboundProfile, error) {
	if err := c.ValidateOutboundProfile(p); err != nil {
		return provider.OutboundProfile{}, err
	}
	out, err := c.CreateProfile(ctx, profileParams(p))
	return toOutboundProfile(out), err
}

// UpdateOutboundProfile implements provider.OutboundProfiles.
func (c *Client) UpdateOutboundProfile(ctx context.Context, id string, p provider.OutboundProfileParams) (provider.OutboundProfile, error) {
	if err := c.ValidateOutboundProfile(p); err != nil {
		return provider.OutboundProfile{}, err
	}
	out, err := c.UpdateProfile(ctx, id, profileParams(p))
	return toOutboundProfile(out), err
}

// DeleteOutboundProfile implements provider.OutboundProfiles.
func (c *Client) DeleteOutboundProfile(ctx context.Context, id string) error {
	return c.DeleteProfile(ctx, id)
}
