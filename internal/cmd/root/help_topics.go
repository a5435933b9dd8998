package root

// Help topics are commands without a Run: `sipctl help environment` shows them.
var helpTopics = []struct{ name, short, long string }{
	{
		name:  "environment",
		short: "Environment variables sipctl reads",
		long: `SIPCTL_PROFILE        profile to use when --profile is not given
SIPCTL_API_URL        API base URL, overriding the profile's (http only on loopback)
SIPCTL_ACCOUNT_SID, SIPCTL_AUTH_TOKEN, SIPCTL_API_KEY, SIPCTL_API_SECRET
                      credentials, taking precedence over the keyring
TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_API_KEY, TWILIO_API_SECRET
                      Twilio's own variables; with no profile named, an account SID and a
                      secret select the Twilio provider (how CI jobs authenticate)
SIPCTL_PROVIDER=kamailio with SIPCTL_DB_URL, SIPCTL_RPC_URL, SIPCTL_REGISTRAR
                      with no profile named, a Kamailio: its db_url (no password in it), its
                      JSON-RPC endpoint and the registrar HOST:PORT; these three also
                      override a kamailio profile's settings
SIPCTL_DB_PASSWORD    the Kamailio database password, taking precedence over the keyring
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
NO_COLOR, CLICOLOR=0  disable colour; CLICOLOR_FORCE=1 forces it
`,
	},
	{
		name:  "manifest",
		short: "The file sipctl plan, apply and export read and write",
		long: `A manifest describes SIP domains, the accounts on each, and IP ACLs with their addresses,
in YAML (or JSON). It names no provider's internals and holds no secret: a password (or any
key like password, secret or token) anywhere in it is refused, and new accounts get
generated passwords in apply's --output handover. Its JSON Schema is docs/schema/sipctl.schema.json.

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
