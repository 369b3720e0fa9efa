// Package appview holds the web app's conventions for showing one component: its
// title, the URL of its location page and its short description. Map points
// (generators/maptiles), popups (generators/cmu) and location groups
// (generators/locations) all use it, so one component looks the same in each.
package appview

import (
	"strings"

	"github.com/prebake/prebake/record"
)

// DescriptionMax is the app's limit, in characters, on a map or search description.
const DescriptionMax = 100

// Title is what the app shows for a component: its location text, else its
// description (offshore sites often have only that), else its Component ID, with
// white space collapsed.
func Title(c *record.Component) string {
	for _, t := range []string{c.Location, c.Description, c.ComponentID} {
		if t = collapseSpace(t); t != "" {
			return t
		}
	}
	return ""
}

// DetailURL is the app's page for a component's location, /location/by-name/<quoted
// location>/, quoted as the app does with Python's urllib.parse.quote (safe="/");
// ok is false when the component has no location text.
func DetailURL(c *record.Component) (url string, ok bool) {
	if c.Location == "" {
		return "", false
	}
	return "/location/by-name/" + Quote(c.Location) + "/", true
}

// Description is a short description: white space collapsed, cut to
// DescriptionMax characters (code points, as Python's s[:100]) and trimmed.
func Description(s string) string {
	s = collapseSpace(s)
	n := 0
	for i := range s {
		if n == DescriptionMax {
			return strings.TrimSpace(s[:i])
		}
		n++
	}
	return s
}

// Quote is Python's urllib.parse.quote(s) with its default safe="/": UTF-8 bytes
// other than ASCII letters, digits, "_.-~" and "/" become %XX.
func Quote(s string) string {
	const hex = "0123456789ABCDEF"
	b := make([]byte, 0, len(s)+8)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '.' || c == '-' || c == '~' || c == '/' {
			b = append(b, c)
			continue
		}
		b = append(b, '%', hex[c>>4], hex[c&0xf])
	}
	return string(b)
}

func collapseSpace(s string) string { return strings.Join(strings.Fields(s), " ") }
