package twilio

// hints says what to do about the Twilio error codes sipctl users meet when
// administering SIP resources. Twilio's message says what went wrong; the
// hint says what to try next.
var hints = map[int]string{
	20003: "Twilio refused the credentials: check the profile's Account SID and API key or auth token",
	20404: "it does not exist in this account: check the name or SID, and --profile/--subaccount",
	20429: "Twilio is rate limiting this account: wait a moment and run the command again",
	21231: "Twilio rejected the domain settings: check the URLs and methods, and that the list is not already attached",
	21232: "the domain name is invalid or already taken on Twilio: use letters, digits and '-' ending in .sip.twilio.com, and pick a name nobody else has",
	21240: "Twilio rejected the credential list: names must be unique, usernames at most 32 characters, passwords at least 12 characters with upper and lower case and a digit",
	32212: "the domain's authentication is incomplete (e.g. registration on with no credential list for registrations): run `sipctl domains check DOMAIN` for the fix",
}

// Hint is what to do about a Twilio error code, or "" when sipctl has no
// advice beyond Twilio's own message.
func Hint(code int) string { return hints[code] }
