// Package appview holds the web app's conventions for showing a component, as
// ../shared/docs/app-integration.md states them: its title, the URL of its
// location page, its company_id, its delivery year as the app's string and a
// location group's short description. Map points (internal/generators/maptiles), popups
// (internal/generators/cmu) and location groups (internal/generators/locations) all use it, so one
// component looks the same in each, and the same as in the app.
package appview

import (
	"strconv"
	"unicode/utf8"

	"github.com/prebake/prebake/internal/apprules"
	"github.com/prebake/prebake/internal/record"
)

// DescriptionMax is the app's cut, in characters, of a location group's
// description (its `desc` property): longer texts keep this many and get "..."
// (app_rules.json description_max).
var DescriptionMax = apprules.App.DescriptionMax

// UnknownLocation is the app's popup title for a component without location
// text (app_rules.json unknown_location).
var UnknownLocation = apprules.App.UnknownLocation

// Title is the app's title of a component: its location text verbatim
// (newlines kept), else UnknownLocation.
func Title(c *record.Component) string {
	if c.LocationText == "" {
		return UnknownLocation
	}
	return c.LocationText
}

// DetailURL is the app's page for a component: its location page
// /location/by-name/<quote(location text, safe="")>/, or, for a component
// without location text, its component page /component/by-id/<_id>/ (the
// templates: app_rules.json url_templates). Both routes resolve without the
// app's database keys.
func DetailURL(c *record.Component) string {
	if c.LocationText == "" {
		return apprules.Fill(apprules.App.URLTemplates.Component, apprules.ComponentPlaceholder, strconv.FormatInt(c.ID, 10))
	}
	return LocationURL(c.LocationText)
}

// LocationURL is the app's location page for a location text.
func LocationURL(text string) string {
	return apprules.Fill(apprules.App.URLTemplates.Location, apprules.LocationPlaceholder, Quote(text))
}

// CompanyURL is the app's page of a company_id (Normalize of the company name).
func CompanyURL(companyID string) string {
	return apprules.Fill(apprules.App.URLTemplates.Company, apprules.CompanyPlaceholder, Quote(companyID))
}

// Year is a delivery year as the app stores it (a CharField: "2024"); ok is
// false for an unknown year (0).
func Year(y int) (s string, ok bool) {
	if y == 0 {
		return "", false
	}
	return strconv.Itoa(y), true
}

// ShortDescription is the app's cut of a location group's first description:
// the text as it is when at most DescriptionMax characters (code points, as
// Python's s[:100]), else its first DescriptionMax characters and "...".
func ShortDescription(s string) string {
	if utf8.RuneCountInString(s) <= DescriptionMax {
		return s
	}
	n := 0
	for i := range s {
		if n == DescriptionMax {
			return s[:i] + "..."
		}
		n++
	}
	return s
}

// quoteSafe marks the bytes Quote keeps: ASCII letters, digits and
// app_rules.json's quote_safe.
var quoteSafe = func() (t [256]bool) {
	for c := 0; c < 256; c++ {
		t[c] = 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
	}
	for _, c := range []byte(apprules.App.QuoteSafe) {
		t[c] = true
	}
	return t
}()

// Quote is Python's urllib.parse.quote(s, safe=""): every UTF-8 byte other than
// an ASCII letter, digit or one of app_rules.json's quote_safe ("_.-~")
// becomes %XX (so "/" is "%2F"). Hand-written: net/url's escapers keep other
// sets ("!*'()" in PathEscape, "+" for space in QueryEscape).
func Quote(s string) string {
	const hex = "0123456789ABCDEF"
	b := make([]byte, 0, len(s)+8)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if quoteSafe[c] {
			b = append(b, c)
			continue
		}
		b = append(b, '%', hex[c>>4], hex[c&0xf])
	}
	return string(b)
}
