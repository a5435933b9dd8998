package config

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// EnvVar is one environment variable a provider reads.
type EnvVar struct {
	// Name is the variable's name ("TWILIO_AUTH_TOKEN").
	Name string
	// Help is a few words for `sipctl help environment`.
	Help string
	// Secret marks a value that is a credential: never printed, never
	// taken from a flag.
	Secret bool
}

// EnvSpec is what a provider reads from the environment, registered by the
// factory (factory.Info.Env) so that choosing a profile, `sipctl help
// environment` and `auth` help all follow one description.
type EnvSpec struct {
	// Vars lists every variable the provider reads, in the order help shows
	// them. Setting any of them names the provider: with no profile named,
	// the environment must then select it completely (one of Sets), or
	// sipctl stops before any request (exit 4) naming what is missing.
	Vars []EnvVar
	// Sets are the combinations of variables that select the provider when
	// no profile is named: every variable of one set must be set (not
	// empty). An entry "NAME=value" requires that value ("SIPCTL_PROVIDER=kamailio").
	// A provider without sets is selected only by SIPCTL_PROVIDER=<name>.
	Sets [][]string
	// FromEnv fills a profile made from the environment (its settings:
	// account SID, database URL, …). Nil: nothing to fill.
	FromEnv func(p *Profile)
	// Override applies the variables that override a profile's settings to
	// every profile of this provider, however chosen (SIPCTL_DB_URL on a
	// kamailio profile). Nil: none.
	Override func(p *Profile)
}

// EnvProvider is SIPCTL_PROVIDER: it names the provider the environment
// describes, when several could be meant.
const EnvProvider = "SIPCTL_PROVIDER"

// EnvAPIURL is SIPCTL_API_URL, which overrides the chosen profile's API URL.
const EnvAPIURL = "SIPCTL_API_URL"

var (
	envMu    sync.RWMutex
	envSpecs = map[string]EnvSpec{}
)

// RegisterEnv records what a provider reads from the environment; the
// factory calls it for each registered provider.
func RegisterEnv(provider string, spec EnvSpec) {
	envMu.Lock()
	defer envMu.Unlock()
	envSpecs[provider] = spec
}

// EnvSpecs returns the registered providers' environment descriptions by
// provider name.
func EnvSpecs() map[string]EnvSpec {
	envMu.RLock()
	defer envMu.RUnlock()
	out := make(map[string]EnvSpec, len(envSpecs))
	for k, v := range envSpecs {
		out[k] = v
	}
	return out
}

// EnvError is an environment that half-describes a provider, or none under
// CI: a credentials problem (exit 4), found before any request.
type EnvError struct {
	Msg  string
	Hint string
}

func (e *EnvError) Error() string { return e.Msg }

// ErrorHint is the one-line advice printed under the error.
func (e *EnvError) ErrorHint() string { return e.Hint }

// InCI reports whether $CI says sipctl runs in a CI job (CI=true, as every
// CI service sets it).
func InCI() bool {
	v, err := strconv.ParseBool(strings.TrimSpace(os.Getenv("CI")))
	return err == nil && v
}

// envState is one reading of a variable.
func envValue(name string) (value string, present bool) {
	v, ok := os.LookupEnv(name)
	return strings.TrimSpace(v), ok
}

// entrySet reports whether a set entry ("NAME" or "NAME=value") holds.
func entrySet(entry string) bool {
	name, want, hasValue := strings.Cut(entry, "=")
	v, _ := envValue(name)
	if hasValue {
		return v == want
	}
	return v != ""
}

// describeMissing words one missing entry: "TWILIO_AUTH_TOKEN is not",
// "TWILIO_AUTH_TOKEN is empty".
func describeMissing(entries []string) string {
	var absent, empty []string
	for _, e := range entries {
		name, _, hasValue := strings.Cut(e, "=")
		if _, present := envValue(name); present && !hasValue {
			empty = append(empty, e)
		} else {
			absent = append(absent, e)
		}
	}
	var parts []string
	if len(absent) > 0 {
		parts = append(parts, andList(absent)+isAre(absent)+" not")
	}
	if len(empty) > 0 {
		parts = append(parts, andList(empty)+isAre(empty)+" empty")
	}
	return strings.Join(parts, " and ")
}

func isAre(s []string) string {
	if len(s) == 1 {
		return " is"
	}
	return " are"
}

func andList(s []string) string {
	switch len(s) {
	case 0:
		return ""
	case 1:
		return s[0]
	}
	return strings.Join(s[:len(s)-1], ", ") + " and " + s[len(s)-1]
}

// setVars lists the spec's variables that are set (not empty), in order.
func (s EnvSpec) setVars() []string {
	var out []string
	for _, v := range s.Vars {
		if v.Name == EnvProvider {
			continue
		}
		if val, _ := envValue(v.Name); val != "" {
			out = append(out, v.Name)
		}
	}
	return out
}

// complete reports whether one of the spec's sets is fully set.
func (s EnvSpec) complete() bool {
	for _, set := range s.Sets {
		if !slices.ContainsFunc(set, func(e string) bool { return !entrySet(e) }) {
			return true
		}
	}
	return false
}

