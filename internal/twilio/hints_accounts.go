package twilio

// Hints for the codes caller ID and subaccount commands meet.
func init() {
	hints[20005] = "the account is suspended or closed: activate a suspended subaccount with `sipctl subaccounts activate NAME`"
	hints[21211] = "Twilio rejected the phone number: give it in E.164 form, + then the country code and number, e.g. +14155550100"
	hints[21450] = "the number is already a verified caller ID in this account: see `sipctl callerid list`"
}
