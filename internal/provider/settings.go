package provider

import "context"

// AccountSettings are the per-account settings a hosted portal shows (a
// channel limit, an outbound caller ID, outbound restrictions). Nil fields
// are left as they are.
type AccountSettings struct {
	// InboundChannelLimit and OutboundChannelLimit bound simultaneous
	// calls; 0 or more.
	InboundChannelLimit  *int
	OutboundChannelLimit *int
	// CallerID is the number outbound calls show, in E.164; "" is none.
	CallerID *string
	// OutboundProfile is the provider's outbound restrictions (Telnyx's
	// outbound voice profile id); "" is none.
	OutboundProfile *string
	// Alias is the label the provider's console shows for the account
	// (Plivo's endpoint alias).
	Alias *string
}

// Empty reports whether nothing would change.
func (s AccountSettings) Empty() bool {
	return s.InboundChannelLimit == nil && s.OutboundChannelLimit == nil && s.CallerID == nil && s.OutboundProfile == nil && s.Alias == nil
}

// Settings is the capability of changing an account's settings.
type Settings interface {
	// ValidateSettings checks s against the provider's rules before any
	// request, naming the rule a value breaks.
	ValidateSettings(s AccountSettings) error
	// UpdateSIPAccount changes the settings s names and returns the account
	// as the provider now has it.
	UpdateSIPAccount(ctx context.Context, a SIPAccount, s AccountSettings) (SIPAccount, error)
}

// WhatSettings names the Settings capability in a MissingCapabilityError.
const WhatSettings = "per-account settings"
