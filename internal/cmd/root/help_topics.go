package root

import (
	"fmt"
	"slices"
	"strings"

	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/factory"
)

// Help topics are commands without a Run: `sipctl help environment` shows them.
var helpTopics = []struct{ name, short, long string }{
	{
		name:  "environment",
		short: "Environment variables sipctl reads",
		long:  environmentHelp(),
	},
	{
		name:  "manifest",
		short: "The file sipctl plan, apply and export read and write",
		long: `A manifest describes SIP domains, the accounts on each, and IP ACLs with their addresses,
in YAML (or JSON). It names no provider's internals and holds no secret: a password (or any
key like password, secret or token) anywhere in it is refused, and new accounts get
generated passwords in apply's --output handover. ` + "`sipctl help manifest --schema`" + ` prints its JSON Schema.

  provider: twilio          # optional: must be the profile's (a twilio file also fits the sandbox)
  policy: device-safe       # optional: password policy for new accounts (--policy overrides)
  domains:
    - name: office          # bare, or in full: office.sip.twilio.com
      accounts:             # usernames, or mappings with a username and settings
        - alice
        - username: bob
          telnyx: {connection_name: Bob}  # provider-specific settings, under the provider's name
        - username: ci4711
          ttl: 2h           # throwaway: expires 2h after apply creates it (accounts cleanup --expired)
      ip_acls: [hq]         # IP ACLs attached to the domain (for calls)
      twilio:
        credential_list: office-users  # which attached list new accounts go on
  ip_acls:
    - name: hq
      addresses: [203.0.113.10, 198.51.100.0/24]

What the file names is managed: an IP ACL holds exactly its addresses (when addresses: is
given), a domain has exactly its ip_acls attached (when ip_acls: is given), and every
account listed exists. Accounts on the file's domains that it does not name are kept unless
--prune; domains and IP ACLs it does not name are never touched. Settings under another
provider's name are ignored.

Every problem (malformed YAML, an unknown key, a duplicate username, a name the provider
refuses, an IP ACL attached but not described, a password, another provider) is reported as
FILE:LINE:COLUMN: message, all at once, before any request (exit 2).
`,
	},
	{
		name:  "exit-codes",
		short: "What sipctl's exit codes mean",
		long: `0  success
1  error, including a name or resource that does not exist (an unknown profile,
   --subaccount, domain, credential list, IP ACL or account)
2  usage error: an unknown command or subcommand, a bad flag, argument, --json field or
   --jq expression, input that is missing (no domain given); or cancelled at a
   confirmation, or a confirmation that could not be asked (pass --yes); or a capability
   the active provider lacks
3  partial failure: bulk work in which some items failed (the summary says how to retry them)
4  authentication required (no credentials, no OS keyring to read them from), or the
   provider refused the credentials
5  a SIP registrar rejected the credentials (accounts check)
6  no answer: a SIP registrar, the API host, or Kamailio's database or RPC endpoint could
   not be reached, or did not answer in time (a request that hung, or a body that stopped)
7  changes pending: plan (or apply --dry-run) found changes to make

Usage errors are found before any request is made.
`,
	},
}

