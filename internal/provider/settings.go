package provider

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

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
	// CallerName is the name (CNAM) outbound calls show (SignalWire's
	// caller_id); "" is none.
	CallerName *string
	// Codecs are the codecs the account offers, in order of preference;
	// empty is the provider's defaults.
	Codecs *[]string
	// Encryption is whether media must be encrypted (SignalWire: default,
	// required, optional).
	Encryption *string
}

// Unsupported names the settings s gives beyond those a provider has
// (given as the flags' names: "alias", "caller-name", "codecs", "encryption"), so a
// provider refuses them instead of ignoring them.
func (s AccountSettings) Unsupported(provider string, has ...string) error {
	for _, f := range []struct {
		name string
		set  bool
	}{{"alias", s.Alias != nil}, {"caller-name", s.CallerName != nil}, {"codecs", s.Codecs != nil}, {"encryption", s.Encryption != nil}} {
		if f.set && !slices.Contains(has, f.name) {
			return fmt.Errorf("%s has no per-account %s setting", provider, strings.ReplaceAll(f.name, "-", " "))
		}
	}
	return nil
}

// Empty reports whether nothing would change.
func (s AccountSettings) Empty() bool {
	return s.InboundChannelLimit == nil && s.OutboundChannelLimit == nil && s.CallerID == nil && s.OutboundProfile == nil && s.Alias == nil &&
		s.CallerName == nil && s.Codecs == nil && s.Encryption == nil
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
