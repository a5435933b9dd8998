package provider

import (
	"strings"
	"testing"
)

func TestCountryCodes(t *testing.T) {
	if n := len(strings.Fields(iso3166)); n != 249 {
		t.Errorf("%d ISO 3166-1 codes, want the 249 assigned", n)
	}
	got, err := CountryCodes([]string{"us", " GB", "US"})
	if err != nil || strings.Join(got, ",") != "US,GB" {
		t.Errorf("%v %v", got, err)
	}
	for _, bad := range []string{"UK", "XX", "USA", ""} {
		if _, err := CountryCodes([]string{bad}); err == nil || !strings.Contains(err.Error(), "unknown country code") {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

func TestSameCountries(t *testing.T) {
	if !SameCountries([]string{"us", "CA"}, []string{"CA", "US"}) || SameCountries([]string{"US"}, []string{"US", "CA"}) || SameCountries([]string{"US", "GB"}, []string{"US", "CA"}) {
		t.Error("SameCountries")
	}
}

// A code people write for another (UK for GB, alpha-3 USA) names the right one.
func TestCountryCodesSuggest(t *testing.T) {
	for bad, want := range map[string]string{"UK": "did you mean GB?", "uk": "did you mean GB?", "USA": "did you mean US?", "EL": "did you mean GR?"} {
		if _, err := CountryCodes([]string{bad}); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", bad, err, want)
		}
	}
	if _, err := CountryCodes([]string{"XX"}); err == nil || strings.Contains(err.Error(), "did you mean") {
		t.Errorf("XX: %v", err)
	}
}
