package telnyx

// HoldsRegistrations says phones register at Telnyx itself: sipctl cannot
// send them a NOTIFY (`devices resync` only waits for them).
func (c *Client) HoldsRegistrations() bool { return true }
