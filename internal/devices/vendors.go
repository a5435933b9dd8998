package devices

import (
	"sort"
	"strings"
)

// Vendor is what sipctl knows of a phone maker: its models and how many
// lines (SIP accounts) each takes, and the SIP NOTIFY event that makes its
// phones fetch their file again.
type Vendor struct {
	Name      string
	Softphone bool
	// Event is the NOTIFY Event header its phones act on; "" when they
	// act on none (softphones: restart them, or they re-read on start).
	// The events are those Asterisk's pjsip_notify.conf sample lists per
	// vendor (check-sync for most, resync for Cisco/Sipura) and the
	// vendors' provisioning guides name (Cisco MPP: Resync_From_SIP).
	Event  string
	Models []Model
}

// Model is one model and the number of lines it has.
type Model struct {
	Name  string
	Lines int
}

// Vendors is the table the inventory is checked against. Line counts are
// from the vendors' data sheets (registrable SIP accounts).
var Vendors = []Vendor{
	{Name: "yealink", Event: "check-sync", Models: []Model{
		{"T31P", 2}, {"T31G", 2}, {"T33G", 4}, {"T43U", 12}, {"T46U", 16}, {"T48U", 16},
		{"T53W", 12}, {"T54W", 16}, {"T57W", 16}, {"T58W", 16}, {"W60B", 8}, {"W73P", 10},
	}},
	{Name: "poly", Event: "check-sync", Models: []Model{
		{"VVX150", 2}, {"VVX250", 4}, {"VVX350", 6}, {"VVX450", 12}, {"CCX400", 24}, {"CCX600", 24},
	}},
	{Name: "grandstream", Event: "check-sync", Models: []Model{
		{"GRP2612", 2}, {"GRP2614", 4}, {"GRP2615", 5}, {"GRP2616", 6}, {"GXP2160", 6}, {"GXP2170", 6}, {"HT802", 2},
	}},
	{Name: "snom", Event: "check-sync;reboot=false", Models: []Model{
		{"D715", 4}, {"D735", 12}, {"D785", 12}, {"D865", 12}, {"M500", 8},
	}},
	{Name: "cisco", Event: "resync", Models: []Model{
		{"CP-6841-3PCC", 4}, {"CP-7841-3PCC", 4}, {"CP-8841-3PCC", 10}, {"CP-8861-3PCC", 10},
		{"SPA112", 2}, {"SPA504G", 4}, {"SPA525G", 5},
	}},
	{Name: "fanvil", Event: "check-sync", Models: []Model{
		{"X3U", 6}, {"X4U", 12}, {"X5U", 16}, {"X6U", 20}, {"X210", 20},
	}},
	{Name: "linphone", Softphone: true, Models: []Model{{"desktop", 8}, {"android", 8}, {"ios", 8}, {"linphonec", 8}}},
	{Name: "baresip", Softphone: true, Models: []Model{{"baresip", 16}}},
}

// VendorNames lists the vendors' names.
func VendorNames() []string {
	out := make([]string, len(Vendors))
	for i, v := range Vendors {
		out[i] = v.Name
	}
	return out
}

// LookupVendor finds a vendor by name, in any case ("Polycom" is Poly's
// former name).
func LookupVendor(name string) (Vendor, bool) {
	n := strings.ToLower(strings.TrimSpace(name))
	if n == "polycom" {
		n = "poly"
	}
	for _, v := range Vendors {
		if v.Name == n {
			return v, true
		}
	}
	return Vendor{}, false
}

func modelKey(s string) string {
	s = strings.ToUpper(strings.TrimSpace(s))
	s = strings.TrimPrefix(s, "SIP-")
	return strings.NewReplacer(" ", "", "_", "").Replace(s)
}

// LookupModel finds a model in any case, with or without Yealink's "SIP-"
// prefix.
func (v Vendor) LookupModel(name string) (Model, bool) {
	k := modelKey(name)
	for _, m := range v.Models {
		if modelKey(m.Name) == k {
			return m, true
		}
	}
	return Model{}, false
}

// ModelNames lists the vendor's models, sorted.
func (v Vendor) ModelNames() []string {
	out := make([]string, len(v.Models))
	for i, m := range v.Models {
		out[i] = m.Name
	}
	sort.Strings(out)
	return out
}

// CiscoSPA says a Cisco model is an SPA (older file name and profile).
func CiscoSPA(model string) bool { return strings.HasPrefix(modelKey(model), "SPA") }

// EventFor is the NOTIFY event a device acts on.
func EventFor(d Device) string {
	v, _ := LookupVendor(d.Vendor)
	return v.Event
}
