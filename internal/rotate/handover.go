package rotate

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/journal"
)

// Record is one line of the handover: what a person needs to enter on a
// device.
type Record struct {
	SID      string `json:"sid"`
	Username string `json:"username"`
	Domain   string `json:"domain"`
	Password string `json:"password"`
	// Verified is the registrar's answer to a --verify REGISTER with the
	// new password (accepted, rejected, no-answer); empty when not checked.
	Verified string `json:"verified,omitempty"`
}

// Records are the done entries of a journal, in journal order.
func Records(entries []journal.Entry) []Record {
	var out []Record
	for _, e := range entries {
		if e.Status == journal.Done {
			out = append(out, Record{SID: e.CredentialSID, Username: e.Username, Domain: e.Domain, Password: e.Password})
		}
	}
	return out
}

// CheckHandoverPath rejects an --output whose format is unknown, before any
// password changes.
func CheckHandoverPath(path string) error {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".json", ".csv":
		return nil
	}
	return fmt.Errorf("--output %s: the file name must end in .json or .csv", path)
}

// EncodeJSON is the --json and .json form: an array of records.
func EncodeJSON(rs []Record) ([]byte, error) {
	if rs == nil {
		rs = []Record{}
	}
	b, err := json.MarshalIndent(rs, "", "  ")
	return append(b, '\n'), err
}

// WriteHandover writes the records to path, JSON or CSV by extension,
// atomically (readers see the old file or the whole new one) with mode 0600.
func WriteHandover(path string, rs []Record) error {
	if err := CheckHandoverPath(path); err != nil {
		return err
	}
	var data []byte
	if strings.EqualFold(filepath.Ext(path), ".csv") {
		var buf bytes.Buffer
		w := csv.NewWriter(&buf)
		verified := slices.ContainsFunc(rs, func(r Record) bool { return r.Verified != "" })
		header := []string{"sid", "username", "domain", "password"}
		if verified {
			header = append(header, "verified")
		}
		w.Write(header)
		for _, r := range rs {
			row := []string{r.SID, r.Username, r.Domain, r.Password}
			if verified {
				row = append(row, r.Verified)
			}
			w.Write(row)
		}
		w.Flush()
		data = buf.Bytes()
	} else {
		var err error
		if data, err = EncodeJSON(rs); err != nil {
			return err
		}
	}
	if err := config.WriteFileAtomic(path, data, 0o600); err != nil {
		return fmt.Errorf("writing the handover file %s: %w", path, err)
	}
	return nil
}
