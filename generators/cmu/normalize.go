package cmu

import (
	"math"
	"net/url"
	"strings"
	"unicode"
)

// Normalize is the app's matching form of a company name or CMU ID: lower-cased,
// with every character that is not a letter or a number (punctuation, spaces,
// symbols) removed, so "Flexitricity Ltd." and "FLEXITRICITY LTD" both become
// "flexitricityltd". In regular-expression terms:
// regexp_replace(lower(s), '[^\p{L}\p{N}]', ”, 'g'), which is how the tests
// recompute it in DuckDB.
func Normalize(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsNumber(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// collapseSpace trims s and turns every run of white space into one space.
func collapseSpace(s string) string { return strings.Join(strings.Fields(s), " ") }

// companyURL is the app's company page for a normalized name.
func companyURL(normalized string) string {
	return "/company-list/" + url.PathEscape(normalized) + "/"
}

// locationURL is the app's page for a location text: /location/by-name/<quoted>/,
// quoted like Python's urllib.parse.quote(s, safe="") so that a "/" inside the
// text cannot split the path. "" when there is no location.
func locationURL(location string) string {
	if location == "" {
		return ""
	}
	return "/location/by-name/" + pyQuote(location) + "/"
}

// pyQuote percent-encodes every byte of s except ASCII letters, digits and "_.-~".
func pyQuote(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

// round3 rounds a capacity in MW to three decimals (1 kW), the register's own
// precision, so that sums do not show float noise.
func round3(x float64) float64 { return math.Round(x*1000) / 1000 }
