// Package lookup checks phone numbers and finds verified caller IDs by
// number or SID.
package lookup

import (
	"context"
	"fmt"
	"strings"

	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/provider"
)

var (
	separators = strings.NewReplacer(" ", "", "-", "", ".", "", "(", "", ")", "")
)

// E164 checks a phone number: a + and the country code, then up to 15
// digits in all. Spaces, dashes, dots and brackets people type are removed.
func E164(s string) (string, error) {
	n := separators.Replace(strings.TrimSpace(s))
	if !provider.IsE164(n) {
		return "", cmdutil.FlagErrorf("%q is not an E.164 phone number: write + then the country code and number, at most 15 digits, e.g. +14155550100", s)
	}
	return n, nil
}

// CheckRef checks a caller ID reference (one of p's caller ID IDs, such as
// Twilio's PN SIDs, or an E.164 number) before any request, and returns it
// normalised.
func CheckRef(p any, ref string) (string, error) {
	if provider.IsID(p, provider.WhatCallerIDs, ref) {
		return ref, nil
	}
	return E164(ref)
}

// Find looks up a verified caller ID by SID or phone number (as CheckRef
// returned it).
func Find(ctx context.Context, p provider.CallerIDs, ref string) (provider.CallerID, error) {
	for c, err := range p.ListCallerIDs(ctx) {
		if err != nil {
			return provider.CallerID{}, err
		}
		if c.SID == ref || c.PhoneNumber == ref {
			return c, nil
		}
	}
	return provider.CallerID{}, cmdutil.WithHint(notFound(fmt.Sprintf("no verified caller ID %s in this account", ref)),
		"list them with `sipctl callerid list`; verify a number with `sipctl callerid add NUMBER`")
}

type notFound string

func (e notFound) Error() string        { return string(e) }
func (e notFound) Is(target error) bool { return target == provider.ErrNotFound }
