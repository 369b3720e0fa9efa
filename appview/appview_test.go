package appview

import (
	"strings"
	"testing"

	"github.com/prebake/prebake/record"
)

func TestQuote(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Marshall Road, Plympton, Plymouth, PL7 4NW", "Marshall%20Road%2C%20Plympton%2C%20Plymouth%2C%20PL7%204NW"},
		{"a/b?c=d&e", "a/b%3Fc%3Dd%26e"},
		{"Unit 2/3\nSite", "Unit%202/3%0ASite"},
		{"café #1", "caf%C3%A9%20%231"},
		{"~_.-", "~_.-"},
		{"100% (site)", "100%25%20%28site%29"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := Quote(tt.in); got != tt.want {
			t.Errorf("Quote(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestTitleAndDetailURL(t *testing.T) {
	tests := []struct {
		c      record.Component
		title  string
		url    string
		hasURL bool
	}{
		{record.Component{Location: "2 Bar Lane,\n York", ComponentID: "C1"}, "2 Bar Lane, York", "/location/by-name/2%20Bar%20Lane%2C%0A%20York/", true},
		{record.Component{Location: "", ComponentID: "C2", Description: "Hornsea  One"}, "Hornsea One", "", false},
		{record.Component{ComponentID: "C3"}, "C3", "", false},
		{record.Component{}, "", "", false},
	}
	for _, tt := range tests {
		if got := Title(&tt.c); got != tt.title {
			t.Errorf("Title(%+v) = %q, want %q", tt.c, got, tt.title)
		}
		url, ok := DetailURL(&tt.c)
		if url != tt.url || ok != tt.hasURL {
			t.Errorf("DetailURL(%+v) = %q, %v; want %q, %v", tt.c, url, ok, tt.url, tt.hasURL)
		}
	}
}

func TestDescription(t *testing.T) {
	tests := []struct{ in, want string }{
		{"short", "short"},
		{"  a\u00a0b\t\tc  ", "a b c"},
		{strings.Repeat("é", 150), strings.Repeat("é", 100)},
		{strings.Repeat("x", 99) + " tail", strings.Repeat("x", 99)},
		{"", ""},
	}
	for _, tt := range tests {
		if got := Description(tt.in); got != tt.want {
			t.Errorf("Description(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
