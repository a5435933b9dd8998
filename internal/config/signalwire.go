package config

import (
	"os"
	"strings"
)

// The variables SignalWire's SDKs read, which CI sets.
const (
	EnvSignalWireProject  = "SIGNALWIRE_PROJECT_ID"
	EnvSignalWireToken    = "SIGNALWIRE_API_TOKEN"
	EnvSignalWireSpaceURL = "SIGNALWIRE_SPACE_URL"
)

// SignalWireFromEnv applies SIGNALWIRE_PROJECT_ID and SIGNALWIRE_SPACE_URL
// (NAME.signalwire.com, with or without https://) to a SignalWire profile;
// the token is read with the credentials. A profile made from the
// environment gets the space's SIP domain as its default domain.
func SignalWireFromEnv(p *Profile) {
	if v := strings.TrimSpace(os.Getenv(EnvSignalWireProject)); v != "" {
		p.ProjectID = v
	}
	if v := strings.TrimSpace(os.Getenv(EnvSignalWireSpaceURL)); v != "" {
		s := strings.TrimSuffix(strings.TrimPrefix(strings.ToLower(v), "https://"), "/")
		p.Space = strings.TrimSuffix(s, ".signalwire.com")
	}
	if p.FromEnv && p.DefaultDomain == "" && p.Space != "" {
		p.DefaultDomain = p.Space + ".sip.signalwire.com"
	}
}
