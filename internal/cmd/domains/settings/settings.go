// Package settings holds the domain settings flags that `domains create` and
// `domains update` share, and how a domain is shown.
package settings

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/sipctl/sipctl/internal/output"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/spf13/pflag"
)

// Flags are the domain settings a person can set.
type Flags struct {
	FriendlyName         string
	VoiceURL             string
	VoiceMethod          string
	FallbackURL          string
	FallbackMethod       string
	StatusCallbackURL    string
	StatusCallbackMethod string
	SIPRegistration      bool
	Secure               bool
	EmergencyCalling     bool
}

// Add registers the flags.
func (f *Flags) Add(fs *pflag.FlagSet) {
	fs.StringVar(&f.FriendlyName, "friendly-name", "", "A descriptive `name` for the domain (up to 64 characters)")
	fs.StringVar(&f.VoiceURL, "voice-url", "", "The `URL` Twilio requests for TwiML when a call arrives")
	fs.StringVar(&f.VoiceMethod, "voice-method", "", "HTTP `method` for --voice-url: GET or POST")
	fs.StringVar(&f.FallbackURL, "fallback-url", "", "The `URL` Twilio requests when --voice-url fails")
	fs.StringVar(&f.FallbackMethod, "fallback-method", "", "HTTP `method` for --fallback-url: GET or POST")
	fs.StringVar(&f.StatusCallbackURL, "status-callback-url", "", "The `URL` Twilio notifies of call status changes")
	fs.StringVar(&f.StatusCallbackMethod, "status-callback-method", "", "HTTP `method` for --status-callback-url: GET or POST")
	fs.BoolVar(&f.SIPRegistration, "sip-registration", false, "Let phones register to the domain (--sip-registration=false turns it off)")
	fs.BoolVar(&f.Secure, "secure", false, "Require TLS signalling and SRTP media")
	fs.BoolVar(&f.EmergencyCalling, "emergency-calling", false, "Allow emergency calls from numbers with validated addresses")
}

// Params is the request for the flags that were given; nothing else is sent,
// so an update changes only what was named.
func (f *Flags) Params(fs *pflag.FlagSet) (provider.DomainParams, error) {
	var p provider.DomainParams
	str := func(name, v string) *string {
		if fs.Changed(name) {
			return &v
		}
		return nil
	}
	boolean := func(name string, v bool) *bool {
		if fs.Changed(name) {
			return &v
		}
		return nil
	}
	if fs.Changed("friendly-name") && len(f.FriendlyName) > 64 {
		return p, fmt.Errorf("--friendly-name is %d characters: Twilio allows at most 64", len(f.FriendlyName))
	}
	if err := output.CheckText("--friendly-name", f.FriendlyName); err != nil {
		return p, err
	}
	for _, u := range []struct{ flag, v string }{{"voice-url", f.VoiceURL}, {"fallback-url", f.FallbackURL}, {"status-callback-url", f.StatusCallbackURL}} {
		if fs.Changed(u.flag) && u.v != "" {
			if err := checkURL(u.v); err != nil {
				return p, fmt.Errorf("--%s: %v", u.flag, err)
			}
		}
	}
	methods := []*string{&f.VoiceMethod, &f.FallbackMethod, &f.StatusCallbackMethod}
	for i, name := range []string{"voice-method", "fallback-method", "status-callback-method"} {
		if !fs.Changed(name) {
			continue
		}
		m := strings.ToUpper(*methods[i])
		if m != "GET" && m != "POST" {
			return p, fmt.Errorf("--%s %q: expected GET or POST", name, *methods[i])
		}
		*methods[i] = m
	}
	p.FriendlyName = str("friendly-name", f.FriendlyName)
	p.VoiceURL = str("voice-url", f.VoiceURL)
	p.VoiceMethod = str("voice-method", f.VoiceMethod)
	p.VoiceFallbackURL = str("fallback-url", f.FallbackURL)
	p.VoiceFallbackMethod = str("fallback-method", f.FallbackMethod)
	p.VoiceStatusCallbackURL = str("status-callback-url", f.StatusCallbackURL)
	p.VoiceStatusCallbackMethod = str("status-callback-method", f.StatusCallbackMethod)
	p.SIPRegistration = boolean("sip-registration", f.SIPRegistration)
	p.Secure = boolean("secure", f.Secure)
	p.EmergencyCallingEnabled = boolean("emergency-calling", f.EmergencyCalling)
	return p, nil
}

func checkURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an absolute http(s) URL", raw)
	}
	return nil
}

// Fields is how one domain is shown as labelled lines, on provider p: the
// call settings (voice URLs, registration, TLS, emergency calling) only
// where the provider has them (DomainSettings), the ID only when it is not
// the name itself (a Kamailio domain is its name), times only when known.
func Fields(p any, d provider.Domain) []output.Field {
	_, hasSettings := p.(provider.DomainSettings)
	if sa, ok := p.(provider.SIPAccounts); ok {
		_, hasSettings = provider.Lookup[provider.DomainSettings](sa)
	}
	method := func(url, m string) output.Cell {
		if url == "" {
			return output.Text("")
		}
		return output.Text(m + " " + url)
	}
	fields := []output.Field{{Label: "Domain", Value: output.Text(d.DomainName)}}
	if d.SID != "" && d.SID != d.DomainName {
		label := "ID"
		if provider.IsID(p, provider.WhatDomains, d.SID) {
			label = "SID"
		}
		fields = append(fields, output.Field{Label: label, Value: output.Text(d.SID)})
	}
	if hasSettings {
		fields = append(fields,
			output.Field{Label: "Friendly name", Value: output.Text(d.FriendlyName)},
			output.Field{Label: "Voice URL", Value: method(d.VoiceURL, d.VoiceMethod)},
			output.Field{Label: "Fallback URL", Value: method(d.VoiceFallbackURL, d.VoiceFallbackMethod)},
			output.Field{Label: "Status callback", Value: method(d.VoiceStatusCallbackURL, d.VoiceStatusCallbackMethod)},
			output.Field{Label: "SIP registration", Value: output.Bool(d.SIPRegistration)},
			output.Field{Label: "Secure", Value: output.Bool(d.Secure)},
			output.Field{Label: "Emergency calling", Value: output.Bool(d.EmergencyCallingEnabled)},
		)
	} else if d.FriendlyName != "" && d.FriendlyName != d.DomainName {
		fields = append(fields, output.Field{Label: "Name", Value: output.Text(d.FriendlyName)})
	}
	if !d.DateCreated.IsZero() {
		fields = append(fields, output.Field{Label: "Created", Value: output.Time(d.DateCreated)})
	}
	if !d.DateUpdated.IsZero() {
		fields = append(fields, output.Field{Label: "Updated", Value: output.Time(d.DateUpdated)})
	}
	return fields
}
