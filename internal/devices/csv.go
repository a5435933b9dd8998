package devices

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// CSV columns: mac (or id for a softphone), vendor, model, account are
// needed; line, label, display_name and provider may follow, in any order.
var (
	csvRequired = []string{"vendor", "model", "account"}
	csvOptional = []string{"mac", "id", "line", "label", "display_name", "provider"}
)

// ReadFile reads a CSV inventory from path: the devices it could read and
// every problem found (an error only when the file cannot be read).
func ReadFile(path string) ([]Device, *Problems, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("reading the devices: %w", err)
	}
	defer f.Close()
	return ReadCSVAll(path, f)
}

type row struct {
	pos     Pos
	cols    map[string]string
	colPos  map[string]Pos
	lineNum int // the `line` column, 0 when not given
}

// ReadCSV reads an inventory: one row per line of a device, several rows
// with one MAC (or id) being several lines of that device, in `line` order
// when the column is given, else in row order. Every problem is returned
// at once as *Problems, then the devices are checked (Check).
func ReadCSV(source string, r io.Reader) ([]Device, error) {
	devs, probs, err := ReadCSVAll(source, r)
	if err != nil {
		return nil, err
	}
	if err := probs.Err(); err != nil {
		return nil, err
	}
	return devs, nil
}

// ReadCSVAll is ReadCSV returning the devices it could read beside the
// problems, so later checks (accounts) report with them at once. err is
// only an I/O error.
func ReadCSVAll(source string, r io.Reader) ([]Device, *Problems, error) {
	devs, err := readCSV(source, r)
	var probs *Problems
	if errors.As(err, &probs) {
		return devs, probs, nil
	}
	if err != nil {
		return nil, nil, err
	}
	return devs, &Problems{Source: source}, nil
}

