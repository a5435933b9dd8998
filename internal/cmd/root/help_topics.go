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
SIPCTL_DEBUG=1        same as --debug: log requests and responses, secrets redacted
SIPCTL_CONFIG_DIR     configuration directory (default $XDG_CONFIG_HOME/sipctl)
SIPCTL_STATE_DIR      state directory for journals, the audit log and the sandbox
                      (default $XDG_STATE_HOME/sipctl)
SIPCTL_KEYRING_TIMEOUT  how long a keyring call may take (default 5s)
SIPCTL_HTTP_TIMEOUT   how long one API request may take, headers and body (default 30s)
SIPCTL_JQ_TIMEOUT     how long a --jq expression may run (default 10s)
SIPCTL_JQ_MAX_MEMORY  how many MiB a --jq expression may allocate (default 1024)
SIPCTL_FORCE_TTY      treat stdout as a terminal (a number sets the width)
SIPCTL_PROMPT_DISABLED  never prompt; destructive commands then need --yes
NO_COLOR, CLICOLOR=0  disable colour; CLICOLOR_FORCE=1 forces it
`,
	},
	{
		name:  "exit-codes",
		short: "What sipctl's exit codes mean",
		long: `0  success
1  error
2  usage error (bad flag, argument or input), or cancelled at a confirmation
3  partial failure: bulk work in which some items failed (the summary says how to retry them)
4  authentication required, or the provider refused the credentials
5  a SIP registrar rejected the credentials (accounts check)
6  no answer: a SIP registrar or the API host could not be reached, or did not answer in time
   (a request that hung, or a response body that stopped arriving)
`,
	},
}
