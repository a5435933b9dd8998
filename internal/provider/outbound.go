package provider

import (
	"context"
	"iter"
	"strings"
	"time"
)

// OutboundProfile is a set of outbound restrictions accounts are assigned
// to: the countries their calls may reach, a daily spend limit, and whether
// outbound calling is enabled at all (Telnyx's outbound voice profiles).
type OutboundProfile struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Enabled bool   `json:"enabled"`
	// Countries are ISO 3166-1 alpha-2 codes (Telnyx's
	// whitelisted_destinations).
	Countries              []string  `json:"whitelisted_destinations"`
	DailySpendLimit        string    `json:"daily_spend_limit"`
	DailySpendLimitEnabled bool      `json:"daily_spend_limit_enabled"`
	Accounts               int       `json:"accounts"`
	Created                time.Time `json:"created"`
	Updated                time.Time `json:"updated"`
}

// OutboundProfileParams creates or updates an outbound profile; nil fields
// are left as they are.
type OutboundProfileParams struct {
	Name                   *string
	Enabled                *bool
	Countries              []string // nil: unchanged
	DailySpendLimit        *string
	DailySpendLimitEnabled *bool
}

// OutboundProfiles is the capability of managing outbound restrictions
// (`outbound-profiles`, `accounts restrict`). Accounts are assigned to one
// through Settings.OutboundProfile.
type OutboundProfiles interface {
	// ValidateOutboundProfile checks p against the provider's rules before
	// any request, naming the rule a value breaks.
	ValidateOutboundProfile(p OutboundProfileParams) error
	ListOutboundProfiles(ctx context.Context) iter.Seq2[OutboundProfile, error]
	GetOutboundProfile(ctx context.Context, id string) (OutboundProfile, error)
	CreateOutboundProfile(ctx context.Context, p OutboundProfileParams) (OutboundProfile, error)
	UpdateOutboundProfile(ctx context.Context, id string, p OutboundProfileParams) (OutboundProfile, error)
	DeleteOutboundProfile(ctx context.Context, id string) error
}

// WhatOutboundProfiles names the OutboundProfiles capability.
const WhatOutboundProfiles = "outbound profiles"

// SameCountries reports whether a and b hold the same country codes, in any
// order and case.
func SameCountries(a, b []string) bool {
	set := map[string]int{}
	for _, c := range a {
		set[strings.ToUpper(c)] |= 1
	}
	for _, c := range b {
		set[strings.ToUpper(c)] |= 2
	}
	for _, v := range set {
		if v != 3 {
			return false
		}
	}
	return true
}
