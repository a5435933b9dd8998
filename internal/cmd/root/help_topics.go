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
SIPCTL_QUIET=1        same as --quiet: no notes on stderr (warnings and errors still print)
SIPCTL_DEBUG=1        same as --debug: log requests and responses, secrets redacted
SIPCTL_CONFIG_DIR     configuration directory (default $XDG_CONFIG_HOME/sipctl)
SIPCTL_STATE_DIR      state directory for journals, the audit log and the sandbox
                      (default $XDG_STATE_HOME/sipctl)
SIPCTL_KEYRING_TIMEOUT  how long a keyring call may take (default 5s)
SIPCTL_FORCE_TTY      treat stdout as a terminal (a number sets the width; else $COLUMNS)
SIPCTL_PROMPT_DISABLED  never prompt; destructive commands then need --yes
NO_COLOR, CLICOLOR=0  disable colour; CLICOLOR_FORCE=1 forces it
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
6  no answer: a SIP registrar or the API host could not be reached

Usage errors are found before any request is made.
`,
	},
}
