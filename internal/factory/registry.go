package factory

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/sipctl/sipctl/internal/auth"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/password"
	"github.com/sipctl/sipctl/internal/provider"
)

// Providers register here by name, as rclone's back-ends do, so the factory
// does not know the list. Each provider has one file in this package that
// calls Register from init:
//
//	// internal/factory/kamailio.go
//	func init() {
//		Register(Info{Name: "kamailio", Description: "a self-hosted Kamailio (subscriber table + JSON-RPC)",
//			New: func(env *Env, prof *config.Profile) (provider.SIPAccounts, error) {
//				return kamailio.Open(…)
//			}})
//	}
//
// The profile's `provider:` value selects the constructor; the constructor
// reads the profile's settings and the environment (through env) and returns
// the neutral core, which may implement any of the optional capabilities.

// Constructor builds a provider's client for a profile. It should check what
// it can without a request (settings present, URLs well formed) and leave
// network checks to the first command that needs them.
type Constructor func(env *Env, prof *config.Profile) (provider.SIPAccounts, error)

// Info describes a registered provider.
type Info struct {
	// Name is the profile's `provider:` value ("twilio", "kamailio").
	Name string
	// Description is a few words for help and errors.
	Description string
	New         Constructor
	// PasswordPolicy is the built-in policy its profiles default to
	// (password.DefaultFor); empty keeps "strict". A provider with no
	// password rules of its own (Kamailio) takes "device-safe".
	PasswordPolicy string
	// Env describes the environment variables the provider reads: which
	// are secrets, which combinations select it when no profile is named
	// (any variable set without its partners stops sipctl before any
	// request, exit 4, instead of falling back to the sandbox), and how
	// they fill a profile. `sipctl help environment` and auth help list
	// them from here.
	Env config.EnvSpec
	// Auth is how its profiles authenticate: where the secret comes from
	// and the one request that proves it (`auth status`, `auth token`).
	Auth auth.Method
}

// Env is what a constructor may use from the run.
type Env struct {
	Factory *cmdutil.Factory
	// Debug, when non-nil (--debug, SIPCTL_DEBUG), is where the client
	// traces its requests, secrets redacted.
	Debug io.Writer
	// UserAgent is "sipctl/VERSION".
	UserAgent string
}

// Credentials resolves the profile's secret (environment, keyring, insecure
// config entry) with the configured keyring timeout. Having none is an
// authentication error (exit 4).
func (e *Env) Credentials(prof *config.Profile) (auth.Credentials, error) {
	return resolveCredentials(e.Factory, prof)
}

// HTTPTimeout is SIPCTL_HTTP_TIMEOUT (or http_timeout in the config): how
// long one API request may take before it is no answer (exit 6); zero
// means the client's default.
func (e *Env) HTTPTimeout() (time.Duration, error) { return httpTimeout(e.Factory) }

// WaitNotice is what a client calls before waiting to retry (429 with
// Retry-After, a failing server): a line on a terminal's stderr, nil off one.
func (e *Env) WaitNotice() func(time.Duration, error) { return waitNotice(e.Factory.IOStreams) }

// OnClose registers a resource (a database handle) to release when the run
// ends.
func (e *Env) OnClose(c io.Closer) { onClose(c) }

// Warn prints a note on stderr ("note: working against the local sandbox").
func (e *Env) Warn(format string, args ...any) {
	fmt.Fprintf(e.Factory.IOStreams.ErrOut, format+"\n", args...)
}

var (
	registryMu sync.RWMutex
	registry   = map[string]Info{}
)

// Register makes a provider available under its name. It panics on an empty
// or duplicate name or a nil constructor: both are programming errors found
// at start-up.
func Register(info Info) {
	registryMu.Lock()
	defer registryMu.Unlock()
	if info.Name == "" || info.New == nil {
		panic("factory.Register: provider needs a Name and a New constructor")
	}
	if _, dup := registry[info.Name]; dup {
		panic("factory.Register: provider " + info.Name + " registered twice")
	}
	registry[info.Name] = info
	config.RegisterEnv(info.Name, info.Env)
	if info.Auth.Resolve != nil {
		auth.RegisterMethod(info.Name, info.Auth)
	}
	if info.PasswordPolicy != "" {
		password.SetDefault(info.Name, info.PasswordPolicy)
	}
}

// Registered lists the registered providers' names, sorted.
func Registered() []string {
	registryMu.RLock()
	defer registryMu.RUnlock()
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Lookup finds a registered provider.
func Lookup(name string) (Info, bool) {
	registryMu.RLock()
	defer registryMu.RUnlock()
	info, ok := registry[name]
	return info, ok
}

// UnknownProviderError is a profile naming a provider nobody registered.
type UnknownProviderError struct {
	Profile, Provider string
	Registered        []string
}

func (e *UnknownProviderError) Error() string {
	return fmt.Sprintf("profile %q has unknown provider %q; registered providers: %s",
		e.Profile, e.Provider, strings.Join(e.Registered, ", "))
}
