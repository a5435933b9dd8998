package telnyx

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"strconv"

	"github.com/sipctl/sipctl/internal/provider"
)

// OutboundVoiceProfile is Telnyx's outbound restrictions: which countries a
// connection using it may call, its spend limit, whether it is enabled.
type OutboundVoiceProfile struct {
	ID                      string   `json:"id"`
	RecordType              string   `json:"record_type"`
	Name                    string   `json:"name"`
	Enabled                 bool     `json:"enabled"`
	WhitelistedDestinations []string `json:"whitelisted_destinations"`
	DailySpendLimit         string   `json:"daily_spend_limit"`
	DailySpendLimitEnabled  bool     `json:"daily_spend_limit_enabled"`
	ConcurrentCallLimit     *int     `json:"concurrent_call_limit"`
	ConnectionsCount        int      `json:"connections_count"`
	CreatedAt               string   `json:"created_at"`
	UpdatedAt               string   `json:"updated_at"`
}

// UnmarshalJSON accepts the id as a string or a number.
func (p *OutboundVoiceProfile) UnmarshalJSON(b []byte) error {
	type plain OutboundVoiceProfile
	var v struct {
		plain
		ID json.RawMessage `json:"id"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*p = OutboundVoiceProfile(v.plain)
	p.ID = rawID(v.ID)
	return nil
}

// ProfileParams creates or updates an outbound voice profile; nil fields
// are left out.
type ProfileParams struct {
	Name                    *string  `json:"name,omitempty"`
	Enabled                 *bool    `json:"enabled,omitempty"`
	WhitelistedDestinations []string `json:"whitelisted_destinations,omitempty"`
	DailySpendLimit         *string  `json:"daily_spend_limit,omitempty"`
	DailySpendLimitEnabled  *bool    `json:"daily_spend_limit_enabled,omitempty"`
	ConcurrentCallLimit     *int     `json:"concurrent_call_limit,omitempty"`
}

// Validate checks p against Telnyx's rules before any request: known
// country codes (normalised in place), a spend limit that is a
// non-negative amount, a concurrent call limit of 0 or more.
func (p *ProfileParams) Validate() error {
	if p.Name != nil && *p.Name == "" {
		return fmt.Errorf("an outbound voice profile needs a name")
	}
	if p.WhitelistedDestinations != nil {
		codes, err := provider.CountryCodes(p.WhitelistedDestinations)
		if err != nil {
			return err
		}
		p.WhitelistedDestinations = codes
	}
	if p.DailySpendLimit != nil {
		f, err := strconv.ParseFloat(*p.DailySpendLimit, 64)
		if err != nil || f < 0 {
			return fmt.Errorf("daily spend limit %q is not an amount of 0 or more (e.g. 100.00)", *p.DailySpendLimit)
		}
	}
	if p.ConcurrentCallLimit != nil && *p.ConcurrentCallLimit < 0 {
		return fmt.Errorf("concurrent call limit %d: 0 or more", *p.ConcurrentCallLimit)
	}
	return nil
}

func profilePath(id string) (string, error) {
	if !ValidID(id) {
		return "", fmt.Errorf("%q is not a Telnyx outbound voice profile id (digits)", id)
	}
	return "/outbound_voice_profiles/" + id, nil
}

type profileEnvelope struct {
	Data OutboundVoiceProfile `json:"data"`
}

// ListProfiles streams outbound voice profiles, one page in memory.
func (c *Client) ListProfiles(ctx context.Context) iter.Seq2[OutboundVoiceProfile, error] {
	return List[OutboundVoiceProfile](ctx, c, "/outbound_voice_profiles", nil, c.pageSize)
}

// GetProfile fetches one outbound voice profile.
func (c *Client) GetProfile(ctx context.Context, id string) (OutboundVoiceProfile, error) {
	path, err := profilePath(id)
	if err != nil {
		return OutboundVoiceProfile{}, err
	}
	var env profileEnvelope
	err = c.Do(ctx, Request{Method: "GET", Path: path}, &env)
	return env.Data, err
}

// CreateProfile creates an outbound voice profile (a name is required).
func (c *Client) CreateProfile(ctx context.Context, p ProfileParams) (OutboundVoiceProfile, error) {
	if p.Name == nil {
		return OutboundVoiceProfile{}, fmt.Errorf("an outbound voice profile needs a name")
	}
	if err := p.Validate(); err != nil {
		return OutboundVoiceProfile{}, err
	}
	var env profileEnvelope
	err := c.Do(ctx, Request{Method: "POST", Path: "/outbound_voice_profiles", Body: p}, &env)
	return env.Data, err
}

// UpdateProfile changes the settings p names. Telnyx's update requires the
// name, so an update without one sends the current name.
func (c *Client) UpdateProfile(ctx context.Context, id string, p ProfileParams) (OutboundVoiceProfile, error) {
	path, err := profilePath(id)
	if err != nil {
		return OutboundVoiceProfile{}, err
	}
	if err := p.Validate(); err != nil {
		return OutboundVoiceProfile{}, err
	}
	if p.Name == nil {
		cur, err := c.GetProfile(ctx, id)
		if err != nil {
			return OutboundVoiceProfile{}, err
		}
		p.Name = &cur.Name
	}
	var env profileEnvelope
	err = c.Do(ctx, Request{Method: "PATCH", Path: path, Body: p, Idempotent: true}, &env)
	return env.Data, err
}

// DeleteProfile deletes an outbound voice profile.
func (c *Client) DeleteProfile(ctx context.Context, id string) error {
	path, err := profilePath(id)
	if err != nil {
		return err
	}
	return c.Do(ctx, Request{Method: "DELETE", Path: path}, nil)
}