// environmentHelp is `sipctl help environment`: how the environment names a
// provider, then each registered provider's variables (from the factory's
// registry, so a new provider is listed with its own), then the knobs.
func environmentHelp() string {
	var b strings.Builder
	names := factory.Registered()
	b.WriteString(`Choosing a provider: --profile (or SIPCTL_PROFILE) names a profile, and its provider is used.
Otherwise the environment may name one: SIPCTL_PROVIDER, or one provider's variables below.
A variable set without its partners stops sipctl before any request (exit 4), saying what is
set and what is missing. With nothing named: the current profile (` + "`sipctl profile use`" + `), else
the built-in sandbox; under CI=true the sandbox is used only when named (--profile sandbox,
SIPCTL_PROVIDER=sandbox), and otherwise sipctl exits 4: no provider configured.

`)
	envLine(&b, "SIPCTL_PROFILE", "profile to use when --profile is not given")
	envLine(&b, config.EnvProvider, "the provider to use: "+strings.Join(names, ", ")+"; with its variables below")
	envLine(&b, config.EnvAPIURL, "API base URL, overriding the profile's (http only on loopback); it needs a profile or a provider named")
	for _, name := range names {
		info, _ := factory.Lookup(name)
		if len(info.Env.Vars) == 0 && len(info.Env.Sets) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n%s: %s\n", name, info.Description)
		b.WriteString(wrap(selection(name, info.Env), 2))
		var order []string
		group := map[string][]string{}
		secret := map[string]bool{}
		for _, v := range info.Env.Vars {
			if _, ok := group[v.Help]; !ok {
				order = append(order, v.Help)
			}
			group[v.Help] = append(group[v.Help], v.Name)
			secret[v.Help] = secret[v.Help] || v.Secret
		}
		for _, h := range order {
			text := h
			if secret[h] {
				text += " (secret)"
			}
			envLine(&b, strings.Join(group[h], ", "), text)
		}
	}
	b.WriteString(`
SIPCTL_QUIET=1        same as --quiet: no notes on stderr (warnings and errors still print)
SIPCTL_DEBUG=1        same as --debug: log requests and responses, secrets redacted
SIPCTL_CONFIG_DIR     configuration directory (default $XDG_CONFIG_HOME/sipctl)
SIPCTL_STATE_DIR      state directory for journals, the audit log and the sandbox
                      (default $XDG_STATE_HOME/sipctl)
SIPCTL_KEYRING_TIMEOUT  how long a keyring call may take (default 5s)
SIPCTL_HTTP_TIMEOUT   how long one API request may take, headers and body (default 30s)
SIPCTL_JQ_TIMEOUT     how long a --jq expression may run (default 10s)
SIPCTL_JQ_MAX_MEMORY  how many MiB a --jq expression may allocate (default 1024)
SIPCTL_FORCE_TTY      treat stdout as a terminal (a number sets the width; else $COLUMNS)
SIPCTL_PROMPT_DISABLED  never prompt; destructive commands then need --yes
SIPCTL_NOW            the time (RFC 3339) account expiry is computed from and compared with,
                      instead of the clock: to rehearse ` + "`accounts cleanup --expired`" + `
CI=true               the sandbox only when named (see above)
NO_COLOR, CLICOLOR=0  disable colour; CLICOLOR_FORCE=1 forces it
`)
	return b.String()
}

// envLine is one variable (or several) and what it is for, in two columns.
func envLine(b *strings.Builder, name, help string) {
	if len(name) < 22 {
		b.WriteString(wrap(fmt.Sprintf("%-22s%s", name, help), 22))
		return
	}
	b.WriteString(name + "\n" + wrap(strings.Repeat(" ", 22)+help, 22))
}

// helpWidth is where the generated lines wrap, as the hand-written ones do.
const helpWidth = 96

// wrap breaks s at spaces before helpWidth; lines after the first start at
// column hang.
func wrap(s string, hang int) string {
	var b strings.Builder
	line := ""
	for _, w := range strings.SplitAfter(s, " ") {
		if len(line)+len(strings.TrimRight(w, " ")) > helpWidth && strings.TrimSpace(line) != "" {
			b.WriteString(strings.TrimRight(line, " ") + "\n")
			line = strings.Repeat(" ", hang)
		}
		line += w
	}
	b.WriteString(strings.TrimRight(line, " ") + "\n")
	return b.String()
}

// selection words a provider's sets: "selected by A and B; or C". Sets that
// mix prefixes (TWILIO_ACCOUNT_SID with SIPCTL_AUTH_TOKEN) are accepted but
// not spelled out.
func selection(name string, spec config.EnvSpec) string {
	var ways []string
	mixed := false
	for _, set := range spec.Sets {
		prefix, _, _ := strings.Cut(set[0], "_")
		if slices.ContainsFunc(set, func(e string) bool { return !strings.HasPrefix(e, prefix+"_") }) {
			mixed = true
			continue
		}
		ways = append(ways, andWords(set))
	}
	if len(spec.Sets) == 0 {
		return "selected by " + config.EnvProvider + "=" + name
	}
	s := "selected by " + strings.Join(ways, "; or ")
	if mixed {
		s += " (the prefixes may be mixed)"
	}
	return s
}

func andWords(s []string) string {
	if len(s) == 1 {
		return s[0]
	}
	return strings.Join(s[:len(s)-1], ", ") + " and " + s[len(s)-1]
}
