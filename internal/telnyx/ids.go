package telnyx

import "github.com/sipctl/sipctl/internal/provider"

var _ provider.Identifiers = (*Client)(nil)

// IsID implements provider.Identifiers: connection and profile ids are
// int64s in decimal, managed accounts and IPs are UUIDs.
func (c *Client) IsID(what, ref string) bool {
	switch what {
	case provider.WhatOutboundProfiles, provider.WhatIPACLs:
		return ValidID(ref)
	case provider.WhatSubaccounts, provider.WhatIPAddresses:
		return ValidUUID(ref)
	}
	return false
}

// ValidUUID reports whether s is a UUID in its canonical 8-4-4-4-12 hex form.
func ValidUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch i {
		case 8, 13, 18, 23:
			if ch != '-' {
				return false
			}
		default:
			if !(ch >= '0' && ch <= '9' || ch >= 'a' && ch <= 'f' || ch >= 'A' && ch <= 'F') {
				return false
			}
		}
	}
	return true
}