// incomplete explains, for a spec named by set (the variables that are
// set), what is missing from the set closest to complete: "TWILIO_ACCOUNT_SID
// is set but TWILIO_AUTH_TOKEN is not".
func (s EnvSpec) incomplete(provider string, set []string) *EnvError {
	best, bestHave, bestMissing := -1, -1, 0
	for i, entries := range s.Sets {
		have, missing := 0, 0
		for _, e := range entries {
			if entrySet(e) {
				have++
			} else {
				missing++
			}
		}
		if have > bestHave || (have == bestHave && missing < bestMissing) {
			best, bestHave, bestMissing = i, have, missing
		}
	}
	named := set
	if best >= 0 {
		// Variables of the set that are set, though not the provider's own
		// (SIPCTL_DB_URL, shared by kamailio and asterisk).
		for _, e := range s.Sets[best] {
			if name, _, hasValue := strings.Cut(e, "="); !hasValue && entrySet(e) && !slices.Contains(named, name) {
				named = append(slices.Clone(named), name)
			}
		}
	}
	if v, _ := envValue(EnvProvider); v == provider {
		named = append([]string{EnvProvider + "=" + provider}, named...)
	}
	if best < 0 {
		return &EnvError{
			Msg:  fmt.Sprintf("%s%s set but %s cannot be chosen from the environment", andList(named), isAre(named), provider),
			Hint: fmt.Sprintf("name a %s profile with --profile (or SIPCTL_PROFILE), or unset %s", provider, andList(named)),
		}
	}
	unset := make([]string, len(named))
	for i, n := range named {
		unset[i], _, _ = strings.Cut(n, "=")
	}
	var missing []string
	for _, e := range s.Sets[best] {
		if !entrySet(e) {
			missing = append(missing, e)
		}
	}
	return &EnvError{
		Msg: fmt.Sprintf("%s%s set but %s", andList(named), isAre(named), describeMissing(missing)),
		Hint: fmt.Sprintf("set %s for %s, or unset %s; `sipctl help environment` lists the variables",
			andList(missing), provider, andList(unset)),
	}
}

// envProfile is the profile the environment selects when no profile is
// named: nil when it names no provider. current is the provider of the
// current profile ("" when there is none): a partial set of that provider's
// variables completes that profile (TWILIO_AUTH_TOKEN with the profile's
// account SID) instead of being an error.
func envProfile(current string) (*Profile, error) {
	specs := EnvSpecs()
	names := make([]string, 0, len(specs))
	for n := range specs {
		names = append(names, n)
	}
	slices.Sort(names)

	if want, _ := envValue(EnvProvider); want != "" {
		spec, ok := specs[want]
		if !ok {
			return nil, &EnvError{
				Msg:  fmt.Sprintf("%s=%s names no provider sipctl knows", EnvProvider, want),
				Hint: "use one of: " + strings.Join(names, ", "),
			}
		}
		if len(spec.Sets) > 0 && !spec.complete() {
			return nil, spec.incomplete(want, spec.setVars())
		}
		return newEnvProfile(want, spec), nil
	}

	var chosen []string
	for _, n := range names {
		spec := specs[n]
		set := spec.setVars()
		switch {
		case spec.complete():
			chosen = append(chosen, n)
		case len(set) == 0, n == current:
		default:
			return nil, spec.incomplete(n, set)
		}
	}
	switch len(chosen) {
	case 0:
		return nil, nil
	case 1:
		return newEnvProfile(chosen[0], specs[chosen[0]]), nil
	}
	return nil, &EnvError{
		Msg:  fmt.Sprintf("the environment describes %d providers (%s)", len(chosen), andList(chosen)),
		Hint: fmt.Sprintf("set %s to the one to use, or unset the others' variables", EnvProvider),
	}
}

func newEnvProfile(provider string, spec EnvSpec) *Profile {
	if provider == ProviderSandbox {
		return &Profile{Name: SandboxProfile, Provider: ProviderSandbox, BuiltIn: true, FromEnv: true}
	}
	p := &Profile{Name: EnvProfile, Provider: provider, FromEnv: true}
	if spec.FromEnv != nil {
		spec.FromEnv(p)
	}
	return p
}

// noProviderError is the fallback to the built-in sandbox refused: under
// CI, or with SIPCTL_API_URL set (which would send the sandbox's
// credentials to whatever it names).
func noProviderError() error {
	if u, _ := envValue(EnvAPIURL); u != "" {
		return &EnvError{
			Msg:  EnvAPIURL + " is set but no provider is: nothing says whose API it is",
			Hint: "set " + EnvProvider + " (sandbox for a `sipctl sandbox serve`) or a provider's credentials, or name a profile with --profile; `sipctl help environment` lists the variables",
		}
	}
	if InCI() {
		return &EnvError{
			Msg:  "no provider configured: CI=true and no profile, SIPCTL_PROVIDER or provider credentials name one (the local sandbox is used in CI only when named)",
			Hint: "set the provider's credentials from the CI secret store (`sipctl help environment`), or pass --profile sandbox to use the local sandbox",
		}
	}
	return nil
}