func readCSV(source string, r io.Reader) ([]Device, error) {
	probs := &Problems{Source: source}
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		probs.add(Pos{}, "the file is empty; its first row names the columns: mac,vendor,model,account[,line,label,display_name]")
		return nil, probs.Err()
	}
	if err != nil {
		return nil, csvErr(probs, err)
	}
	idx := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if !contains(csvRequired, h) && !contains(csvOptional, h) {
			probs.add(Pos{1, colOf(cr, 0, i)}, "unknown column %q; columns: mac or id, vendor, model, account, and optionally line, label, display_name, provider", h)
			continue
		}
		if _, dup := idx[h]; dup {
			probs.add(Pos{1, colOf(cr, 0, i)}, "column %q is given twice", h)
			continue
		}
		idx[h] = i
	}
	for _, c := range csvRequired {
		if _, ok := idx[c]; !ok {
			probs.add(Pos{1, 1}, "column %q is missing; columns: mac or id, vendor, model, account[, line, label, display_name]", c)
		}
	}
	_, hasMAC := idx["mac"]
	_, hasID := idx["id"]
	if !hasMAC && !hasID {
		probs.add(Pos{1, 1}, "column \"mac\" (or \"id\" for softphones) is missing")
	}
	if len(probs.List) > 0 {
		return nil, probs.Err()
	}

	var order []string
	byName := map[string]*Device{}
	rows := map[string][]row{}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, csvErr(probs, err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		rw := row{pos: Pos{line, 1}, cols: map[string]string{}, colPos: map[string]Pos{}}
		for name, i := range idx {
			if i < len(rec) {
				l, c := cr.FieldPos(i)
				rw.cols[name] = strings.TrimSpace(rec[i])
				rw.colPos[name] = Pos{l, c}
			} else {
				rw.colPos[name] = Pos{line, 1}
			}
		}
		var name string
		macPos := rw.colPos["mac"]
		switch mac, id := rw.cols["mac"], rw.cols["id"]; {
		case mac != "" && id != "":
			probs.add(rw.colPos["id"], "give a device a mac or an id, not both")
			continue
		case mac != "":
			n, err := NormalizeMAC(mac)
			if err != nil {
				probs.add(macPos, "%v", err)
				continue
			}
			name = n
		case id != "":
			name, macPos = id, rw.colPos["id"]
		default:
			probs.add(rw.pos, "a row needs a mac (or an id for a softphone)")
			continue
		}
		if s := rw.cols["line"]; s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 1 {
				probs.add(rw.colPos["line"], "line %q must be a whole number from 1", s)
				continue
			}
			rw.lineNum = n
		}
		if rw.cols["account"] == "" {
			probs.add(rw.colPos["account"], "account is empty: give USER@DOMAIN")
			continue
		}
		d := byName[name]
		if d == nil {
			d = &Device{Vendor: rw.cols["vendor"], Model: rw.cols["model"], Pos: rw.pos, MACPos: macPos,
				VendorPos: rw.colPos["vendor"], ModelPos: rw.colPos["model"],
				Provider: rw.cols["provider"], ProviderPos: rw.colPos["provider"]}
			if rw.cols["mac"] != "" {
				d.MAC = name
			} else {
				d.ID = name
			}
			byName[name] = d
			order = append(order, name)
		} else {
			if !sameKind(d.Vendor, rw.cols["vendor"]) || modelKey(d.Model) != modelKey(rw.cols["model"]) {
				probs.add(rw.colPos["vendor"], "device %s is %s %s at line %d but %s %s here", d.Display(), d.Vendor, d.Model, d.Pos.Line, rw.cols["vendor"], rw.cols["model"])
				continue
			}
		}
		rows[name] = append(rows[name], rw)
	}
	devs := make([]Device, 0, len(order))
	for _, name := range order {
		d := byName[name]
		rs := rows[name]
		numbered := 0
		for _, rw := range rs {
			if rw.lineNum > 0 {
				numbered++
			}
		}
		if numbered > 0 && numbered < len(rs) {
			probs.add(rs[0].colPos["line"], "device %s: give every row of the device a line number, or none", d.Display())
			continue
		}
		if numbered > 0 {
			slots := map[int]row{}
			maxN := 0
			bad := false
			for _, rw := range rs {
				if first, dup := slots[rw.lineNum]; dup {
					probs.add(rw.colPos["line"], "device %s: line %d is given twice (first at line %d)", d.Display(), rw.lineNum, first.pos.Line)
					bad = true
				}
				slots[rw.lineNum] = rw
				maxN = max(maxN, rw.lineNum)
			}
			if bad {
				continue
			}
			if maxN != len(rs) {
				probs.add(rs[0].colPos["line"], "device %s: lines must be numbered 1 to %d without gaps", d.Display(), len(rs))
				continue
			}
			ordered := make([]row, len(rs))
			for _, rw := range rs {
				ordered[rw.lineNum-1] = rw
			}
			rs = ordered
		}
		for _, rw := range rs {
			d.Lines = append(d.Lines, Line{Account: rw.cols["account"], Label: rw.cols["label"], DisplayName: rw.cols["display_name"], Pos: rw.colPos["account"]})
			if d.Label == "" {
				d.Label = rw.cols["label"]
			}
			if d.DisplayName == "" {
				d.DisplayName = rw.cols["display_name"]
			}
		}
		devs = append(devs, *d)
	}
	probs.List = append(probs.List, Check(devs)...)
	if err := probs.Err(); err != nil {
		return devs, err
	}
	return devs, nil
}

func colOf(cr *csv.Reader, _ int, field int) int {
	_, c := cr.FieldPos(field)
	return c
}

func csvErr(probs *Problems, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		probs.add(Pos{pe.Line, pe.Column}, "malformed CSV: %v", pe.Err)
		return probs.Err()
	}
	return fmt.Errorf("reading %s: %w", probs.Source, err)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// sameKind compares vendor names as LookupVendor does ("Polycom" is poly).
func sameKind(a, b string) bool {
	va, oka := LookupVendor(a)
	vb, okb := LookupVendor(b)
	if oka && okb {
		return va.Name == vb.Name
	}
	return strings.EqualFold(a, b)
}
