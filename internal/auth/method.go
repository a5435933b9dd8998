package auth

import (
	"context"
	"slices"
	"sync"

	"github.com/sipctl/sipctl/internal/config"
)

// Method is how one provider's profiles authenticate, registered by the
// factory with the provider (factory.Info.Auth): `auth status` and `auth
// token` read it instead of switching on provider names.
type Method struct {
	// Secret names the secret in words ("Auth Token or API key secret",
	// "API key", "database password").
	Secret string
	// Label, when set, prefixes where the secret comes from in `auth
	// status` ("database password: OS keyring (…)"), for a secret that is
	// not the API's own.
	Label string
	// Resolve finds the profile's secret (environment, OS keyring,
	// plain-text config), wrapping ErrNoCredentials when there is none.
	// A profile that needs no secret (the sandbox, SQLite) answers
	// Credentials with an empty Secret and NoneNeeded set.
	Resolve func(p *config.Profile) (Credentials, error)
	// Verify proves the credentials with one cheap request and says what
	// it reached; ErrRefused when the provider rejects them. Nil: they are
	// proven by the first command that uses them (Unchecked says so).
	Verify func(ctx context.Context, p *config.Profile, c Credentials, o VerifyOptions) (Account, error)
	// Unchecked is `auth status`'s verdict when Verify is nil.
	Unchecked string
	// Endpoint is what `auth status` shows as the profile's address, and
	// its label ("API URL", "RPC URL"); nil shows the profile's api_url.
	Endpoint func(p *config.Profile) (label, url string)
}

var (
	methodsMu sync.RWMutex
	methods   = map[string]Method{}
)

// RegisterMethod records how a provider's profiles authenticate.
func RegisterMethod(provider string, m Method) {
	methodsMu.Lock()
	defer methodsMu.Unlock()
	methods[provider] = m
}

// MethodFor is the registered method of a provider.
func MethodFor(provider string) (Method, bool) {
	methodsMu.RLock()
	defer methodsMu.RUnlock()
	m, ok := methods[provider]
	return m, ok
}

// SecretNames lists what each registered provider's secret is, for help
// ("Auth Token or API key secret (twilio)"), sorted by provider.
func SecretNames() []string {
	methodsMu.RLock()
	defer methodsMu.RUnlock()
	names := make([]string, 0, len(methods))
	for n := range methods {
		names = append(names, n)
	}
	slices.Sort(names)
	var out []string
	for _, n := range names {
		if s := methods[n].Secret; s != "" {
			out = append(out, s+" ("+n+")")
		}
	}
	return out
}
