package provider

import (
	"fmt"
	"strings"
)

// iso3166 is every officially assigned ISO 3166-1 alpha-2 country code:
// what outbound restrictions (Telnyx's whitelisted_destinations) hold.
const iso3166 = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ " +
	"CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR " +
	"GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP " +
	"KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT " +
	"MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW " +
	"SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG " +
	"UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW"

var countries = func() map[string]bool {
	m := map[string]bool{}
	for _, c := range strings.Fields(iso3166) {
		m[c] = true
	}
	return m
}()

// commonMistakes are codes people write for a country whose ISO 3166-1
// alpha-2 code is another: the exceptionally reserved UK and EL, and
// alpha-3 codes.
var commonMistakes = map[string]string{
	"UK": "GB", "EL": "GR",
	"USA": "US", "GBR": "GB", "CAN": "CA", "MEX": "MX", "DEU": "DE", "GER": "DE", "FRA": "FR", "ESP": "ES",
	"ITA": "IT", "NLD": "NL", "IRL": "IE", "AUS": "AU", "NZL": "NZ", "CHE": "CH", "AUT": "AT", "BEL": "BE",
	"SWE": "SE", "NOR": "NO", "DNK": "DK", "FIN": "FI", "POL": "PL", "PRT": "PT", "JPN": "JP", "IND": "IN",
	"BRA": "BR", "ZAF": "ZA", "SGP": "SG", "CHN": "CN", "KOR": "KR", "ISR": "IL", "ARE": "AE",
}

// CountryCodes checks and normalises ISO 3166-1 alpha-2 codes ("us, GB" →
// US, GB), naming the first unknown one.
func CountryCodes(codes []string) ([]string, error) {
	out := make([]string, 0, len(codes))
	seen := map[string]bool{}
	for _, c := range codes {
		u := strings.ToUpper(strings.TrimSpace(c))
		if !countries[u] {
			if meant, ok := commonMistakes[u]; ok {
				return nil, fmt.Errorf("unknown country code %q: did you mean %s? countries are ISO 3166-1 alpha-2 codes", c, meant)
			}
			return nil, fmt.Errorf("unknown country code %q: countries are ISO 3166-1 alpha-2 codes such as US, GB, DE", c)
		}
		if !seen[u] {
			seen[u] = true
			out = append(out, u)
		}
	}
	return out, nil
}
