package twilio

import (
	"bytes"
	"context"
	"encoding/json"
	"iter"
	"net/url"

	"github.com/sipctl/sipctl/internal/provider"
)

type callerIDWire struct {
	SID          string `json:"sid"`
	AccountSID   string `json:"account_sid"`
	PhoneNumber  string `json:"phone_number"`
	FriendlyName string `json:"friendly_name"`
	DateCreated  Time   `json:"date_created"`
	DateUpdated  Time   `json:"date_updated"`
}

func (w callerIDWire) toProvider() provider.CallerID {
	return provider.CallerID{
		SID:          w.SID,
		AccountSID:   w.AccountSID,
		PhoneNumber:  w.PhoneNumber,
		FriendlyName: w.FriendlyName,
		DateCreated:  w.DateCreated.Time,
		DateUpdated:  w.DateUpdated.Time,
	}
}

// validationCode accepts the code as a string (the OpenAPI document) or a
// number (what older API responses carry), so a leading zero is never lost
// from the string form and a number still decodes.
type validationCode string

func (v *validationCode) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		*v = ""
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*v = validationCode(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*v = validationCode(n.String())
	return nil
}

type validationRequestWire struct {
	AccountSID     string         `json:"account_sid"`
	CallSID        string         `json:"call_sid"`
	FriendlyName   string         `json:"friendly_name"`
	PhoneNumber    string         `json:"phone_number"`
	ValidationCode validationCode `json:"validation_code"`
}

func (c *Client) callerIDPath(sid string) string {
	if sid == "" {
		return c.AccountPath("OutgoingCallerIds.json")
	}
	return c.AccountPath("OutgoingCallerIds/" + url.PathEscape(sid) + ".json")
}

// ListCallerIDs lists the account's verified outgoing caller IDs.
func (c *Client) ListCallerIDs(ctx context.Context) iter.Seq2[provider.CallerID, error] {
	return listSIP(ctx, c, c.callerIDPath(""), "outgoing_caller_ids", callerIDWire.toProvider)
}

// AddCallerID starts verifying phoneNumber: Twilio calls it, and the person
// answering keys in the returned validation code. The caller ID appears in
// ListCallerIDs only once that succeeds.
func (c *Client) AddCallerID(ctx context.Context, phoneNumber, friendlyName string) (provider.ValidationRequest, error) {
	form := url.Values{"PhoneNumber": {phoneNumber}}
	if friendlyName != "" {
		form.Set("FriendlyName", friendlyName)
	}
	var w validationRequestWire
	err := c.Do(ctx, "POST", c.callerIDPath(""), form, &w)
	return provider.ValidationRequest{
		AccountSID:     w.AccountSID,
		CallSID:        w.CallSID,
		FriendlyName:   w.FriendlyName,
		PhoneNumber:    w.PhoneNumber,
		ValidationCode: string(w.ValidationCode),
	}, err
}

// RenameCallerID changes a caller ID's friendly name.
func (c *Client) RenameCallerID(ctx context.Context, sid, friendlyName string) (provider.CallerID, error) {
	var w callerIDWire
	err := c.Do(ctx, "POST", c.callerIDPath(sid), url.Values{"FriendlyName": {friendlyName}}, &w)
	return w.toProvider(), err
}

// RemoveCallerID deletes a verified caller ID.
func (c *Client) RemoveCallerID(ctx context.Context, sid string) error {
	return c.Do(ctx, "DELETE", c.callerIDPath(sid), nil, nil)
}

var _ provider.CallerIDs = (*Client)(nil)
