package twilio

// CustodyRealm names the account space of Twilio's API, wherever it is
// reached (Twilio itself, the sandbox in process, a `sandbox serve`): an
// account SID is unique in it (Twilio's are, and each sandbox store makes
// its own), so a run over an account excludes every other run over it,
// whichever profile reaches it.
func (c *Client) CustodyRealm() string { return "twilio-api" }
