package twilio

import (
	"bytes"
	"encoding/json"
	"time"
)

// Time is a date as Twilio's 2010 API writes it: RFC 2822
// ("Mon, 16 Aug 2010 03:45:01 +0000"), or null.
type Time struct{ time.Time }

// rfc2822 is Go's RFC1123Z layout, which is what Twilio emits.
const rfc2822 = time.RFC1123Z

func (t *Time) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) || bytes.Equal(b, []byte(`""`)) {
		t.Time = time.Time{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	for _, layout := range []string{rfc2822, time.RFC1123, time.RFC3339} {
		if v, err := time.Parse(layout, s); err == nil {
			t.Time = v.UTC()
			return nil
		}
	}
	_, err := time.Parse(rfc2822, s)
	return err
}

func (t Time) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(t.UTC().Format(rfc2822))
}

// FormatTime writes t as Twilio does, for servers (the sandbox) and tests.
func FormatTime(t time.Time) string { return t.UTC().Format(rfc2822) }
